"""Before Terraform runs: a state the backend holds that no stack of the config manages
stops `plan`, `deploy` and `destroy` (exit 1, nothing run); one that holds nothing is
reported, and removed by `deploy`. After a deploy, recovery files whose imports are in the
state are removed. (Local state here; S3 and HCP Terraform listings: tests/unit/state.)"""

from __future__ import annotations

import json

import pytest

from modules.recover import imports_file
from modules.recover.imports_file import ImportBlock
from tests.unit.run.conftest import Workspace

CHANGES_EVERYWHERE = {f"{s}:plan": {"changes": True} for s in ("aurora", "peering-a", "keycloak-a")}


def plan(workspace: Workspace, *args: str):
    return workspace.run("plan", *args, "--plans-dir", str(workspace.root / "plans"),
                         "--summary", str(workspace.root / "summary.md"))


@pytest.mark.parametrize("command", [("plan",), ("deploy", "--auto-approve"), ("destroy", "--auto-approve")])
def test_a_deleted_entrys_states_stop_the_run_before_terraform(workspace: Workspace, command: tuple[str, ...]) -> None:
    # GIVEN the deployment's stacks deployed, and the states of cluster `gone`, whose entry
    # was deleted from the config without retiring it first
    for stack in ("aurora", "peering-a", "keycloak-a"):
        workspace.state(stack, resources=3)
    workspace.state("peering-gone", resources=9)
    workspace.state("access-gone", resources=4)
    workspace.state("keycloak-gone", resources=0)

    # WHEN the runner runs
    result = plan(workspace) if command == ("plan",) else workspace.run(*command)

    # THEN it stops with exit 1 before any Terraform, naming each orphan, what it holds and the fix
    assert result.returncode == 1
    assert workspace.calls() == []
    states = workspace.state_dir
    assert (
        f"run: error: local directory state/ holds states that no stack of this config manages; what they hold would "
        "keep running with nothing to manage it:\n"
        f"  access-gone: 4 resources ({states / 'access-gone.tfstate'})\n"
        f"  peering-gone: 9 resources ({states / 'peering-gone.tfstate'})\n"
        "ROSA cluster gone is not in rosa_clusters: put the entry back with `retired: true` (rosa_clusters[].retired), "
        "deploy (that destroys what its stacks hold), then delete the entry.\n"
        "Nothing was planned or changed.\n"
    ) in result.stderr
    # AND nothing was removed, not even the empty state
    assert (states / "keycloak-gone.tfstate").exists()


def test_a_stack_the_config_no_longer_makes_is_named_with_its_own_fix(workspace: Workspace) -> None:
    # e.g. access-rosa-site-a after a switch to keycloak.credentials: copy (its cluster is still there)
    workspace.state("access-rosa-site-a", resources=1)
    result = plan(workspace)
    assert result.returncode == 1
    assert (
        "access-rosa-site-a: this config no longer makes this stack; go back to the config that did, destroy it "
        "(`make destroy STACKS=<stack>`), then change the config." in result.stderr
    )
    assert "1 resource (" in result.stderr


def test_the_empty_states_of_a_completed_retirement_are_reported_then_removed_by_a_deploy(workspace: Workspace) -> None:
    # GIVEN `gone` was retired, its stacks emptied by a deploy, and then its entry deleted
    workspace.state("aurora", resources=3)
    left = [workspace.state(stack, resources=0, outputs={"retired": "gone"}) for stack in ("peering-gone", "access-gone")]

    # WHEN a plan runs: it plans as usual and says the next deploy removes them
    planned = plan(workspace, "--detailed-exitcode")
    assert planned.returncode == 0, planned.stderr
    assert (f"run: state of peering-gone, {left[0]}, holds nothing and no stack uses it (left by the retirement of "
            "gone): the next deploy removes it") in planned.stderr
    assert all(path.exists() for path in left)

    # WHEN a deploy runs: they are removed, and said so, before Terraform runs
    deployed = workspace.run("deploy", "--auto-approve")
    assert deployed.returncode == 0, deployed.stderr
    assert (f"run: removed the state of access-gone, {left[1]}: it held nothing and no stack uses it (left by the "
            "retirement of gone)") in deployed.stderr
    assert not any(path.exists() for path in left)

    # AND the next run has nothing to say about them
    again = plan(workspace)
    assert "holds nothing" not in again.stderr and "removed" not in again.stderr


def test_retired_stacks_are_planned_and_deployed_dependants_first(workspace: Workspace) -> None:
    # GIVEN cluster `a` retired: its stacks in the manifest as the app writes them (each
    # depends on the ones that depended on it), keycloak-a emptied already (or never
    # deployed), peering-a still holding its peering
    manifest = json.loads((workspace.outdir / "manifest.json").read_text())
    manifest["stacks"]["keycloak-a"]["dependencies"] = ["aurora"]
    manifest["stacks"]["peering-a"]["dependencies"] = ["aurora", "keycloak-a"]
    (workspace.outdir / "manifest.json").write_text(json.dumps(manifest))
    for stack in ("keycloak-a", "peering-a"):
        (workspace.outdir / "stacks" / stack / "cdk.tf.json").write_text(
            json.dumps({"output": {"retired": {"value": "a"}}, "terraform": {"backend": {"local": {}}}}))
    workspace.state("aurora", resources=3)
    workspace.state("keycloak-a", resources=0, outputs={"retired": "a"})
    workspace.state("peering-a", resources=9)
    workspace.script(**{"peering-a:plan": {"changes": True}})

    # WHEN planned: every retired stack is planned (none waits for keycloak-a, which holds nothing)
    assert plan(workspace).returncode == 0
    assert sorted(c for c in workspace.commands() if c.endswith(" plan")) == ["aurora plan", "keycloak-a plan",
                                                                               "peering-a plan"]

    # WHEN deployed: keycloak-a before peering-a, and the log says what the deploy of each does
    workspace.log.unlink()
    deployed = workspace.run("deploy", "--auto-approve")
    assert deployed.returncode == 0
    assert [c for c in workspace.commands() if c.endswith(" plan")] == ["aurora plan", "keycloak-a plan",
                                                                         "peering-a plan"]
    assert "run: deploy peering-a (3/3): a is retired, this destroys what the stack holds" in deployed.stderr
    assert "run: deploy aurora (1/3)\n" in deployed.stderr


VPC = "aws_vpc.network_vpc_4E8F0223"
ROUTE = 'aws_route.peering_route-to-aurora_FAB375FE["rtb-1"]'


@pytest.mark.parametrize(("listed", "removed"), [(f"{VPC}\n{ROUTE}\naws_subnet.s\n", True), (f"{VPC}\n", False)],
                         ids=["all imported", "one not imported yet"])
def test_a_deploy_removes_the_recovery_files_whose_imports_are_in_the_state(
    workspace: Workspace, listed: str, removed: bool
) -> None:
    # GIVEN `make recover` wrote import blocks for peering-a (for this deployment's state location)
    from modules.config import load_config

    key = imports_file.DeploymentKey.of(load_config(workspace.env["KEYCLOAK_AURORA_CONFIG"]))
    path = imports_file.write(workspace.root / "recovery", key, "peering-a", [ImportBlock(VPC, "vpc-1"),
                                                                           ImportBlock(ROUTE, "rtb-1_192.168.0.0/16")])
    # AND after the deploy, `terraform state list` of peering-a lists what it lists
    workspace.script(**CHANGES_EVERYWHERE, **{"peering-a:state": {"stdout": listed}})

    result = workspace.run("deploy", "--auto-approve")

    # THEN the file is removed exactly when every import is in the state
    assert result.returncode == 0, result.stderr
    assert "peering-a state" in workspace.commands()
    assert path.exists() is not removed
    assert (f"run: removed {path}: its 2 imports are in the state of peering-a" in result.stderr) is removed
    # AND only the stacks with a recovery file were asked
    assert [c for c in workspace.commands() if c.endswith(" state")] == ["peering-a state"]


def test_the_check_comes_before_the_stack_selection(workspace: Workspace) -> None:
    # GIVEN the only cluster's entry deleted: its stacks' patterns match nothing any more
    workspace.state("peering-gone", resources=2)
    result = plan(workspace, "peering-gone")
    # THEN the orphan is what the run says, not that no stack matches
    assert result.returncode == 1
    assert "  peering-gone: 2 resources (" in result.stderr
    assert "no stack matches" not in result.stderr
