"""The session's main deployment, to a moto server on 127.0.0.1, through `cdktf deploy`.

The session: start moto, create the state bucket and three ROSA-like VPCs (one in the
Aurora region, found by a worker node's DNS name, with a main, a public and a private
route table; one in another region, found by tags, to exercise the accepter; one in
another account and region, `rosa-partner`, built through the role the config gives it
and found by its cluster id) with an IAM OIDC provider each in the database's account,
then `cdktf deploy aurora 'peering-*' 'access-*'` with the S3 backend.
While that deploy holds the Aurora state lock, a second `terraform plan` of the same stack
is attempted and its result kept for `test_aurora.py`. `test_teardown.py` destroys everything last.

Every test of the main deployment is in xdist group `main` (one worker, file order);
scenarios with worlds of their own (`tests/e2e/world.py`) use groups of their own.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.world import (
    AWS_STACKS,
    STATE_BUCKET,
    STATE_PREFIX,
    UNATTENDED,
    Deployment,
    build_rosa_vpcs,
    e2e_config,
    new_world,
)
from tests.harness.moto import MotoServer
from tests.harness.terraform import terraform

#: The xdist group of every test that uses the main deployment.
MAIN = "main"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests of the main deployment run in one worker, in file order."""
    for item in items:
        if "deployment" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(MAIN))


def _probe_lock_while_deploying(deploy: subprocess.Popen[str], d: Deployment) -> subprocess.CompletedProcess[str] | None:
    """Once the running deploy holds the Aurora state lock, try a second plan of that stack."""
    s3 = d.client("s3")
    lock_key = f"{STATE_PREFIX}/aurora.tfstate.tflock"
    deadline = time.monotonic() + 300
    while deploy.poll() is None and time.monotonic() < deadline:
        if s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=lock_key).get("KeyCount"):
            probe_dir = d.outdir.parent / "lock-probe"
            probe_dir.mkdir(exist_ok=True)
            shutil.copy(d.stack_dir("aurora") / "cdk.tf.json", probe_dir)
            terraform(["init", "-input=false"], cwd=probe_dir, env=d.env)
            return terraform(["plan", "-lock-timeout=0s", "-input=false"], cwd=probe_dir, env=d.env, ok_codes=(0, 1))
        time.sleep(0.5)
    return None


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory):
    with MotoServer.start(log_dir=tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="session")
def deployment(
    moto: MotoServer,
    terraform_env: dict[str, str],
    example_data: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Deployment:
    """The AWS stacks of the e2e config deployed once per session with `cdktf deploy`."""
    d = new_world(moto, terraform_env, tmp_path_factory.mktemp("e2e"),
                  e2e_config(example_data, moto.url, partner=True), rosa=build_rosa_vpcs(moto.url, partner=True))
    started = time.monotonic()
    deploy = subprocess.Popen(
        # --parallelism 1: the peering stacks add rules to one security group; AWS
        # serialises those calls itself, and moto's server is serialised by the harness.
        d.cdktf_argv("deploy", *AWS_STACKS, *UNATTENDED, "--parallelism", "1", "--outputs-file", str(d.outputs_file)),
        cwd=ROOT,
        env=d.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
    )
    try:
        d.lock_probe = _probe_lock_while_deploying(deploy, d)
        log, _ = deploy.communicate(timeout=1200)
    finally:
        if deploy.poll() is None:
            deploy.kill()
    d.deploy_seconds = time.monotonic() - started
    assert deploy.returncode == 0, f"cdktf deploy failed:\n{log[-8000:]}"
    return d
