"""Duplicates are deleted only when they hold nothing, and never a key (moto in this process)."""

from __future__ import annotations

from typing import Any

import pytest

from modules.recover.aws import Aws
from modules.recover.duplicates import Duplicate, Inspector
from modules.recover.keepers import Copy
from modules.recover.stack import ProviderSettings
from tests.unit.recover.conftest import REGION, client

PROVIDER = ProviderSettings(REGION)


def copy(address: str, import_id: str, **attributes: Any) -> Copy:
    return Copy(address, import_id, {"id": import_id, **attributes}, "tag")


def empty_network(cidr: str) -> dict[str, str]:
    """A VPC with what a stack puts in one: subnet, route table (associated), security group, flow log."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("/16", "/20"), AvailabilityZone=f"{REGION}a")[
        "Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = ec2.create_security_group(GroupName="kc-security-group", Description="d", VpcId=vpc)["GroupId"]
    client("logs").create_log_group(logGroupName=f"/flow/{vpc}")
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName=f"/flow/{vpc}",
                         DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow")
    return {"vpc": vpc, "subnet": subnet, "table": table, "group": group}


def inspect(*copies: tuple[Copy, str]) -> list[Duplicate]:
    return Inspector(Aws()).inspect([(c, rtype, PROVIDER) for c, rtype in copies])


@pytest.mark.usefixtures("aws")
def test_an_empty_vpc_is_deleted_with_everything_in_it() -> None:
    net = empty_network("10.30.0.0/16")
    vpc, subnet, group = inspect(
        (copy("aws_vpc.vpc", net["vpc"]), "aws_vpc"),
        (copy("aws_subnet.subnet", net["subnet"], vpc_id=net["vpc"]), "aws_subnet"),
        (copy("aws_security_group.group", net["group"], vpc_id=net["vpc"]), "aws_security_group"),
    )
    assert vpc.deletable and vpc.holds == [
        f"1 subnet ({net['subnet']})", f"1 route table ({net['table']})", f"1 security group ({net['group']})",
        vpc.holds[3], "no network interface, instance, database, peering or gateway",
    ]
    assert (subnet.inside, group.inside) == (net["vpc"], net["vpc"]) and not subnet.deletable
    done = Inspector(Aws()).delete(vpc)
    assert done[-1] == f"deleted VPC {net['vpc']}"
    assert not client("ec2").describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}])["Vpcs"]


@pytest.mark.usefixtures("aws")
def test_a_vpc_holding_an_instance_or_a_database_subnet_group_is_never_deleted() -> None:
    ec2 = client("ec2")
    net = empty_network("10.31.0.0/16")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=net["subnet"])
    other = ec2.create_subnet(VpcId=net["vpc"], CidrBlock="10.31.16.0/20", AvailabilityZone=f"{REGION}b")["Subnet"]
    client("rds").create_db_subnet_group(DBSubnetGroupName="held", DBSubnetGroupDescription="d",
                                         SubnetIds=[net["subnet"], other["SubnetId"]])
    (vpc,) = inspect((copy("aws_vpc.vpc", net["vpc"]), "aws_vpc"))
    assert not vpc.deletable
    assert vpc.blockers == [
        "it holds 1 network interface", "it holds 1 instance", "it holds 1 database subnet group",
    ]
    with pytest.raises(AssertionError):
        Inspector(Aws()).delete(vpc)


@pytest.mark.usefixtures("aws")
def test_a_kms_key_is_never_deleted() -> None:
    key = client("kms").create_key()["KeyMetadata"]["KeyId"]
    (duplicate,) = inspect((copy("aws_kms_key.key", key), "aws_kms_key"))
    assert not duplicate.deletable
    assert "never deleted here: a KMS key may have encrypted data" in duplicate.blockers[0]


@pytest.mark.usefixtures("aws")
def test_a_peering_is_deleted_only_when_no_route_uses_it() -> None:
    ec2 = client("ec2")
    one, two, three = (ec2.create_vpc(CidrBlock=c)["Vpc"]["VpcId"] for c in ("10.40.0.0/16", "10.41.0.0/16", "10.42.0.0/16"))
    used = ec2.create_vpc_peering_connection(VpcId=one, PeerVpcId=two)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    unused = ec2.create_vpc_peering_connection(VpcId=one, PeerVpcId=three)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    table = ec2.create_route_table(VpcId=one)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.41.0.0/16", VpcPeeringConnectionId=used)
    held, free = inspect((copy("aws_vpc_peering_connection.c", used), "aws_vpc_peering_connection"),
                         (copy("aws_vpc_peering_connection.c", unused), "aws_vpc_peering_connection"))
    assert held.blockers == [f"routes to it in {table}"]
    assert free.deletable
    assert Inspector(Aws()).delete(free) == [f"deleted aws_vpc_peering_connection {unused}"]


@pytest.mark.usefixtures("aws")
def test_a_subnet_in_a_database_subnet_group_is_never_deleted() -> None:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{n}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]
               ["SubnetId"] for n, z in ((1, "a"), (2, "b"))]
    client("rds").create_db_subnet_group(DBSubnetGroupName="kept", DBSubnetGroupDescription="d", SubnetIds=subnets)
    (subnet,) = inspect((copy("aws_subnet.s", subnets[0], vpc_id=vpc), "aws_subnet"))
    assert subnet.blockers == ["in 1 database subnet group (kept)"]
