"""`make iam-policies` (`python -m modules.iam`): the files, and one clear error for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.iam.__main__ import main
from tests.conftest import EXAMPLE_CONFIG


def test_writes_every_policy_and_the_roles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN the example's policies are generated for an account
    assert main(["--config", str(EXAMPLE_CONFIG), "--out-dir", str(tmp_path), "--account", "123456789012"]) == 0
    # THEN each is a policy document naming that account, and the roles' configuration is there
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted([f"{n}.json" for n in ("deploy-network", "deploy-database", "deploy-keys",
                                                    "deploy-identity", "deploy-state", "deploy-monitoring", "plan", "preflight",
                                                    "find-vpc", "recover")] + ["roles.tf.json"])
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["Version"] == "2012-10-17" and "123456789012" in json.dumps(plan)
    assert "characters" in capsys.readouterr().out


def test_a_bad_account_is_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(EXAMPLE_CONFIG), "--out-dir", str(tmp_path), "--account", "12345"]) == 2
    assert capsys.readouterr().err == "error: --account '12345': must be a 12-digit AWS account id\n"
    assert not any(tmp_path.iterdir())
