"""Issue #16, end to end on a moto world of its own: a deploy killed with SIGKILL recovers to
one managed copy of everything, with nothing lost.

The story, in file order (one world, xdist group `recover`):

1. `cdktf deploy aurora` runs; `recover` names the lock it holds and leaves it. Once the
   cluster is being created, cdktf and its terraform are killed with SIGKILL.
   `recover --unlock --yes` removes the stale lock and writes the imports.
2. Terraform is run again without the recovery file (the issue's report: a re-run that did
   not recover first). It makes a second VPC, subnets, route table, security group and KMS
   key, and fails on every unique name.
3. `recover --yes` finds that the database uses the first network and key, takes the empty
   copies out of the state and imports the ones in use. `cdktf deploy aurora` then imports
   them, adopts the first cluster (same identifier and resource id) and creates only the
   two instances and the secret rotation. The second VPC and key are listed as duplicates.
   Only with `--delete-duplicates` is the empty VPC deleted, never the key; a plan then
   shows no changes.
4. `cdktf deploy peering-rosa-site-b` (cross-region: a connection and its accepter) is
   killed while AWS answers its route creation. `recover --unlock --yes` adopts the peering
   (both resources, one AWS object), its routes and its 5432 rule. The deploy after it
   creates nothing, so there is no second peering, and a plan shows no changes.

moto may differ from AWS in what a killed apply leaves. moto answers every create at once
and makes a cluster "available" on the provider's next read, so the objects left here are
exactly those Terraform had asked for before the kill. On AWS the same ones would exist,
some still being created. Recovery reads what exists either way.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modules.config import load_config
from modules.naming import ADDRESS_TAG
from modules.recover.imports_file import RECOVERY_DIR_ENV, DeploymentKey, file_for
from tests.conftest import ROOT
from tests.e2e.failures import explain
from tests.e2e.world import (
    OTHER_REGION,
    STATE_BUCKET,
    STATE_PREFIX,
    UNATTENDED,
    WITHOUT_KEYCLOAK_STACKS,
    Deployment,
    build_rosa_vpcs,
    e2e_config,
    new_world,
)
from tests.harness.moto import MotoServer
from tests.harness.terraform import terraform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("recover")]

DEPLOYMENT = "keycloak-aurora"
PEERING = "peering-rosa-site-b"
CLUSTER = "aws_rds_cluster.aurora_cluster_059EF40F"
VPC = "aws_vpc.network_vpc_4E8F0223"


@pytest.fixture(scope="module")
def world(terraform_env: dict[str, str], example_data: dict[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> Any:
    work = tmp_path_factory.mktemp("recover")
    hold = work / "hold"
    hold.mkdir()
    with MotoServer.start(log_dir=work, hold_dir=hold) as moto:
        data = e2e_config(example_data, moto.url)
        # The story is the network and key a killed apply duplicates. What watches the
        # database (alarms, their topic, events, the dashboard) comes after the cluster and
        # would only add to the counts below; the main world checks it.
        data["aurora"].update(alarms=False, dashboard=False)
        yield new_world(moto, terraform_env, work, data, rosa=build_rosa_vpcs(moto.url))


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """What one step saw, for the next ones (the steps run in file order)."""
    return {}


def recover(w: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m modules.recover` (what `make recover` runs) against the world."""
    result = subprocess.run([sys.executable, "-m", "modules.recover", *args], cwd=ROOT, env=w.env,
                            capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    print(result.stdout, result.stderr)
    return result


def recovery_file(w: Deployment, stack: str) -> Path:
    """Where `make recover` writes the stack's imports: keyed by the deployment's name and
    state location (the world's bucket and key prefix)."""
    files = DeploymentKey.of(load_config(w.config_path))
    assert files.state == f"s3://{STATE_BUCKET}/{STATE_PREFIX}"
    return file_for(Path(w.env[RECOVERY_DIR_ENV]), files, stack)


def imports_of(w: Deployment, stack: str) -> dict[str, str]:
    return {block["to"]: block["id"] for block in json.loads(recovery_file(w, stack).read_text())["import"]}


def deploy_argv(w: Deployment, stack: str) -> list[str]:
    """`cdktf deploy <stack>` alone (a peering stack without its aurora stack in the run)."""
    return w.cdktf_argv("deploy", stack, *UNATTENDED, WITHOUT_KEYCLOAK_STACKS, "--parallelism", "1")


def deploy(w: Deployment, stack: str) -> str:
    result = subprocess.run(deploy_argv(w, stack), cwd=ROOT, env=w.env, capture_output=True, text=True, timeout=1200,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"deploy {stack} failed: {explain(result, w.moto)}"
    return result.stdout


#: The deploys killed here write no state before the kill, as in the issue's report. Terraform
#: (1.5+) persists the state of a long apply every 20 s; on a loaded machine the kill could
#: come later than that, and what was created by then would be in the state. An interval
#: longer than the apply keeps the scenario the same on every machine
#: (`TF_STATE_PERSIST_INTERVAL`, seconds, 20 at least). See also `kill_hard`.
NO_STATE_BEFORE_THE_KILL = {"TF_STATE_PERSIST_INTERVAL": "3600"}


def start_deploy(w: Deployment, stack: str) -> subprocess.Popen[str]:
    """`cdktf deploy <stack>` in the background, to be killed (see NO_STATE_BEFORE_THE_KILL)."""
    log = open(w.outdir.parent / f"deploy-{stack}.log", "w")
    return subprocess.Popen(deploy_argv(w, stack), cwd=ROOT, env={**w.env, **NO_STATE_BEFORE_THE_KILL}, stdout=log,
                            stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)


def descendants(pid: int) -> list[int]:
    """The processes `pid` started, directly or not (from /proc), deepest first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))

    def below(p: int) -> list[int]:
        return [d for child in children.get(p, []) for d in (*below(child), child)]

    return below(pid)


def kill_hard(deploy_process: subprocess.Popen[str]) -> list[str]:
    """SIGKILL the cdktf process we started and everything it started (terraform runs under
    a pty of its own, outside our process group), as a lost machine would; returns their
    command names.

    Every process is first stopped with SIGSTOP, parents before children, and only then
    killed: no process may see another one die. A terraform whose provider dies first ends
    its apply with an error and writes the state before it exits (seen in CI under load:
    the network in the state after the "kill"), which a lost machine never does.
    """
    stopped: list[int] = []
    names: list[str] = []
    while True:
        tree = [deploy_process.pid, *reversed(descendants(deploy_process.pid))]  # parents first
        new = [pid for pid in tree if pid not in stopped]
        if not new:
            break  # nothing left running could start another process
        for pid in new:
            try:
                names.append(Path(f"/proc/{pid}/comm").read_text().strip())
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass  # already gone
            stopped.append(pid)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deploy_process.wait(timeout=30)
    return names


def wait_for(condition: Callable[[], Any], what: str, running: subprocess.Popen[str], timeout: float = 600) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert running.poll() is None, f"the deploy ended before {what}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def s3_json(w: Deployment, key: str) -> Any:
    """The JSON object at `key` of the state bucket, or None."""
    s3 = w.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=key).get("Contents", [])}
    return json.loads(s3.get_object(Bucket=STATE_BUCKET, Key=key)["Body"].read()) if key in keys else None


def lock_object(w: Deployment, stack: str) -> dict[str, Any] | None:
    return s3_json(w, f"{STATE_PREFIX}/{stack}.tfstate.tflock")


def state_ids(w: Deployment, stack: str, rtype: str) -> set[str]:
    state = s3_json(w, f"{STATE_PREFIX}/{stack}.tfstate") or {}
    return {i["attributes"]["id"] for r in state.get("resources", []) if r["mode"] == "managed" and r["type"] == rtype
            for i in r["instances"]}


def clusters(w: Deployment) -> list[dict[str, Any]]:
    return w.client("rds").describe_db_clusters()["DBClusters"]


def tagged_vpcs(w: Deployment) -> list[str]:
    vpcs = w.client("ec2").describe_vpcs(Filters=[{"Name": "tag:AuroraCluster", "Values": [DEPLOYMENT]}])["Vpcs"]
    return sorted(v["VpcId"] for v in vpcs)


def security_groups(w: Deployment) -> list[str]:
    groups = w.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{DEPLOYMENT}-security-group"]}])["SecurityGroups"]
    return sorted(g["GroupId"] for g in groups)


def peerings(w: Deployment) -> list[dict[str, Any]]:
    found = w.client("ec2", OTHER_REGION).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return [p for p in found if p["Status"]["Code"] not in ("deleted", "rejected", "failed")]


def applied(output: str) -> dict[str, int]:
    """{"imported": n, "added": n, "changed": n, "destroyed": n} of cdktf's apply summary."""
    summary = re.search(r"Apply complete! Resources: (?:(\d+) imported, )?(\d+) added, (\d+) changed, (\d+) destroyed",
                        re.sub(r"\x1b\[[0-9;]*m", "", output))
    assert summary, output[-3000:]
    return dict(zip(("imported", "added", "changed", "destroyed"), (int(n or 0) for n in summary.groups())))


# --- aurora ------------------------------------------------------------------------------


def test_a_lock_held_by_a_running_deploy_is_named_and_left_in_place(world: Deployment, seen: dict[str, Any]) -> None:
    running = start_deploy(world, "aurora")
    try:
        lock = wait_for(lambda: lock_object(world, "aurora"), "the state lock", running)
        result = recover(world, "aurora")
        assert result.returncode == 3
        assert f"lock: held since {lock['Created']}" in result.stdout
        assert f"by {lock['Who']}, operation OperationTypeApply, Terraform {lock['Version']}, lock ID {lock['ID']}" \
            in result.stdout
        assert "left in place" in result.stdout and "--unlock" in result.stdout
        assert lock_object(world, "aurora") == lock

        # GIVEN the cluster is being created, WHEN cdktf and terraform are killed hard
        seen["cluster"] = wait_for(lambda: clusters(world), "the cluster", running)[0]
    finally:
        killed = kill_hard(running)
    assert "terraform" in killed, killed
    # THEN the lock stays, and the cluster exists in AWS but not in the state.
    assert lock_object(world, "aurora") == lock
    assert state_ids(world, "aurora", "aws_rds_cluster") == set()
    seen["lock"] = lock


def test_recover_removes_the_stale_lock_and_writes_imports(world: Deployment, seen: dict[str, Any]) -> None:
    result = recover(world, "aurora", "--unlock", "--yes")
    assert result.returncode == 0, result.stderr
    assert f"lock: removed (ID {seen['lock']['ID']})" in result.stdout
    assert lock_object(world, "aurora") is None
    assert imports_of(world, "aurora")[CLUSTER] == DEPLOYMENT
    assert "duplicates: none" in result.stdout


def test_a_rerun_without_recovering_duplicates_the_network(world: Deployment, seen: dict[str, Any]) -> None:
    # Terraform on the JSON synthesized before the recovery file existed (no import blocks),
    # as a re-run that did not recover first.
    rerun = terraform(["apply", "-auto-approve", "-input=false"], cwd=world.stack_dir("aurora"), env=world.env,
                      ok_codes=(1,))
    assert "AlreadyExists" in rerun.stdout + rerun.stderr
    assert len(tagged_vpcs(world)) == 2 and len(security_groups(world)) == 2 and len(clusters(world)) == 1
    seen["second_vpc"] = state_ids(world, "aurora", "aws_vpc")
    (seen["first_vpc"],) = set(tagged_vpcs(world)) - seen["second_vpc"]


def test_recover_puts_the_copies_the_database_uses_in_the_state(world: Deployment, seen: dict[str, Any]) -> None:
    result = recover(world, "aurora", "--yes")
    assert result.returncode == 0, result.stderr
    assert "the state holds copies nothing uses; the database and what it needs use others" in result.stdout
    (second,) = seen["second_vpc"]
    assert f"state: removed {VPC} ({second})" in result.stdout
    assert imports_of(world, "aurora")[VPC] == seen["first_vpc"]
    # Listed with what they hold, and not deleted without the flag.
    assert re.search(rf"aws_vpc {second} .*holds .*: can be deleted \(--delete-duplicates\)", result.stdout)
    assert "a KMS key may have encrypted data" in result.stdout
    assert "run again with --delete-duplicates" in result.stdout
    assert len(tagged_vpcs(world)) == 2


def test_the_next_deploy_adopts_the_first_cluster(world: Deployment, seen: dict[str, Any]) -> None:
    imports = imports_of(world, "aurora")
    summary = applied(deploy(world, "aurora"))
    # Imports, not creations: only the two instances and the secret rotation, which the
    # killed apply never reached, are created; nothing is destroyed.
    assert summary["imported"] == len(imports) and summary["added"] == 3 and summary["destroyed"] == 0
    (cluster,) = clusters(world)
    assert cluster["DBClusterIdentifier"] == seen["cluster"]["DBClusterIdentifier"]
    assert cluster["DbClusterResourceId"] == seen["cluster"]["DbClusterResourceId"]
    instances = world.client("rds").describe_db_instances()["DBInstances"]
    assert sorted(i["DBInstanceIdentifier"] for i in instances) == [f"{DEPLOYMENT}-reader-1", f"{DEPLOYMENT}-writer"]
    assert state_ids(world, "aurora", "aws_vpc") == {seen["first_vpc"]}


def test_duplicates_are_deleted_only_with_the_flag_and_only_when_empty(world: Deployment, seen: dict[str, Any]) -> None:
    listed = recover(world, "aurora")
    assert listed.returncode == 0, listed.stderr
    assert "everything it imported is in the state" in listed.stdout and not recovery_file(world, "aurora").exists()
    assert len(tagged_vpcs(world)) == 2

    deleted = recover(world, "aurora", "--delete-duplicates", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    (second,) = seen["second_vpc"]
    assert f"deleted VPC {second}" in deleted.stdout and "schedule-key-deletion" in deleted.stdout
    # One cluster (the first), one tagged VPC, one security group; the plan has nothing to do.
    assert tagged_vpcs(world) == [seen["first_vpc"]]
    assert len(security_groups(world)) == 1
    (cluster,) = clusters(world)
    assert cluster["DbClusterResourceId"] == seen["cluster"]["DbClusterResourceId"]
    code, plan = world.plan_exit_code("aurora")
    assert code == 0, plan


# --- peering -----------------------------------------------------------------------------


def test_a_peering_deploy_killed_mid_apply_recovers_without_a_second_peering(world: Deployment) -> None:
    hold = world.moto.log_path.parent / "hold"
    (hold / "CreateRoute").touch()
    running = start_deploy(world, PEERING)
    try:
        wait_for(lambda: (hold / "CreateRoute.held").exists(), "a route being created", running)
    finally:
        kill_hard(running)
        (hold / "CreateRoute").unlink()
    (peering,) = peerings(world)
    pcx = peering["VpcPeeringConnectionId"]
    assert {t["Key"]: t["Value"] for t in peering["Tags"]}[ADDRESS_TAG] == (
        f"{PEERING}/aws_vpc_peering_connection.peering_connection_E7A626F9"
    )
    assert state_ids(world, PEERING, "aws_vpc_peering_connection") == set()

    result = recover(world, PEERING, "--unlock", "--yes")
    assert result.returncode == 0, result.stderr
    assert "lock: removed" in result.stdout
    imports = imports_of(world, PEERING)
    # One AWS object, two resources: both take it.
    assert imports["aws_vpc_peering_connection.peering_connection_E7A626F9"] == pcx
    assert imports["aws_vpc_peering_connection_accepter.peering_accepter_27D39713"] == pcx
    routes = {to: id_ for to, id_ in imports.items() if to.startswith("aws_route.")}
    assert set(routes) == {'aws_route.peering_route-to-aurora_FAB375FE["%s"]' % world.rosa["rosa-site-b"].route_table_ids["main"],
                           "aws_route.peering_route-to-rosa_EBF66097"}

    summary = applied(deploy(world, PEERING))
    assert summary == {"imported": len(imports), "added": 0, "changed": summary["changed"], "destroyed": 0}
    assert [p["VpcPeeringConnectionId"] for p in peerings(world)] == [pcx]
    code, plan = world.plan_exit_code(PEERING)
    assert code == 0, plan
