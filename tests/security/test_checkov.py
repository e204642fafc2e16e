"""Checkov (offline, from PyPI) finds nothing in any synthesized stack of the example.

The only skipped checks are those in security/checkov-skips.yaml, each with its reason,
and each must still fire without the skip, so the file cannot hide a stale exception.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, synth_stacks

SKIPS_FILE = ROOT / "security" / "checkov-skips.yaml"


def run_checkov(directory: Path, skips: list[str]) -> dict[str, Any]:
    """Checkov's JSON report for the Terraform JSON under `directory`, no platform calls."""
    command = [
        sys.executable, "-m", "checkov.main", "--directory", str(directory), "--framework", "terraform_json",
        "--output", "json", "--quiet", "--compact", "--skip-download", "--download-external-modules", "false",
    ]
    if skips:
        command += ["--skip-check", ",".join(skips)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [check for r in reports for check in r["results"]["failed_checks"]]
    return {"failed": failed, "passed": sum(r["summary"]["passed"] for r in reports)}


@pytest.fixture(scope="module")
def skips() -> dict[str, str]:
    return yaml.safe_load(SKIPS_FILE.read_text())


@pytest.fixture(scope="module")
def stacks_dir(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    """The example's stacks, and those of the example with the state bootstrap stack and
    DynamoDB locking switched on (so the bucket and lock table are scanned too)."""
    root = tmp_path_factory.mktemp("checkov")
    synth_stacks(example_data, root / "example")
    bootstrap = copy.deepcopy(example_data)
    bootstrap["state"]["s3"].update(bootstrap=True, locking="dynamodb", dynamodb_table="keycloak-aurora-tf-locks")
    synth_stacks(bootstrap, root / "with-state-stack")
    return root


def test_every_skip_has_a_reason(skips: dict[str, str]) -> None:
    assert skips, "the skip file is empty: remove it rather than keep an empty exception list"
    for check, reason in skips.items():
        assert check.startswith(("CKV_", "CKV2_")), check
        assert isinstance(reason, str) and len(reason) > 40, f"{check} needs a reason"


def test_no_failed_checks_in_any_stack(stacks_dir: Path, skips: dict[str, str]) -> None:
    report = run_checkov(stacks_dir, sorted(skips))
    failures = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report["failed"]]
    assert failures == []
    assert report["passed"] > 50


def test_every_skipped_check_still_fires_without_the_skip(stacks_dir: Path, skips: dict[str, str]) -> None:
    fired = {c["check_id"] for c in run_checkov(stacks_dir, [])["failed"]}
    assert fired == set(skips)
