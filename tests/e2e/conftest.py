"""One deployment per test session, to a moto server on 127.0.0.1, through `cdktf deploy`.

The session: start moto, create the state bucket and two ROSA-like VPCs (one in the
Aurora region, found by a worker node's DNS name, with a main, a public and a private
route table; one in another region, found by tags, to exercise the accepter), then
`cdktf deploy aurora 'peering-*'` with the S3 backend. While that deploy holds the Aurora state lock,
a second `terraform plan` of the same stack is attempted and its result kept for
`test_aurora.py`. `test_teardown.py` destroys everything last.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.config import ENDPOINT_SERVICES
from tests.conftest import ROOT
from tests.harness.moto import MotoServer, aws_env, boto3_client
from tests.harness.terraform import terraform

AURORA_REGION = "eu-west-1"
OTHER_REGION = "eu-central-1"
STATE_BUCKET = "e2e-keycloak-aurora-tfstate"
STATE_PREFIX = "keycloak-aurora"
NODE_DNS = "ip-10-0-16-10.eu-west-1.compute.internal"
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
#: The stacks deployed here. The keycloak-* stacks need a Kubernetes API server and the
#: kubernetes provider binary, neither of which exists on these machines: they are
#: tested at synth level (tests/unit/test_keycloak_stack.py).
AWS_STACKS = ("aurora", "peering-*")
#: Destroying AWS stacks whose keycloak-* dependants were never deployed here.
WITHOUT_KEYCLOAK_STACKS = "--ignore-missing-stack-dependencies"


@dataclass
class RosaVpc:
    """A ROSA-like VPC built with boto3: what the peering stack must find and route."""

    name: str
    region: str
    vpc_id: str
    cidr: str
    route_table_ids: dict[str, str] = field(default_factory=dict)  # main / public / private


@dataclass
class Deployment:
    """The session's deployed world and the means to act on it."""

    moto: MotoServer
    env: dict[str, str]
    config_path: Path
    outdir: Path
    outputs_file: Path
    rosa: dict[str, RosaVpc]
    lock_probe: subprocess.CompletedProcess[str] | None = None
    #: Directories of rendered manifests, added by tests that render them (secret scans read them).
    rendered_dirs: list[Path] = field(default_factory=list)
    deploy_seconds: float = 0.0

    def client(self, service: str, region: str = AURORA_REGION) -> Any:
        return boto3_client(service, region, self.moto.url)

    def cdktf(self, *args: str, timeout: float = 1200, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the project's pinned cdktf CLI as a user would, against moto; with `check`
        (default) a non-zero exit fails the test."""
        result = subprocess.run(
            [str(CDKTF), *args, "--output", str(self.outdir), "--app", f"{sys.executable} main.py"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0 or not check, f"cdktf {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        return result

    def stack_dir(self, stack: str) -> Path:
        return self.outdir / "stacks" / stack

    def outputs(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.outputs_file.read_text())


def _build_rosa_vpcs(url: str) -> dict[str, RosaVpc]:
    # ROSA A, in the Aurora region: a worker node (found by DNS name, as the guide does),
    # its private subnet with its own route table, a public subnet with another, and the main table.
    ec2 = boto3_client("ec2", AURORA_REGION, url)
    vpc_a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    main_a = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_a]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    rosa_a = RosaVpc("rosa-site-a", AURORA_REGION, vpc_a, "10.0.0.0/16", {"main": main_a})
    for kind, cidr in (("public", "10.0.0.0/20"), ("private", "10.0.16.0/20")):
        subnet = ec2.create_subnet(VpcId=vpc_a, CidrBlock=cidr, AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc_a)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        rosa_a.route_table_ids[kind] = table
        if kind == "private":
            image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
            ec2.run_instances(
                ImageId=image, MinCount=1, MaxCount=1, InstanceType="m5.xlarge",
                SubnetId=subnet, PrivateIpAddress="10.0.16.10",
            )

    # ROSA B, in another region, found by its Name tag: peering needs the accepter.
    ec2_b = boto3_client("ec2", OTHER_REGION, url)
    vpc_b = ec2_b.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "rosa-site-b-vpc"}]}],
    )["Vpc"]["VpcId"]
    main_b = ec2_b.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_b]}])["RouteTables"][0]["RouteTableId"]
    rosa_b = RosaVpc("rosa-site-b", OTHER_REGION, vpc_b, "10.1.0.0/16", {"main": main_b})
    return {rosa_a.name: rosa_a, rosa_b.name: rosa_b}


def _e2e_config(example: dict[str, Any], url: str) -> dict[str, Any]:
    data = copy.deepcopy(example)
    data["aws"] = {"endpoints": {service: url for service in sorted(ENDPOINT_SERVICES)}, "skip_validation": True}
    data["state"] = {"backend": "s3", "s3": {"bucket": STATE_BUCKET, "key_prefix": STATE_PREFIX, "locking": "lockfile"}}
    data["rosa_clusters"] = [
        {"name": "rosa-site-a", "vpc": {"node_private_dns": NODE_DNS}, "machine_cidr": "10.0.0.0/16"},
        {"name": "rosa-site-b", "region": OTHER_REGION, "vpc": {"tags": {"Name": "rosa-site-b-vpc"}}},
    ]
    return data


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
    work = tmp_path_factory.mktemp("e2e")
    config_path = work / "config.yaml"
    config_path.write_text(yaml.safe_dump(_e2e_config(example_data, moto.url), sort_keys=False))
    env = aws_env(moto.url, base=terraform_env)
    env.update(KEYCLOAK_AURORA_CONFIG=str(config_path), CI="true", CDKTF_DISABLE_PLUGIN_CACHE_ENV="1")
    d = Deployment(
        moto=moto, env=env, config_path=config_path, outdir=work / "cdktf.out",
        outputs_file=work / "outputs.json", rosa=_build_rosa_vpcs(moto.url),
    )
    d.client("s3").create_bucket(Bucket=STATE_BUCKET, CreateBucketConfiguration={"LocationConstraint": AURORA_REGION})

    started = time.monotonic()
    deploy = subprocess.Popen(
        # --parallelism 1: the two peering stacks add rules to one security group; moto's
        # threaded server once answered the second concurrent AuthorizeSecurityGroupIngress
        # (another CIDR) with InvalidPermission.Duplicate. AWS serialises these itself.
        [str(CDKTF), "deploy", *AWS_STACKS, "--auto-approve", "--skip-provider-lock", "--parallelism", "1",
         "--outputs-file", str(d.outputs_file), "--output", str(d.outdir), "--app", f"{sys.executable} main.py"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
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
