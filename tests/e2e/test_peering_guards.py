"""A peering that would be wrong fails in seconds, before anything is created (issue #17),
and a ROSA VPC found by the cluster's id survives node churn (issue #11, item 4).

A world of its own: the peering stacks read only the `aurora` stack's outputs from its
state, so a stand-in Aurora VPC and a minimal `aurora` state (`stand_in_aurora`) replace
the real stack and its ~80 s of RDS waiters. The ROSA-like VPC has one worker node tagged
with the cluster's id; two more VPCs share a tag; a partner account has a VPC of its own
in another region. Each ROSA cluster of the config is one scenario, each its own stack:

* `rosa-typo`: issue #17's typo, machine_cidr 10.9.0.0/16 for a VPC of 10.0.0.0/16;
* `rosa-lost`, `rosa-twins`: finders matching no VPC, and two;
* `rosa-site`: deployed the guide's way (the worker node's name), its node replaced,
  then found by the cluster id, then by the old node's name again;
* `rosa-partner`: another account (an assumed role) and region, found by cluster id.

Tests run in file order (one xdist group): nothing is deployed before the last test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.failures import explain
from tests.e2e.world import (
    AMI,
    NODE_DNS,
    PARTNER_CLUSTER_ID,
    PARTNER_REGION,
    PARTNER_ROLE,
    UNATTENDED,
    WITHOUT_KEYCLOAK_STACKS,
    Deployment,
    e2e_config,
    new_world,
    stand_in_aurora,
)
from tests.harness.moto import MotoServer
from tests.harness.terraform import terraform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("peering-guards")]

CLUSTER_ID = "2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"
NEW_NODE_DNS = "ip-10-0-16-20.eu-west-1.compute.internal"


def _cluster_node(ec2: Any, subnet: str, ip: str, cluster_id: str) -> str:
    tags = [{"Key": "api.openshift.com/id", "Value": cluster_id}, {"Key": "red-hat-managed", "Value": "true"}]
    return ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.xlarge", SubnetId=subnet, PrivateIpAddress=ip,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]["InstanceId"]


def _build_rosa_side(world: Deployment) -> dict[str, str]:
    ec2 = world.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.16.0/20", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    node = _cluster_node(ec2, subnet, "10.0.16.10", CLUSTER_ID)
    twins = sorted(
        ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Team", "Value": "shared"}]}])[
            "Vpc"]["VpcId"]
        for cidr in ("10.5.0.0/16", "10.6.0.0/16")
    )
    partner = world.client("ec2", PARTNER_REGION, PARTNER_ROLE)  # EC2 in the partner's account, through its role
    partner_vpc = partner.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    partner_subnet = partner.create_subnet(VpcId=partner_vpc, CidrBlock="10.2.0.0/20")["Subnet"]["SubnetId"]
    _cluster_node(partner, partner_subnet, "10.2.0.10", PARTNER_CLUSTER_ID)
    return {"vpc": vpc, "subnet": subnet, "table": table, "node": node, "twins": ", ".join(twins), "partner_vpc": partner_vpc}


@pytest.fixture(scope="module")
def world(terraform_env: dict[str, str], example_data: dict[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, dict[str, str]]]:
    work = tmp_path_factory.mktemp("peering-guards")
    with MotoServer.start(log_dir=work) as moto:
        data = e2e_config(example_data, moto.url)
        data["rosa_clusters"] = [
            {"name": "rosa-typo", "vpc": {"cluster_id": CLUSTER_ID}, "machine_cidr": "10.9.0.0/16"},
            {"name": "rosa-site", "vpc": {"node_private_dns": NODE_DNS}, "machine_cidr": "10.0.0.0/16"},
            {"name": "rosa-lost", "vpc": {"tags": {"Name": "no-such-vpc"}}},
            {"name": "rosa-twins", "vpc": {"tags": {"Team": "shared"}}},
            {"name": "rosa-partner", "region": PARTNER_REGION, "role_arn": PARTNER_ROLE,
             "vpc": {"cluster_id": PARTNER_CLUSTER_ID}, "machine_cidr": "10.2.0.0/16"},
        ]
        # These ROSA clusters have no OIDC issuer: the guards are about peering, so no pod
        # roles (`copy` needs none, and makes no access stacks).
        data["keycloak"] = {"credentials": "copy"}
        d = new_world(moto, terraform_env, work, data)
        d.client("s3").put_bucket_versioning(Bucket=data["state"]["s3"]["bucket"],
                                             VersioningConfiguration={"Status": "Enabled"})
        ids = {**stand_in_aurora(d), **_build_rosa_side(d)}
        d.cdktf("synth")
        yield d, ids


def flat(text: str) -> str:
    """Terraform's and cdktf's output as one line: colours, box-drawing margins, line
    wrapping and cdktf's `<stack>  ` line prefixes removed, whitespace collapsed."""
    lines = []
    for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines():
        for prefix in ("peering-rosa-typo", "peering-rosa-site"):
            line = line.removeprefix(prefix)
        lines.append(line.strip().lstrip("│╷╵").strip())
    return " ".join(" ".join(lines).split())


def plan(d: Deployment, stack: str) -> subprocess.CompletedProcess[str]:
    """`terraform plan -detailed-exitcode` of a synthesized stack (initialized first, once:
    a new synth keeps the stack directory's `.terraform`)."""
    if not (d.stack_dir(stack) / ".terraform").is_dir():
        terraform(["init", "-input=false"], cwd=d.stack_dir(stack), env=d.env)
    return terraform(["plan", "-detailed-exitcode", "-input=false", "-lock=false"], cwd=d.stack_dir(stack),
                     env=d.env, ok_codes=(0, 1, 2))


def nothing_peered(d: Deployment, ids: dict[str, str]) -> None:
    """No peering, no route through one, no 5432 rule: the state before any peering deploy."""
    ec2 = d.client("ec2")
    assert ec2.describe_vpc_peering_connections()["VpcPeeringConnections"] == []
    tables = ec2.describe_route_tables(RouteTableIds=[ids["route_table_id"], ids["table"]])["RouteTables"]
    assert [r for t in tables for r in t["Routes"] if "VpcPeeringConnectionId" in r] == []
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [ids["security_group_id"]]}])
    assert [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]] == []


def test_the_machine_cidr_typo_cannot_deploy(world: tuple[Deployment, dict[str, str]]) -> None:
    d, ids = world
    # WHEN the typo's stack is deployed as a user would
    result = d.cdktf("deploy", "peering-rosa-typo", *UNATTENDED, WITHOUT_KEYCLOAK_STACKS, check=False)
    # THEN it fails at plan time with the guard's message, naming the field and both values
    said = flat(result.stdout + result.stderr)
    assert result.returncode != 0, said[-4000:]
    # AND nothing was created
    nothing_peered(d, ids)
    # AND the reason is the guard's message, naming the field and both values. Read from
    # Terraform itself: cdktf 0.21 drops the end of Terraform's output when it fails (seen
    # here: the error box cut short, or missing altogether on a loaded machine).
    planned = plan(d, "peering-rosa-typo")
    said = flat(planned.stdout + planned.stderr)
    assert planned.returncode == 1, said[-4000:]
    assert "Error: Resource postcondition failed" in said
    assert (
        "rosa_clusters[0].machine_cidr = '10.9.0.0/16': not inside the ROSA VPC "
        f"{ids['vpc']}'s CIDR blocks (10.0.0.0/16), so Aurora would route to and admit addresses no ROSA node has"
    ) in said, said[-4000:]


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        ("peering-rosa-lost", "rosa_clusters[2].vpc.tags = {'Name': 'no-such-vpc'}: matched 0 VPCs in eu-west-1 "
         "(none); exactly one must match: add a tag that only that VPC carries, or give vpc.id"),
        ("peering-rosa-twins", "rosa_clusters[3].vpc.tags = {'Team': 'shared'}: matched 2 VPCs in eu-west-1 "
         "({twins}); exactly one must match: add a tag that only that VPC carries, or give vpc.id"),
    ],
    ids=["matches nothing", "matches two VPCs"],
)
def test_a_finder_matching_no_vpc_or_two_fails_clearly(world: tuple[Deployment, dict[str, str]], stack: str,
                                                       message: str) -> None:
    d, ids = world
    result = plan(d, stack)
    assert result.returncode == 1
    assert message.replace("{twins}", ids["twins"]) in flat(result.stderr)


def test_a_cluster_in_another_account_and_region_is_found_through_its_role(
    world: tuple[Deployment, dict[str, str]],
) -> None:
    d, ids = world
    result = plan(d, "peering-rosa-partner")
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Error" not in result.stderr
    assert f'vpc_id        = "{ids["partner_vpc"]}"' in result.stdout


def test_preflight_fails_exactly_the_wrong_clusters(world: tuple[Deployment, dict[str, str]]) -> None:
    d, _ = world
    result = subprocess.run([sys.executable, "-m", "modules.preflight"], cwd=ROOT, env=d.env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1, result.stdout
    failed = sorted(line.split("  ")[0] for line in result.stdout.splitlines() if line.startswith("✗"))
    assert failed == ["✗ rosa-lost: VPC", "✗ rosa-twins: VPC", "✗ rosa-typo: CIDRs"]
    assert "✓ rosa-partner: VPC" in result.stdout
    assert "rosa_clusters[0].machine_cidr = '10.9.0.0/16': not inside the ROSA VPC" in result.stdout


def test_node_churn_the_cluster_id_finder_plans_no_changes_and_the_node_finder_says_why(
    world: tuple[Deployment, dict[str, str]],
) -> None:
    d, ids = world
    # GIVEN rosa-site deployed the guide's way, by its worker node's name
    d.cdktf("deploy", "peering-rosa-site", *UNATTENDED, WITHOUT_KEYCLOAK_STACKS)

    # WHEN ROSA replaces the worker node (a new name, the same tags)
    ec2 = d.client("ec2")
    ec2.terminate_instances(InstanceIds=[ids["node"]])
    new_node = _cluster_node(ec2, ids["subnet"], "10.0.16.20", CLUSTER_ID)
    (instance,) = ec2.describe_instances(InstanceIds=[new_node])["Reservations"][0]["Instances"]
    assert instance["PrivateDnsName"] == NEW_NODE_DNS

    # THEN, found by the cluster's id, the stack plans no changes: the cluster id finder
    # survives the churn, and moving a deployed stack to it changes nothing
    data = d.config()
    data["rosa_clusters"][1]["vpc"] = {"cluster_id": CLUSTER_ID}
    d.write_config(data)
    d.cdktf("synth")
    result = plan(d, "peering-rosa-site")
    assert result.returncode == 0, explain(result, d.moto)

    # AND the node name finder fails, saying why and what to use instead
    data["rosa_clusters"][1]["vpc"] = {"node_private_dns": NODE_DNS}
    d.write_config(data)
    d.cdktf("synth")
    result = plan(d, "peering-rosa-site")
    assert result.returncode == 1
    assert (
        f"rosa_clusters[1].vpc.node_private_dns = '{NODE_DNS}': matched 0 running EC2 instances in eu-west-1, need "
        "exactly one. ROSA replaces worker nodes on upgrades and scale-downs, and a node's name goes with it: find "
        "the VPC by something that outlives a node: vpc.cluster_id (the ID `rosa describe cluster` prints) or vpc.id"
    ) in flat(result.stderr)
