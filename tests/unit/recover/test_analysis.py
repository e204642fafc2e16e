"""One stack's copies against its state (moto in this process): what to import, what to put
in the place of the state's copy, what is a duplicate, what is a conflict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modules.recover.analysis import analyze, state_import_id
from modules.recover.aws import Aws
from modules.recover.backend import State, StateResource
from modules.recover.finders import Finder
from modules.recover.stack import SynthesizedStack
from tests.golden import GOLDEN_DIR
from tests.unit.recover.conftest import DEPLOYMENT, REGION, client, identity, tagged, tags, write_stack

STACK = "aurora"
VPC, SUBNET, GROUP, CLUSTER, ROLE, BUCKET = (
    "aws_vpc.vpc", "aws_subnet.subnet", "aws_db_subnet_group.group", "aws_rds_cluster.cluster", "aws_iam_role.role",
    "aws_s3_bucket.bucket",
)


def stack(tmp_path: Path) -> SynthesizedStack:
    resources: dict[str, dict[str, Any]] = {
        VPC: {"cidr_block": "192.168.0.0/16"},
        SUBNET: {"vpc_id": "${aws_vpc.vpc.id}", "cidr_block": "192.168.0.0/19"},
        GROUP: {"name": "an-subnet-group", "subnet_ids": ["${aws_subnet.subnet.id}"]},
        CLUSTER: {"cluster_identifier": "an", "db_subnet_group_name": "${aws_db_subnet_group.group.name}"},
        ROLE: {"name": "an-monitoring"},
        BUCKET: {"bucket": "an-bucket"},
    }
    for address, body in resources.items():
        body["tags"] = identity(STACK, address)
    return SynthesizedStack.load(write_stack(tmp_path, STACK, resources))


def network(cidr: str) -> tuple[str, str]:
    """A tagged VPC and subnet, as an apply of the stack creates them."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tagged("vpc", STACK, VPC))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("/16", "/19"), AvailabilityZone=f"{REGION}a",
                               TagSpecifications=tagged("subnet", STACK, SUBNET))["Subnet"]["SubnetId"]
    return vpc, subnet


@pytest.mark.usefixtures("aws")
def test_a_rerun_without_recovery_the_database_keeps_its_network(tmp_path: Path) -> None:
    # GIVEN an interrupted apply made the first network, the subnet group and the cluster,
    first_vpc, first_subnet = network("192.168.0.0/16")
    client("rds").create_db_subnet_group(DBSubnetGroupName="an-subnet-group", DBSubnetGroupDescription="d",
                                         SubnetIds=[first_subnet])
    client("rds").create_db_cluster(DBClusterIdentifier="an", Engine="aurora-postgresql", MasterUsername="u",
                                    MasterUserPassword="not-a-real-one-1", DBSubnetGroupName="an-subnet-group")
    # a re-run put a second, empty network in the state, and someone else owns a role of our name
    second_vpc, second_subnet = network("10.20.0.0/16")
    client("iam").create_role(RoleName="an-monitoring", AssumeRolePolicyDocument="{}",
                              Tags=tags(STACK, ROLE, deployment="another"))
    state = State({
        VPC: StateResource(VPC, "aws_vpc", {"id": second_vpc}),
        SUBNET: StateResource(SUBNET, "aws_subnet", {"id": second_subnet, "vpc_id": second_vpc}),
    }, exists=True)

    # WHEN the stack is analyzed
    synthesized = stack(tmp_path)
    analysis = analyze(synthesized, state, Finder(Aws(), DEPLOYMENT, synthesized), DEPLOYMENT, {})

    # THEN the copies the database uses replace the state's, the rest is imported,
    actions = {a: (d.action, d.keeper.copy.import_id) for a, d in analysis.decisions.items()}
    assert actions == {
        VPC: ("replace", first_vpc),
        SUBNET: ("replace", first_subnet),
        GROUP: ("import", "an-subnet-group"),
        CLUSTER: ("import", "an"),
    }
    assert analysis.import_blocks() == [
        {"to": GROUP, "id": "an-subnet-group"}, {"to": CLUSTER, "id": "an"},
        {"to": SUBNET, "id": first_subnet}, {"to": VPC, "id": first_vpc},
    ]
    # the state's copies become duplicates once replaced (not before: they are in the state),
    assert [c.import_id for c in analysis.decisions[VPC].others] == [second_vpc]
    assert analysis.decisions[VPC].duplicates == ()
    # the role of another deployment is a conflict, never adopted,
    (conflict,) = analysis.conflicts
    assert (conflict.address, conflict.found.import_id) == (ROLE, "an-monitoring")
    assert conflict.reason == "tagged keycloak-aurora:deployment=another, not kc"
    # and a type without a finder is reported as not searched.
    assert analysis.not_searched == [BUCKET]


@pytest.mark.parametrize(
    ("rtype", "attributes", "expected"),
    [
        ("aws_vpc", {"id": "vpc-1"}, "vpc-1"),
        ("aws_route_table_association", {"id": "rtbassoc-1", "subnet_id": "subnet-1", "route_table_id": "rtb-1"},
         "subnet-1/rtb-1"),
        ("aws_iam_role_policy_attachment", {"id": "r-2026", "role": "r", "policy_arn": "arn:p"}, "r/arn:p"),
        ("aws_route", {"id": "r-rtb-1123", "route_table_id": "rtb-1", "destination_cidr_block": "10.0.0.0/16"},
         "rtb-1_10.0.0.0/16"),
    ],
)
def test_import_ids_of_copies_in_the_state(rtype: str, attributes: dict[str, str], expected: str) -> None:
    assert state_import_id(rtype, attributes) == expected


@pytest.mark.usefixtures("aws")
def test_a_stack_of_kubernetes_objects_only_has_nothing_to_search(tmp_path: Path) -> None:
    # `make recover` takes every stack by default: a keycloak-* stack holds no AWS resource.
    directory = tmp_path / "stacks" / "keycloak-rosa-site-a"
    directory.mkdir(parents=True)
    (directory / "cdk.tf.json").write_text((GOLDEN_DIR / "example" / "keycloak-rosa-site-a.tf.json").read_text())
    synthesized = SynthesizedStack.load(directory)
    analysis = analyze(synthesized, State(), Finder(Aws(), DEPLOYMENT, synthesized), DEPLOYMENT, {})
    assert analysis.decisions == {} and analysis.import_blocks() == []
    assert analysis.not_searched == [r.address for r in synthesized.resources]
    assert all(a.startswith("kubernetes_") for a in analysis.not_searched)
