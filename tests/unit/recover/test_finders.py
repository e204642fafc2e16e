"""Finding a stack's objects in AWS by their address tag, by their unique name and through
their parent (moto in this process). Each row: GIVEN objects of one type, WHEN the finder
looks for one resource, THEN it gets exactly its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modules.recover.aws import Aws
from modules.recover.finders import Finder
from modules.recover.stack import OutputRef, ProviderSettings, Resource, ResourceRef, SynthesizedStack
from tests.unit.recover.conftest import DEPLOYMENT, REGION, client, identity, tags, write_stack

STACK = "aurora"
PROVIDER = ProviderSettings(REGION)


def resource(address: str, body: dict[str, Any] | None = None, *, taggable: bool = True) -> Resource:
    rtype, name = address.split(".")
    body = dict(body or {})
    if taggable:
        body["tags"] = identity(STACK, address)
    return Resource(rtype, name, body, PROVIDER)


def finder(tmp_path: Path, *resources: Resource) -> Finder:
    path = write_stack(tmp_path, STACK, {r.address: dict(r.body) for r in resources})
    return Finder(Aws(), DEPLOYMENT, SynthesizedStack.load(path))


def vpc(address: str, deployment: str = DEPLOYMENT) -> str:
    spec = [{"ResourceType": "vpc", "Tags": tags(STACK, address, deployment)}]
    return client("ec2").create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=spec)["Vpc"]["VpcId"]


def subnet(address: str, deployment: str = DEPLOYMENT) -> str:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    spec = [{"ResourceType": "subnet", "Tags": tags(STACK, address, deployment)}]
    return ec2.create_subnet(VpcId=parent, CidrBlock="10.1.0.0/24", TagSpecifications=spec)["Subnet"]["SubnetId"]


def route_table(address: str, deployment: str = DEPLOYMENT) -> str:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    spec = [{"ResourceType": "route-table", "Tags": tags(STACK, address, deployment)}]
    return ec2.create_route_table(VpcId=parent, TagSpecifications=spec)["RouteTable"]["RouteTableId"]


def security_group(address: str, deployment: str = DEPLOYMENT) -> str:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    spec = [{"ResourceType": "security-group", "Tags": tags(STACK, address, deployment)}]
    return ec2.create_security_group(GroupName=f"g-{address}-{deployment}", Description="d", VpcId=parent,
                                     TagSpecifications=spec)["GroupId"]


def peering(address: str, deployment: str = DEPLOYMENT) -> str:
    ec2 = client("ec2")
    one, two = (ec2.create_vpc(CidrBlock=c)["Vpc"]["VpcId"] for c in ("10.4.0.0/16", "10.5.0.0/16"))
    spec = [{"ResourceType": "vpc-peering-connection", "Tags": tags(STACK, address, deployment)}]
    return ec2.create_vpc_peering_connection(VpcId=one, PeerVpcId=two, TagSpecifications=spec)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]


def ingress_rule(address: str, deployment: str = DEPLOYMENT) -> str:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName=f"r-{address}-{deployment}", Description="d", VpcId=parent)["GroupId"]
    rule = ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                       "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": tags(STACK, address, deployment)}])
    return rule["SecurityGroupRules"][0]["SecurityGroupRuleId"]


def kms_key(address: str, deployment: str = DEPLOYMENT) -> str:
    pairs = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags(STACK, address, deployment)]
    return client("kms").create_key(Tags=pairs)["KeyMetadata"]["KeyId"]


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("rtype", "create"),
    [
        ("aws_vpc", vpc), ("aws_subnet", subnet), ("aws_route_table", route_table),
        ("aws_security_group", security_group), ("aws_vpc_peering_connection", peering),
        ("aws_vpc_security_group_ingress_rule", ingress_rule), ("aws_kms_key", kms_key),
    ],
)
def test_by_tag_only_this_address_of_this_deployment(tmp_path: Path, rtype: str, create: Callable[..., str]) -> None:
    wanted, other = f"{rtype}.wanted", f"{rtype}.other"
    mine = create(wanted)
    create(other)  # another resource of the stack
    create(wanted, "another-deployment")  # the same address in another deployment
    found = finder(tmp_path, resource(wanted), resource(other)).by_tag(resource(wanted))
    assert [f.import_id for f in found] == [mine]


@pytest.mark.usefixtures("aws")
def test_the_accepter_finds_the_peering_by_the_connection_address(tmp_path: Path) -> None:
    # One AWS object: the accepter carries the connection's address tag.
    connection = "aws_vpc_peering_connection.connection"
    pcx = peering(connection)
    accepter = Resource("aws_vpc_peering_connection_accepter", "accepter",
                        {"tags": identity(STACK, connection)}, PROVIDER)
    found = finder(tmp_path, accepter).by_tag(accepter)
    assert [(f.import_id, f.attributes["vpc_peering_connection_id"]) for f in found] == [(pcx, pcx)]


def _cluster(name: str = "kc") -> str:
    client("rds").create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="u",
                                    ManageMasterUserPassword=True)
    return name


def _global_cluster() -> str:
    # (moto keeps global clusters in one backend; a standalone one: no source cluster needed)
    client("rds").create_global_cluster(GlobalClusterIdentifier="kc-global", Engine="aurora-postgresql")
    return "kc-global"


def _instance() -> str:
    client("rds").create_db_instance(DBInstanceIdentifier="kc-writer", DBClusterIdentifier=_cluster("kc-2"),
                                     DBInstanceClass="db.t4g.large", Engine="aurora-postgresql")
    return "kc-writer"


def _subnet_group() -> str:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=parent, CidrBlock=f"10.7.{n}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]
               ["SubnetId"] for n, z in ((1, "a"), (2, "b"))]
    client("rds").create_db_subnet_group(DBSubnetGroupName="kc-subnet-group", DBSubnetGroupDescription="d",
                                         SubnetIds=subnets)
    return "kc-subnet-group"


def _parameter_group() -> str:
    client("rds").create_db_cluster_parameter_group(DBClusterParameterGroupName="kc-pg", Description="d",
                                                    DBParameterGroupFamily="aurora-postgresql16")
    return "kc-pg"


def _instance_parameter_group() -> str:
    client("rds").create_db_parameter_group(DBParameterGroupName="kc-instance-pg", Description="d",
                                            DBParameterGroupFamily="aurora-postgresql16")
    return "kc-instance-pg"


def _event_subscription() -> str:
    topic = client("sns").create_topic(Name="kc-alarms")["TopicArn"]
    client("rds").create_event_subscription(SubscriptionName="kc-cluster-events", SnsTopicArn=topic,
                                            SourceType="db-cluster")
    client("rds").create_event_subscription(SubscriptionName="kc-instance-events", SnsTopicArn=topic,
                                            SourceType="db-instance")
    return "kc-cluster-events"


def _log_group() -> str:
    client("logs").create_log_group(logGroupName="/aws/rds/cluster/kc/postgresql")
    client("logs").create_log_group(logGroupName="/aws/rds/cluster/kc/postgresql-other")  # same prefix
    return "/aws/rds/cluster/kc/postgresql"


def _role() -> str:
    client("iam").create_role(RoleName="kc-flow-logs", AssumeRolePolicyDocument="{}")
    return "kc-flow-logs"


def _alias() -> str:
    key = client("kms").create_key()["KeyMetadata"]["KeyId"]
    client("kms").create_alias(AliasName="alias/kc", TargetKeyId=key)
    return "alias/kc"


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("address", "body", "create"),
    [
        ("aws_rds_cluster.cluster", {"cluster_identifier": "kc"}, _cluster),
        ("aws_rds_global_cluster.global", {"global_cluster_identifier": "kc-global"}, _global_cluster),
        ("aws_rds_cluster_instance.writer", {"identifier": "kc-writer"}, _instance),
        ("aws_db_subnet_group.group", {"name": "kc-subnet-group"}, _subnet_group),
        ("aws_rds_cluster_parameter_group.pg", {"name": "kc-pg"}, _parameter_group),
        ("aws_db_parameter_group.pg", {"name": "kc-instance-pg"}, _instance_parameter_group),
        ("aws_db_event_subscription.events", {"name": "kc-cluster-events"}, _event_subscription),
        ("aws_cloudwatch_log_group.logs", {"name": "/aws/rds/cluster/kc/postgresql"}, _log_group),
        ("aws_iam_role.role", {"name": "kc-flow-logs"}, _role),
        ("aws_kms_alias.alias", {"name": "alias/kc"}, _alias),
    ],
)
def test_by_name_even_without_tags(tmp_path: Path, address: str, body: dict[str, Any], create: Callable[[], str]) -> None:
    expected = create()
    wanted = resource(address, body)
    assert [f.import_id for f in finder(tmp_path, wanted).by_name(wanted)] == [expected]


@pytest.mark.usefixtures("aws")
def test_a_key_by_the_name_of_the_alias_that_targets_it(tmp_path: Path) -> None:
    key = client("kms").create_key()["KeyMetadata"]
    client("kms").create_alias(AliasName="alias/kc-2", TargetKeyId=key["KeyId"])
    wanted = resource("aws_kms_key.key")
    alias = resource("aws_kms_alias.alias", {"name": "alias/kc-2", "target_key_id": "${aws_kms_key.key.key_id}"},
                     taggable=False)
    found = finder(tmp_path, wanted, alias).by_name(wanted)
    assert [(f.import_id, f.attributes["arn"]) for f in found] == [(key["KeyId"], key["Arn"])]


@pytest.mark.usefixtures("aws")
def test_a_security_group_name_is_unique_per_vpc_only(tmp_path: Path) -> None:
    ec2 = client("ec2")
    groups = set()
    for cidr in ("10.8.0.0/16", "10.9.0.0/16"):
        parent = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        groups.add(ec2.create_security_group(GroupName="kc-security-group", Description="d", VpcId=parent)["GroupId"])
    wanted = resource("aws_security_group.group", {"name": "kc-security-group"})
    assert {f.import_id for f in finder(tmp_path, wanted).by_name(wanted)} == groups


@pytest.mark.usefixtures("aws")
def test_nothing_of_that_name(tmp_path: Path) -> None:
    wanted = resource("aws_rds_cluster.cluster", {"cluster_identifier": "kc-none"})
    assert finder(tmp_path, wanted).by_name(wanted) == []


# --- through the parent -------------------------------------------------------------------


def _resolver(values: dict[Any, set[str]]) -> Callable[[Any], set[str] | None]:
    return lambda ref: values.get(ref)


@pytest.mark.usefixtures("aws")
def test_route_table_association_of_the_kept_subnet_and_table(tmp_path: Path) -> None:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=parent, CidrBlock="10.10.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=parent)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
    association = resource("aws_route_table_association.a", {"subnet_id": "${aws_subnet.s.id}",
                                                             "route_table_id": "${aws_route_table.t.id}"}, taggable=False)
    resolve = _resolver({ResourceRef("aws_subnet.s", "id"): {subnet_id}, ResourceRef("aws_route_table.t", "id"): {table}})
    found = finder(tmp_path, association).by_parent(association, resolve)
    assert [f.import_id for f in found] == [f"{subnet_id}/{table}"]


@pytest.mark.usefixtures("aws")
def test_role_policy_and_attachment_of_the_kept_role(tmp_path: Path) -> None:
    iam = client("iam")
    iam.create_role(RoleName="kc-role", AssumeRolePolicyDocument="{}")
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}'
    iam.put_role_policy(RoleName="kc-role", PolicyName="write", PolicyDocument=document)
    arn = iam.create_policy(PolicyName="p", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="kc-role", PolicyArn=arn)
    policy = resource("aws_iam_role_policy.p", {"role": "${aws_iam_role.r.id}", "name": "write"}, taggable=False)
    attachment = resource("aws_iam_role_policy_attachment.a", {"role": "${aws_iam_role.r.name}", "policy_arn": arn},
                          taggable=False)
    resolve = _resolver({ResourceRef("aws_iam_role.r", "id"): {"kc-role"}, ResourceRef("aws_iam_role.r", "name"): {"kc-role"}})
    found = finder(tmp_path, policy, attachment)
    assert [f.import_id for f in found.by_parent(policy, resolve)] == ["kc-role:write"]
    assert [f.import_id for f in found.by_parent(attachment, resolve)] == [f"kc-role/{arn}"]


@pytest.mark.usefixtures("aws")
def test_routes_through_the_peering_a_for_each_route_keyed_by_its_table(tmp_path: Path) -> None:
    ec2 = client("ec2")
    rosa, aurora = (ec2.create_vpc(CidrBlock=c)["Vpc"]["VpcId"] for c in ("10.0.0.0/16", "192.168.0.0/16"))
    pcx = ec2.create_vpc_peering_connection(VpcId=rosa, PeerVpcId=aurora)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    rosa_tables = [ec2.create_route_table(VpcId=rosa)["RouteTable"]["RouteTableId"] for _ in range(2)]
    aurora_table = ec2.create_route_table(VpcId=aurora)["RouteTable"]["RouteTableId"]
    for table in rosa_tables:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.168.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=aurora_table, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    to_aurora = resource("aws_route.to_aurora", {
        "for_each": "${toset(data.aws_route_tables.t.ids)}", "route_table_id": "${each.value}",
        "destination_cidr_block": "${data.terraform_remote_state.aurora-outputs.outputs.vpc_cidr}",
        "vpc_peering_connection_id": "${aws_vpc_peering_connection.c.id}"}, taggable=False)
    to_rosa = resource("aws_route.to_rosa", {
        "route_table_id": "${data.terraform_remote_state.aurora-outputs.outputs.route_table_id}",
        "destination_cidr_block": "${data.aws_vpc.rosa.cidr_block}",
        "vpc_peering_connection_id": "${aws_vpc_peering_connection.c.id}"}, taggable=False)
    resolve = _resolver({
        ResourceRef("aws_vpc_peering_connection.c", "id"): {pcx},
        OutputRef("aurora-outputs", "vpc_cidr"): {"192.168.0.0/16"},
        OutputRef("aurora-outputs", "route_table_id"): {aurora_table},
    })
    found = finder(tmp_path, to_aurora, to_rosa)
    assert sorted((f.key, f.import_id) for f in found.by_parent(to_aurora, resolve)) == sorted(
        (table, f"{table}_192.168.0.0/16") for table in rosa_tables)
    assert [(f.key, f.import_id) for f in found.by_parent(to_rosa, resolve)] == [(None, f"{aurora_table}_10.0.0.0/16")]


@pytest.mark.usefixtures("aws")
def test_the_default_security_group_of_the_kept_vpc(tmp_path: Path) -> None:
    ec2 = client("ec2")
    parent = ec2.create_vpc(CidrBlock="10.11.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [parent]},
                                                    {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    wanted = resource("aws_default_security_group.d", {"vpc_id": "${aws_vpc.v.id}"})
    found = finder(tmp_path, wanted).by_parent(wanted, _resolver({ResourceRef("aws_vpc.v", "id"): {parent}}))
    assert [f.import_id for f in found] == [default["GroupId"]]


@pytest.mark.usefixtures("aws")
def test_a_parent_not_found_finds_no_child(tmp_path: Path) -> None:
    policy = resource("aws_iam_role_policy.p", {"role": "${aws_iam_role.r.id}", "name": "write"}, taggable=False)
    assert finder(tmp_path, policy).by_parent(policy, _resolver({})) == []
