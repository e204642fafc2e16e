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


def test_a_global_database_gets_the_switchover_policy_on_both_regions(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    config = ROOT / "config" / "examples" / "global-database.yaml"
    assert main(["--config", str(config), "--out-dir", str(tmp_path), "--account", "123456789012"]) == 0
    granted: dict[str, list[str]] = {}
    for statement in json.loads((tmp_path / "switchover.json").read_text())["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        for action in actions:
            granted[action] = sorted({*granted.get(action, []), *resources})
    global_cluster = "arn:aws:rds::123456789012:global-cluster:keycloak-aurora-global"
    primary = "arn:aws:rds:eu-west-1:123456789012:cluster:keycloak-aurora"
    secondary = "arn:aws:rds:eu-central-1:123456789012:cluster:keycloak-aurora-eu-central-1"
    assert granted == {
        "rds:DescribeGlobalClusters": [global_cluster],
        "rds:SwitchoverGlobalCluster": sorted([global_cluster, primary, secondary]),
        "rds:RemoveFromGlobalCluster": sorted([global_cluster, secondary]),
        "rds:DescribeDBClusters": [secondary],
    }
    # and the deploy role acts on the secondary's resources in its region, by its names; the
    # database group, over the size limit with two regions, is one document per service
    assert (tmp_path / "deploy-database-rds.json").exists() and not (tmp_path / "deploy-database.json").exists()
    deploy = json.dumps([json.loads(f.read_text()) for f in tmp_path.glob("deploy-*.json")])
    assert secondary in deploy and "cluster-pg:keycloak-aurora-eu-central-1-aurora-postgresql*" in deploy
