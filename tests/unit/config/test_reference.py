"""The config reference (docs/configuration.md) is generated from the model, and kept fresh."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import Field

from modules.config import reference
from modules.config.model import DeploymentConfig, _Model
from tests.conftest import ROOT

PAGE = ROOT / reference.REFERENCE_PAGE


def test_config_reference_is_current() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert reference.updated(text) == text, (
        f"{reference.REFERENCE_PAGE}'s config reference is stale: run `make docs`"
    )


def test_check_command_fails_on_a_stale_page(tmp_path) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text(f"# x\n\n{reference.BEGIN}\n| old |\n{reference.END}\n", encoding="utf-8")
    check = [sys.executable, "-m", "modules.config.reference", "--check", str(stale)]
    result = subprocess.run(check, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "stale" in result.stderr
    subprocess.run([sys.executable, "-m", "modules.config.reference", "--write", str(stale)], cwd=ROOT, check=True, timeout=60)
    assert subprocess.run(check, cwd=ROOT, timeout=60).returncode == 0


def test_every_field_is_documented() -> None:
    rows = reference.rows()
    keys = [key for key, _, _ in rows]
    assert len(keys) == len(set(keys))
    for key, default, description in rows:
        assert description.strip(), key
        assert default, key
    # spot checks: a computed default, a required key, a list of sections
    table = {key: default for key, default, _ in rows}
    assert table["`rosa_clusters[].region`"] == "`aurora.region`"
    assert table["`aurora.name`"] == "required"
    assert table["`aurora.subnets[].cidr`"] == "required"
    assert table["`aurora.engine_version`"] == "`16.8`"


def test_a_field_without_a_description_is_an_error() -> None:
    class Undocumented(_Model):
        documented: int = Field(default=1, description="fine")
        forgotten: int = 2

    with pytest.raises(reference.UndocumentedField, match="undocumented.forgotten has no description"):
        reference.rows(Undocumented, "undocumented.")
    assert reference.rows(DeploymentConfig)  # the real model has none
