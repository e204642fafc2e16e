"""Ctrl-C during a real `make deploy`, end to end against a moto server of its own (S3
backend): the terminal's SIGINT reaches make and the runner, the runner stops Terraform with
one SIGINT and waits, so the state lock is released and the state holds what was created,
the database being created included (tainted: the next plan says so).

(`cdktf deploy` given the same SIGINT leaves Terraform to be killed by SIGHUP ~40 ms later:
a stale lock in 2 of 3 measured runs, and what was created since the last state snapshot
missing from the state.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, default_signal_handling
from tests.e2e.world import STATE_BUCKET, STATE_PREFIX, Deployment, e2e_config, new_world
from tests.harness.moto import MotoServer, query_actions
from tests.harness.terraform import terraform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("interrupt")]

CLUSTER = "keycloak-aurora"


@pytest.fixture(scope="module")
def world(terraform_env: dict[str, str], example_data: dict[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    work = tmp_path_factory.mktemp("interrupt")
    with MotoServer.start(log_dir=work) as moto:
        world = new_world(moto, terraform_env, work, e2e_config(example_data, moto.url))
        # What moto served, named in a failure: a deploy that ends early once failed with
        # "DBSubnetGroupAlreadyExists" in a fresh moto (2026-12-07), which its log cannot explain.
        moto.start_recording()
        yield world


def wait_until(condition, what: str, runner: subprocess.Popen[str], log: Path, moto: MotoServer,
               timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if runner.poll() is not None or time.monotonic() >= deadline:
            served = [action for action, _ in query_actions(moto.recorded_requests())]
            problem = f"the deploy ended before {what}" if runner.poll() is not None else f"no {what} after {timeout} s"
            raise AssertionError(f"{problem}:\n{log.read_text()[-4000:]}\nquery actions moto served: {served}")
        time.sleep(0.5)


def test_sigint_during_a_real_apply_leaves_no_lock_and_a_state_with_what_was_created(world: Deployment) -> None:
    rds, s3 = world.client("rds"), world.client("s3")
    log = world.outdir.parent / "deploy.log"

    # GIVEN `make deploy STACKS=aurora` running (in a session of its own, as in a terminal),
    # and RDS creating the cluster (Terraform waits for it)
    make = ["make", "--no-print-directory", "deploy", "STACKS=aurora",
            f"DEPLOY_FLAGS=--auto-approve --outdir {world.outdir}"]
    with log.open("w") as out:
        runner = subprocess.Popen(make, cwd=ROOT, env=world.runner_env(), stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True,
                                  preexec_fn=default_signal_handling)
    try:
        wait_until(lambda: rds.describe_db_clusters()["DBClusters"], "cluster being created", runner, log, world.moto)

        # WHEN the person at the terminal presses Ctrl-C: SIGINT to the foreground process
        # group, that is make and the runner (Terraform has a group of its own)
        interrupted = time.monotonic()
        os.killpg(runner.pid, signal.SIGINT)
        code = runner.wait(timeout=300)
        stopping = time.monotonic() - interrupted
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
    output = log.read_text()

    # THEN Terraform stopped gracefully, the runner waited for it, and make for the runner
    assert code == -signal.SIGINT, output[-4000:]  # make re-raises the SIGINT once its recipe ended
    assert output.count("Interrupt received") == 1 and "Gracefully shutting down" in output
    assert "run: deploy: aurora: interrupted" in output
    assert "Terraform saved its state and released its lock" in output
    # AND no lock is left, so the next deploy is not refused
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET).get("Contents", [])]
    assert keys == [f"{STATE_PREFIX}/aurora.tfstate"], keys
    # AND the state holds what was created: the cluster being created (tainted, so the next
    # plan shows what it makes of it), the VPC, its subnets and the security group
    state = json.loads(s3.get_object(Bucket=STATE_BUCKET, Key=keys[0])["Body"].read())
    in_state = {(r["type"], i["attributes"].get("id")): i.get("status") for r in state["resources"]
                if r["mode"] == "managed" for i in r["instances"]}
    (cluster,) = rds.describe_db_clusters()["DBClusters"]
    assert in_state[("aws_rds_cluster", cluster["DBClusterIdentifier"])] == "tainted"
    ec2 = world.client("ec2")
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "tag:AuroraCluster", "Values": [CLUSTER]}])["Vpcs"]
    assert ("aws_vpc", vpc["VpcId"]) in in_state
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert {s["SubnetId"] for s in subnets} <= {i for t, i in in_state if t == "aws_subnet"}
    (group,) = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{CLUSTER}-security-group"]}])[
        "SecurityGroups"]
    assert ("aws_security_group", group["GroupId"]) in in_state
    print(f"stopped {stopping:.1f} s after SIGINT; {len(in_state)} resources in state")

    # AND the next plan says what the tainted cluster means: a replacement, which
    # prevent_destroy refuses before anything is touched (check it, then `terraform untaint`)
    replan = terraform(["plan", "-input=false"], cwd=world.stack_dir("aurora"), env=world.env, ok_codes=(1,))
    (address,) = [f"aws_rds_cluster.{r['name']}" for r in state["resources"] if r["type"] == "aws_rds_cluster"]
    assert f"# {address} is tainted, so must be replaced" in replan.stdout
    assert "Instance cannot be destroyed" in replan.stderr
