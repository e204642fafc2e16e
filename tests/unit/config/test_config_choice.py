"""Which config a command uses, and that falling back to the example is never silent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modules.config import command_config_path, fallback_notice
from modules.config.load import CONFIG_ENV
from tests.conftest import ROOT


def test_an_exported_config_is_used_without_a_word(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv(CONFIG_ENV, "config/prod.yaml")
    assert fallback_notice() is None
    assert command_config_path(None) == "config/prod.yaml"
    assert capsys.readouterr().err == ""


def test_an_explicit_config_wins_without_a_word(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert command_config_path("other.yaml") == "other.yaml"
    assert capsys.readouterr().err == ""


def test_falling_back_to_the_example_is_said(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.chdir(ROOT)
    assert command_config_path(None) == "config/example.yaml"
    assert capsys.readouterr().err == (
        f"note: {CONFIG_ENV} is not set: using config/example.yaml (export {CONFIG_ENV}=<your config> once per "
        "shell, or pass CONFIG=<file> to make)\n"
    )


def test_main_says_which_config_it_fell_back_to(tmp_path: Path) -> None:
    # GIVEN a project whose cdktf.json names a config, and no exported config
    (tmp_path / "cdktf.json").write_text(json.dumps({"context": {"config": "absent.yaml"}}))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    # WHEN main.py runs there
    result = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    # THEN it says which config it uses before failing to read it
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith(f"note: {CONFIG_ENV} is not set: using absent.yaml")
    assert "absent.yaml" in result.stderr.splitlines()[1]
