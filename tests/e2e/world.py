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
from modules.naming import AURORA_STACK_ID, state_key
from tests.conftest import ROOT
from tests.e2e.failures import explain
from tests.harness.moto import MotoServer, aws_env, boto3_client
from tests.harness.terraform import terraform

AURORA_REGION = "eu-west-1"
OTHER_REGION = "eu-central-1"
STATE_BUCKET = "e2e-keycloak-aurora-tfstate"
STATE_PREFIX = "keycloak-aurora"
NODE_DNS = "ip-10-0-16-10.eu-west-1.compute.internal"
#: One of moto's default Amazon AMIs (in every account and region), named rather than
#: listed: listing them all is slow.
AMI = "ami-12c6146b"
#: The ROSA cluster in another account and region (`build_rosa_vpcs(partner=True)`): the
#: config's `role_arn`, through which the test builds its VPC and Terraform reaches it.
PARTNER = "rosa-partner"
PARTNER_ACCOUNT = "222222222222"
PARTNER_ROLE = f"arn:aws:iam::{PARTNER_ACCOUNT}:role/keycloak-aurora-peering"
PARTNER_REGION = "us-east-1"
#: The partner cluster's id, which ROSA tags its worker instances with (`api.openshift.com/id`).
PARTNER_CLUSTER_ID = "7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
#: The stacks deployed here. The keycloak-* stacks need a Kubernetes API server and the
#: kubernetes provider binary, neither of which exists on these machines: they are
#: tested at synth level (tests/unit/keycloak/test_stack.py).
AWS_STACKS = ("aurora", "peering-*", "access-*")
#: The OIDC issuer of each ROSA-like cluster (`build_rosa_vpcs` registers an IAM OIDC
#: provider for each, with the client ids ROSA STS registers).
OIDC_ISSUERS = {
    "rosa-site-a": "https://oidc.op1.openshiftapps.com/e2e0site0a0000000000000000000001",
    "rosa-site-b": "https://oidc.op1.openshiftapps.com/e2e0site0b0000000000000000000002",
    PARTNER: "https://oidc.op1.openshiftapps.com/e2e0partner00000000000000000004",
}
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
    oidc_issuer: str = ""
    #: The IAM OIDC provider of `oidc_issuer` in the database's account, which the pod roles trust.
    oidc_provider_arn: str = ""
    #: The role that reaches the cluster's account (`rosa_clusters[].role_arn`); none: the database's account.
    role_arn: str | None = None


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

    def client(self, service: str, region: str = AURORA_REGION, role_arn: str | None = None) -> Any:
        """A boto3 client in `region`, in the database's account, or through `role_arn` in that role's."""
        return boto3_client(service, region, self.moto.url, role_arn)

    def rosa_client(self, rosa: RosaVpc, service: str) -> Any:
        """A boto3 client in `rosa`'s region and account (through its role, if it has one)."""
        return self.client(service, rosa.region, rosa.role_arn)

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
            f"cdktf {' '.join(args)} failed: {explain(result, self.moto)}"
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

    def runner_argv(self, command: str, *args: str) -> list[str]:
        """`python -m modules.run <command> <args>` (the runner behind `make plan` and
        `make deploy`) on this world's outdir."""
        return [sys.executable, "-m", "modules.run", command, *args, "--outdir", str(self.outdir)]

    def runner_env(self) -> dict[str, str]:
        """The world's environment for the runner, without TF_PROVIDER_MIRROR: the runner
        would replace the harness's CLI config (the same mirror, plus the session's plugin cache)."""
        return {k: v for k, v in self.env.items() if k != "TF_PROVIDER_MIRROR"}

    def run(self, command: str, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run the runner as a user would, against moto, to its end; any exit code."""
        return subprocess.run(self.runner_argv(command, *args), cwd=ROOT, env=self.runner_env(), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

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


def register_oidc_provider(url: str, issuer: str, role_arn: str | None = None) -> str:
    """An IAM OIDC provider for `issuer`, as ROSA STS registers one (client ids `openshift`
    and `sts.amazonaws.com`), in the database's account or, through `role_arn`, in that
    role's; returns its ARN."""
    iam = boto3_client("iam", AURORA_REGION, url, role_arn)
    return iam.create_open_id_connect_provider(
        Url=issuer, ClientIDList=["openshift", "sts.amazonaws.com"], ThumbprintList=["0" * 40]
    )["OpenIDConnectProviderArn"]


def build_partner_vpc(url: str) -> RosaVpc:
    """`rosa-partner`'s VPC in `PARTNER_ACCOUNT` and `PARTNER_REGION`, built through
    `PARTNER_ROLE` as that account's owner would: 10.2.0.0/16, a private subnet with a route
    table of its own besides the main table, and a running worker node tagged with the
    cluster's id. ROSA STS registers the cluster's OIDC provider in that account; the
    database's account gets one too (`build_rosa_vpcs`), and only that one is trusted."""
    ec2 = boto3_client("ec2", PARTNER_REGION, url, PARTNER_ROLE)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.16.0/20", AvailabilityZone=f"{PARTNER_REGION}a")
    subnet_id = subnet["Subnet"]["SubnetId"]
    private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=private, SubnetId=subnet_id)
    node_tags = [{"Key": "api.openshift.com/id", "Value": PARTNER_CLUSTER_ID}, {"Key": "red-hat-managed", "Value": "true"}]
    ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.xlarge", SubnetId=subnet_id,
        PrivateIpAddress="10.2.16.10", TagSpecifications=[{"ResourceType": "instance", "Tags": node_tags}],
    )
    register_oidc_provider(url, OIDC_ISSUERS[PARTNER], PARTNER_ROLE)
    return RosaVpc(PARTNER, PARTNER_REGION, vpc, "10.2.0.0/16", {"main": main, "private": private},
                   role_arn=PARTNER_ROLE)


def build_rosa_vpcs(url: str, *, partner: bool = False) -> dict[str, RosaVpc]:
    """Two ROSA-like VPCs: `rosa-site-a` in the Aurora region (a worker node at `NODE_DNS`, its
    private subnet with its own route table, a public subnet with another, and the main
    table) and `rosa-site-b` in `OTHER_REGION`, found by its Name tag (peering needs the
    accepter); with `partner` (default off) a third, `rosa-partner`, in another account
    and region (`build_partner_vpc`); and each cluster's OIDC provider (`OIDC_ISSUERS`) in
    the database's account."""
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
    clusters = [rosa_a, rosa_b, *([build_partner_vpc(url)] if partner else [])]
    for rosa in clusters:
        rosa.oidc_issuer = OIDC_ISSUERS[rosa.name]
        rosa.oidc_provider_arn = register_oidc_provider(url, rosa.oidc_issuer)
    return {rosa.name: rosa for rosa in clusters}


def e2e_config(example: dict[str, Any], url: str, *, partner: bool = False) -> dict[str, Any]:
    """The example config pointed at moto: every endpoint at `url`, state in `STATE_BUCKET`,
    and the ROSA clusters of `build_rosa_vpcs` (with the same `partner`, default off) with
    their OIDC issuers (site B without machine_cidr, so the default is exercised; the
    partner found by its cluster id through its `role_arn`). Keycloak's credentials: the
    example's, `iam`."""
    data = copy.deepcopy(example)
    data["aws"] = {"endpoints": {service: url for service in sorted(ENDPOINT_SERVICES)}, "skip_validation": True}
    data["state"] = {"backend": "s3", "s3": {"bucket": STATE_BUCKET, "key_prefix": STATE_PREFIX, "locking": "lockfile"}}
    data["rosa_clusters"] = [
        {"name": "rosa-site-a", "vpc": {"node_private_dns": NODE_DNS}, "machine_cidr": "10.0.0.0/16",
         "oidc_issuer": OIDC_ISSUERS["rosa-site-a"]},
        {"name": "rosa-site-b", "region": OTHER_REGION, "vpc": {"tags": {"Name": "rosa-site-b-vpc"}},
         "oidc_issuer": OIDC_ISSUERS["rosa-site-b"]},
    ]
    if partner:
        data["rosa_clusters"].append(
            {"name": PARTNER, "region": PARTNER_REGION, "role_arn": PARTNER_ROLE,
             "vpc": {"cluster_id": PARTNER_CLUSTER_ID}, "machine_cidr": "10.2.0.0/16",
             "oidc_issuer": OIDC_ISSUERS[PARTNER]}
        )
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


def stand_in_aurora(world: Deployment) -> dict[str, str]:
    """An Aurora-like VPC (192.168.0.0/16, a route table, a security group) built with boto3,
    and a minimal `aurora` state holding the outputs the peering stacks read (`vpc_id`,
    `vpc_cidr`, `route_table_id`, `security_group_id`), at `<key_prefix>/aurora.tfstate`
    in the world's state bucket: peering stacks then plan and deploy in seconds, without
    the ~80 s of RDS waiters a real `aurora` deploy costs against moto. Returns the outputs."""
    ec2 = world.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    outputs = {
        "vpc_id": vpc_id,
        "vpc_cidr": "192.168.0.0/16",
        "route_table_id": ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"],
        "security_group_id": ec2.create_security_group(
            GroupName="stand-in-aurora", Description="stand-in Aurora security group", VpcId=vpc_id
        )["GroupId"],
    }
    state = {
        "version": 4,  # Terraform's state format since 0.12
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "stand-in-aurora",
        "outputs": {name: {"value": value, "type": "string"} for name, value in outputs.items()},
        "resources": [],
        "check_results": None,
    }
    s3 = world.config()["state"]["s3"]
    key = state_key(s3["key_prefix"], AURORA_STACK_ID)
    world.client("s3").put_object(Bucket=s3["bucket"], Key=key, Body=json.dumps(state).encode())
    return outputs
