"""Building blocks of an end-to-end world: a moto server, ROSA-like VPCs built with boto3,
the e2e config, and a `Deployment` that drives the project's own `cdktf` CLI against it.

The session's main deployment (`tests/e2e/conftest.py`) is one such world. A scenario that
changes the world in ways others must not see (upgrades, kills, restores) builds its own
with `new_world()` on a moto server of its own, in an xdist group of its own, so that
independent worlds deploy side by side (`make test` runs pytest with `-n`).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
#: tested at synth level (tests/unit/keycloak/test_stack.py).
AWS_STACKS = ("aurora", "peering-*")
#: Destroying AWS stacks whose keycloak-* dependants were never deployed here.
WITHOUT_KEYCLOAK_STACKS = "--ignore-missing-stack-dependencies"
#: Flags of every deploy and destroy: no prompt, no registry (the provider mirror).
UNATTENDED = ("--auto-approve", "--skip-provider-lock")


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
    """A deployed world and the means to act on it."""

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

    def cdktf_argv(self, *args: str) -> list[str]:
        """The project's pinned cdktf CLI with `args`, synthesizing into this world's outdir."""
        return [str(CDKTF), *args, "--output", str(self.outdir), "--app", f"{sys.executable} main.py"]

    def cdktf(self, *args: str, timeout: float = 1200, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the project's pinned cdktf CLI as a user would, against moto; with `check`
        (default) a non-zero exit fails the test."""
        result = subprocess.run(
            self.cdktf_argv(*args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0 or not check, (
            f"cdktf {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        )
        return result

    def deploy(self, *stacks: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`cdktf deploy <stacks>` one at a time (--parallelism 1), writing the outputs file."""
        return self.cdktf("deploy", *stacks, *UNATTENDED, "--parallelism", "1",
                          "--outputs-file", str(self.outputs_file), check=check)

    def destroy(self, stack: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`cdktf destroy <stack>`: one stack per call (cdktf 0.21 repeats destroys given several
        with --ignore-missing-stack-dependencies)."""
        return self.cdktf("destroy", stack, *UNATTENDED, WITHOUT_KEYCLOAK_STACKS, check=check)

    def stack_dir(self, stack: str) -> Path:
        return self.outdir / "stacks" / stack

    def plan_exit_code(self, stack: str) -> tuple[int, str]:
        """(`terraform plan -detailed-exitcode` exit code, its output) of a deployed stack."""
        result = terraform(["plan", "-detailed-exitcode", "-input=false"], cwd=self.stack_dir(stack), env=self.env,
                           ok_codes=(0, 2))
        return result.returncode, result.stdout

    def outputs(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.outputs_file.read_text())

    def config(self) -> dict[str, Any]:
        """The world's config as data (a copy)."""
        return yaml.safe_load(self.config_path.read_text())

    def write_config(self, data: dict[str, Any]) -> None:
        """Change the world's config, as an operator edits the file before a deploy."""
        self.config_path.write_text(yaml.safe_dump(data, sort_keys=False))


def build_rosa_vpcs(url: str) -> dict[str, RosaVpc]:
    """Two ROSA-like VPCs: `rosa-site-a` in the Aurora region (a worker node at `NODE_DNS`, its
    private subnet with its own route table, a public subnet with another, and the main
    table) and `rosa-site-b` in `OTHER_REGION`, found by its Name tag (peering needs the
    accepter)."""
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

    ec2_b = boto3_client("ec2", OTHER_REGION, url)
    vpc_b = ec2_b.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "rosa-site-b-vpc"}]}],
    )["Vpc"]["VpcId"]
    main_b = ec2_b.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_b]}])["RouteTables"][0]["RouteTableId"]
    rosa_b = RosaVpc("rosa-site-b", OTHER_REGION, vpc_b, "10.1.0.0/16", {"main": main_b})
    return {rosa_a.name: rosa_a, rosa_b.name: rosa_b}


def e2e_config(example: dict[str, Any], url: str) -> dict[str, Any]:
    """The example config pointed at moto: every endpoint at `url`, state in `STATE_BUCKET`,
    and the two ROSA clusters of `build_rosa_vpcs` (site B without machine_cidr, so the
    default is exercised)."""
    data = copy.deepcopy(example)
    data["aws"] = {"endpoints": {service: url for service in sorted(ENDPOINT_SERVICES)}, "skip_validation": True}
    data["state"] = {"backend": "s3", "s3": {"bucket": STATE_BUCKET, "key_prefix": STATE_PREFIX, "locking": "lockfile"}}
    data["rosa_clusters"] = [
        {"name": "rosa-site-a", "vpc": {"node_private_dns": NODE_DNS}, "machine_cidr": "10.0.0.0/16"},
        {"name": "rosa-site-b", "region": OTHER_REGION, "vpc": {"tags": {"Name": "rosa-site-b-vpc"}}},
    ]
    return data


def new_world(moto: MotoServer, terraform_env: dict[str, str], work: Path, data: dict[str, Any],
              rosa: dict[str, RosaVpc] | None = None) -> Deployment:
    """A world on `moto` with config `data` (see `e2e_config`) written to `work/config.yaml`
    and the state bucket created; nothing deployed yet. `rosa` describes the ROSA VPCs the
    caller built (default none)."""
    config_path = work / "config.yaml"
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    env = aws_env(moto.url, base=terraform_env)
    # Recovery files of this world only: never the checkout's recovery/ (make recover).
    env.update(KEYCLOAK_AURORA_CONFIG=str(config_path), CI="true", CDKTF_DISABLE_PLUGIN_CACHE_ENV="1",
               KEYCLOAK_AURORA_RECOVERY_DIR=str(work / "recovery"))
    world = Deployment(
        moto=moto, env=env, config_path=config_path, outdir=work / "cdktf.out",
        outputs_file=work / "outputs.json", rosa=rosa or {},
    )
    bucket = data["state"]["s3"]["bucket"]
    world.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": AURORA_REGION})
    return world
