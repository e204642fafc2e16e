"""Terraform's environment: unattended, and pointed at a provider mirror when one is named."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from modules.run.__main__ import duration
from modules.run.environment import CLI_CONFIG, terraform_env
from tests.harness.terraform import write_cli_config


def test_terraform_never_prompts_and_gives_no_next_step_hints(tmp_path: Path) -> None:
    env = terraform_env({"PATH": "/bin"}, workdir=tmp_path)
    assert env == {"PATH": "/bin", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    assert not (tmp_path / CLI_CONFIG).exists()


def test_a_mirror_gets_a_cli_config_as_make_deploy_always_wrote(tmp_path: Path) -> None:
    # GIVEN an air-gapped machine's mirror, and a CLI config the user had set
    env = terraform_env({"TF_PROVIDER_MIRROR": "/opt/tf-plugins", "TF_CLI_CONFIG_FILE": "/etc/other"}, workdir=tmp_path)
    # THEN Terraform reads the mirror's config, the same the test harness writes
    written = tmp_path / CLI_CONFIG
    assert env["TF_CLI_CONFIG_FILE"] == str(written.absolute())
    expected = write_cli_config(tmp_path / "harness.rc", Path("/opt/tf-plugins")).read_text()
    assert written.read_text() == expected


@pytest.mark.parametrize(("text", "seconds"), [("300", 300), ("45s", 45), ("90m", 5400), ("2h", 7200), ("1.5m", 90)])
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5d", "-3", "m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)
