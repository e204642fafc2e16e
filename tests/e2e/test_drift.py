"""Drift, end to end on the session deployment: the Aurora-side return route of rosa-site-a
deleted out of band is found by the plan command (exit 2, the summary names it), and the
runner's deploy puts it back (the next plan is empty).

Runs after test_aurora.py and before test_teardown.py (file order in the main world), and
leaves the deployment as it found it: the route is back, every plan empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.aws_checks import peering_of, routes_via
from tests.e2e.failures import explain
from tests.e2e.world import AURORA_REGION, Deployment

pytestmark = pytest.mark.e2e

DRIFTED_STACK = "peering-rosa-site-a"


def plan(deployment: Deployment, out: Path, *args: str):
    """The drift check's command with -detailed-exitcode semantics (stacks and flags in `args`)."""
    return deployment.run("plan", *args, "--detailed-exitcode", "--plans-dir", str(out / "plans"),
                          "--summary", str(out / "summary.md"), "--config", str(deployment.config_path))


def timings(result) -> None:
    """The runner's own lines (per stack: outcome and seconds), shown with `pytest -s`."""
    print("\n".join(line for line in result.stderr.splitlines() if line.startswith("run: ")))


def changes(plan_json: Path) -> list[tuple[str, list[str]]]:
    document = json.loads(plan_json.read_text())
    return [(rc["address"], rc["change"]["actions"]) for rc in document.get("resource_changes", [])
            if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"]]


def test_a_deleted_return_route_is_reported_as_drift_and_a_deploy_puts_it_back(
    deployment: Deployment, tmp_path: Path
) -> None:
    site_a = deployment.rosa["rosa-site-a"]
    aurora_table = deployment.outputs()["aurora"]["route_table_id"]
    peering_a = peering_of(deployment, site_a)["VpcPeeringConnectionId"]
    assert routes_via(deployment, AURORA_REGION, aurora_table, peering_a) == [site_a.cidr]

    # GIVEN someone deletes the Aurora side's return route to rosa-site-a in the console
    deployment.client("ec2").delete_route(RouteTableId=aurora_table, DestinationCidrBlock=site_a.cidr)

    # WHEN the drift check plans that cluster's stack (synthesizing first, as it does in CI;
    # each Terraform command costs seconds of CPU, so the other stacks are left out here:
    # test_plan_review.py plans all of them, with no changes, afterwards)
    found = plan(deployment, tmp_path / "drift", DRIFTED_STACK)
    timings(found)

    # THEN it exits 2 (changes): the plan creates that route again, and nothing else
    assert found.returncode == 2, explain(found, deployment.moto)
    (route,) = changes(tmp_path / "drift" / "plans" / f"{DRIFTED_STACK}.json")
    assert "route-to-rosa" in route[0] and route[0].startswith("aws_route.") and route[1] == ["create"]
    # AND the summary names the route of that cluster's stack as deleted outside Terraform
    lines = (tmp_path / "drift" / "summary.md").read_text().splitlines()
    assert lines[1] == "## Terraform plan: 1 stack, 1 with changes"
    assert "> **Changed outside Terraform: 1 resource** (drift since the last apply). This plan puts it back as" \
           " the configuration says." in lines
    assert f"> - `{DRIFTED_STACK}`: `{route[0]}` was deleted" in lines
    assert f"| `{route[0]}` | create |  |" in lines

    # WHEN the runner deploys that stack (`make deploy STACKS=peering-rosa-site-a`)
    deployed = deployment.run("deploy", DRIFTED_STACK, "--auto-approve", "--no-synth")
    timings(deployed)

    # THEN the route is back, and that stack plans no changes again
    assert deployed.returncode == 0, explain(deployed, deployment.moto)
    assert f"run: deploy: {DRIFTED_STACK}: applied" in deployed.stderr
    assert routes_via(deployment, AURORA_REGION, aurora_table, peering_a) == [site_a.cidr]
    code, output = deployment.plan_exit_code(DRIFTED_STACK)
    assert code == 0, output[-3000:]
