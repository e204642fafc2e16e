"""The writer's engine version preconditions, decided by Terraform itself.

Each case synthesizes an `AuroraCluster` for a configured version, puts a deployed version
where the preconditions read the cluster's `engine_version_actual`, and has `terraform
console` evaluate every condition: the version is refused when one of them is false.
The end-to-end upgrade test (`tests/e2e/test_aurora_day2.py`) shows a real plan failing
on one, before anything changes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from modules.config import AuroraSpec
from tests.conftest import AURORA_DATA, construct_json, resources

pytestmark = pytest.mark.terraform

ACTUAL = "aws_rds_cluster.aurora_cluster_059EF40F.engine_version_actual"

# (configured version, auto minor version upgrade, deployed version, refused)
CASES = [
    ("16.8", False, "16.8", False),  # nothing to do
    ("16.9", False, "16.8", False),  # minor upgrade
    ("16.8", False, "15.10", False),  # major upgrade
    ("17.4", False, "15.10", False),  # two majors at once: AWS's upgrade targets decide
    ("16.8", False, "16.10", True),  # AWS upgraded the minor (forced): no way back
    ("15.10", False, "16.8", True),  # major downgrade
    ("16.8", False, "16.8.2", False),  # patch levels are not compared
    ("16.8", True, "16.8", False),
    ("16.8", True, "16.10", False),  # AWS upgraded the minor: followed, no change planned
    ("16.10", True, "16.8", True),  # a newer minor would be ignored
    ("17.4", True, "16.8", True),  # a major upgrade would be ignored
    ("16.0", False, "16.1", True),  # a 0 minor compares as 0
]


def conditions(engine_version: str, auto_minor: bool) -> list[str]:
    """The writer's precondition expressions, without their `${...}`."""
    spec = AuroraSpec.model_validate({**AURORA_DATA, "engine_version": engine_version, "auto_minor_version_upgrade": auto_minor})

    def build(stack: Any) -> None:
        from modules.aurora.cluster import AuroraCluster
        from modules.aurora.network import AuroraNetwork

        key = "arn:aws:kms:eu-west-1:111111111111:key/k"
        AuroraCluster(stack, "aurora", spec=spec, network=AuroraNetwork(stack, "network", spec=spec, kms_key_arn=key),
                      kms_key_arn=key)

    (writer,) = [b for b in resources(construct_json(build), "aws_rds_cluster_instance").values() if b["identifier"] == "kc-writer"]
    return [check["condition"].removeprefix("${").removesuffix("}") for check in writer["lifecycle"]["precondition"]]


def test_engine_version_rules(tmp_path: Path, terraform_env: dict[str, str]) -> None:
    verdicts = [
        "alltrue([" + ", ".join(c.replace(ACTUAL, json.dumps(deployed)) for c in conditions(configured, auto)) + "])"
        for configured, auto, deployed, _ in CASES
    ]
    # `terraform console` reading stdin prints only its last result: one expression for all.
    result = subprocess.run(
        ["terraform", "console"], cwd=tmp_path, env=terraform_env, capture_output=True, text=True, timeout=120,
        input=f"jsonencode([{', '.join(verdicts)}])\n", check=True,
    )
    accepted = json.loads(json.loads(result.stdout))
    refused = {case[:3]: not ok for case, ok in zip(CASES, accepted)}
    assert refused == {case[:3]: case[3] for case in CASES}
