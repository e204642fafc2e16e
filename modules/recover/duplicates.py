"""Duplicates: copies of a stack's resources that nothing will manage. What they hold, and
deleting the ones that hold nothing.

Only empty network containers and configuration are ever deleted: a VPC with no network
interface, instance, database subnet group (hence no database), peering, gateway or
endpoint, with its subnets, route tables, security groups and flow logs; a subnet, route
table or security group used by nothing; a peering connection no route uses; a flow log;
a security group rule. A KMS key is never deleted here (it may have encrypted data; its
deletion is the operator's call), nor anything found by a unique name, nor anything in a
state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from modules.recover.aws import Aws
from modules.recover.finders import ec2_list
from modules.recover.keepers import Copy
from modules.recover.stack import ProviderSettings

_GONE_INSTANCE = {"terminated", "shutting-down"}
_GONE_PEERING = {"deleted", "deleting", "rejected", "failed", "expired"}


@dataclass
class Duplicate:
    """A duplicate copy of `resource_type`, what it holds, and what keeps it from deletion.
    `inside` names the duplicate VPC it is deleted with, if any."""

    copy: Copy
    resource_type: str
    provider: ProviderSettings
    holds: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    inside: str | None = None
    #: Object ids inside (a VPC's subnets, route tables, groups, flow logs, associations).
    content_ids: set[str] = field(default_factory=set)

    @property
    def deletable(self) -> bool:
        return not self.blockers and self.inside is None

    def describe(self) -> str:
        what = f"{self.resource_type} {self.copy.describe()} (a copy of {self.copy.address})"
        if self.inside:
            return f"{what}: inside duplicate {self.inside}, deleted with it"
        holds = f"; holds {', '.join(self.holds)}" if self.holds else "; holds nothing"
        verdict = ("can be deleted (--delete-duplicates)" if self.deletable
                   else "not deleted: " + "; ".join(self.blockers))
        return f"{what}{holds}: {verdict}"


def _count(items: list[Any], singular: str, ids: list[str]) -> str:
    noun = singular if len(items) == 1 else (singular[:-1] + "ies" if singular.endswith("y") else singular + "s")
    return f"{len(items)} {noun} ({', '.join(ids)})" if ids else f"{len(items)} {noun}"


class Inspector:
    """Reads what duplicates hold, and deletes the deletable ones."""

    def __init__(self, aws: Aws) -> None:
        self._aws = aws

    def inspect(self, copies: list[tuple[Copy, str, ProviderSettings]]) -> list[Duplicate]:
        """One `Duplicate` per (copy, resource type, provider); VPCs first, so that what is
        inside a duplicate VPC is shown under it."""
        ordered = sorted(copies, key=lambda item: item[1] != "aws_vpc")
        duplicates: list[Duplicate] = []
        for copy, rtype, provider in ordered:
            duplicate = Duplicate(copy, rtype, provider)
            container = next((d for d in duplicates if d.resource_type == "aws_vpc" and _inside(copy, d)), None)
            if container is not None:
                duplicate.inside = container.copy.import_id
            else:
                self._assess(duplicate)
            duplicates.append(duplicate)
        return duplicates

    def _assess(self, duplicate: Duplicate) -> None:
        assess: Callable[[Duplicate], None] | None = getattr(self, f"_assess_{duplicate.resource_type}", None)
        if assess is None:
            duplicate.blockers.append(_NEVER.get(duplicate.resource_type, "never deleted here"))
        else:
            assess(duplicate)

    def _ec2(self, duplicate: Duplicate) -> Any:
        return self._aws.client("ec2", duplicate.provider)

    def _assess_aws_vpc(self, duplicate: Duplicate) -> None:
        ec2, vpc = self._ec2(duplicate), duplicate.copy.import_id
        in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
        subnets = ec2_list(ec2, "describe_subnets", "Subnets", in_vpc)
        tables = ec2_list(ec2, "describe_route_tables", "RouteTables", in_vpc)
        groups = [g for g in ec2_list(ec2, "describe_security_groups", "SecurityGroups", in_vpc)
                  if g["GroupName"] != "default"]
        flow_logs = ec2_list(ec2, "describe_flow_logs", "FlowLogs", [{"Name": "resource-id", "Values": [vpc]}])
        interfaces = ec2_list(ec2, "describe_network_interfaces", "NetworkInterfaces", in_vpc)
        instances = [i for r in ec2_list(ec2, "describe_instances", "Reservations", in_vpc) for i in r["Instances"]
                     if i.get("State", {}).get("Name") not in _GONE_INSTANCE]
        gateways = ec2_list(ec2, "describe_internet_gateways", "InternetGateways",
                          [{"Name": "attachment.vpc-id", "Values": [vpc]}])
        nat = [n for n in ec2_list(ec2, "describe_nat_gateways", "NatGateways", in_vpc) if n.get("State") != "deleted"]
        endpoints = [e for e in ec2_list(ec2, "describe_vpc_endpoints", "VpcEndpoints", in_vpc)
                     if e.get("State", "").lower() not in ("deleted", "deleting")]
        peerings = [
            p for side in ("requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id")
            for p in ec2_list(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections",
                            [{"Name": side, "Values": [vpc]}])
            if p.get("Status", {}).get("Code") not in _GONE_PEERING
        ]
        db_groups = self._db_subnet_groups_in(duplicate.provider, vpc)

        main_tables = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
        other_tables = [t for t in tables if t not in main_tables]
        contents = [
            (subnets, "subnet", [s["SubnetId"] for s in subnets], False),
            (other_tables, "route table", [t["RouteTableId"] for t in other_tables], False),
            (groups, "security group", [g["GroupId"] for g in groups], False),
            (flow_logs, "flow log", [f["FlowLogId"] for f in flow_logs], False),
            (interfaces, "network interface", [i["NetworkInterfaceId"] for i in interfaces], True),
            (instances, "instance", [i["InstanceId"] for i in instances], True),
            (db_groups, "database subnet group", db_groups, True),
            (peerings, "peering connection", [p["VpcPeeringConnectionId"] for p in peerings], True),
            (gateways, "internet gateway", [g["InternetGatewayId"] for g in gateways], True),
            (nat, "NAT gateway", [n["NatGatewayId"] for n in nat], True),
            (endpoints, "VPC endpoint", [e["VpcEndpointId"] for e in endpoints], True),
        ]
        duplicate.holds = [_count(items, noun, ids) for items, noun, ids, _ in contents if items]
        duplicate.blockers = [f"it holds {_count(items, noun, [])}" for items, noun, _, blocks in contents
                              if items and blocks]
        if not duplicate.blockers:
            duplicate.holds.append("no network interface, instance, database, peering or gateway")
        duplicate.content_ids = {
            *(s["SubnetId"] for s in subnets), *(t["RouteTableId"] for t in tables), *(g["GroupId"] for g in groups),
            *(f["FlowLogId"] for f in flow_logs),
            *(a["RouteTableAssociationId"] for t in tables for a in t.get("Associations", [])),
        }

    def _db_subnet_groups_in(self, provider: ProviderSettings, vpc: str) -> list[str]:
        rds = self._aws.client("rds", provider)
        groups = []
        for page in rds.get_paginator("describe_db_subnet_groups").paginate():
            groups += [g["DBSubnetGroupName"] for g in page["DBSubnetGroups"] if g.get("VpcId") == vpc]
        return groups

    def _assess_aws_subnet(self, duplicate: Duplicate) -> None:
        ec2, subnet = self._ec2(duplicate), duplicate.copy.import_id
        interfaces = ec2_list(ec2, "describe_network_interfaces", "NetworkInterfaces",
                            [{"Name": "subnet-id", "Values": [subnet]}])
        rds = self._aws.client("rds", duplicate.provider)
        db_groups = [g["DBSubnetGroupName"] for page in rds.get_paginator("describe_db_subnet_groups").paginate()
                     for g in page["DBSubnetGroups"]
                     if subnet in {s["SubnetIdentifier"] for s in g.get("Subnets", [])}]
        if interfaces:
            duplicate.blockers.append(f"holds {_count(interfaces, 'network interface', [i['NetworkInterfaceId'] for i in interfaces])}")
        if db_groups:
            duplicate.blockers.append(f"in {_count(db_groups, 'database subnet group', db_groups)}")

    def _assess_aws_security_group(self, duplicate: Duplicate) -> None:
        ec2, group = self._ec2(duplicate), duplicate.copy.import_id
        interfaces = ec2_list(ec2, "describe_network_interfaces", "NetworkInterfaces",
                            [{"Name": "group-id", "Values": [group]}])
        if interfaces:
            duplicate.blockers.append(
                f"used by {_count(interfaces, 'network interface', [i['NetworkInterfaceId'] for i in interfaces])}"
            )

    def _assess_aws_route_table(self, duplicate: Duplicate) -> None:
        ec2 = self._ec2(duplicate)
        for table in ec2.describe_route_tables(RouteTableIds=[duplicate.copy.import_id])["RouteTables"]:
            associations = table.get("Associations", [])
            if any(a.get("Main") for a in associations):
                duplicate.blockers.append("the main route table of its VPC")
            elif associations:
                duplicate.blockers.append(f"associated with {', '.join(a.get('SubnetId', '?') for a in associations)}")

    def _assess_aws_vpc_peering_connection(self, duplicate: Duplicate) -> None:
        peering = duplicate.copy.import_id
        regions = {duplicate.provider.region, duplicate.copy.attributes.get("peer_region") or duplicate.provider.region}
        tables = []
        for region in sorted(regions):
            ec2 = self._aws.client("ec2", replace(duplicate.provider, region=region))
            tables += ec2_list(ec2, "describe_route_tables", "RouteTables",
                             [{"Name": "route.vpc-peering-connection-id", "Values": [peering]}])
        if tables:
            duplicate.blockers.append(f"routes to it in {', '.join(t['RouteTableId'] for t in tables)}")

    _assess_aws_vpc_peering_connection_accepter = _assess_aws_vpc_peering_connection

    def _assess_aws_flow_log(self, duplicate: Duplicate) -> None:
        return None  # configuration only: the logs are in the log group, which stays

    def _assess_aws_vpc_security_group_ingress_rule(self, duplicate: Duplicate) -> None:
        return None  # a rule holds nothing

    # -- deleting -----------------------------------------------------------------------

    def delete(self, duplicate: Duplicate) -> list[str]:
        """Delete a deletable duplicate; returns what was done, one line per call."""
        assert duplicate.deletable, duplicate.describe()
        ec2 = self._ec2(duplicate)
        target = duplicate.copy.import_id
        if duplicate.resource_type == "aws_vpc":
            return self._delete_vpc(ec2, target)
        if duplicate.resource_type == "aws_subnet":
            ec2.delete_subnet(SubnetId=target)
        elif duplicate.resource_type == "aws_security_group":
            ec2.delete_security_group(GroupId=target)
        elif duplicate.resource_type == "aws_route_table":
            ec2.delete_route_table(RouteTableId=target)
        elif duplicate.resource_type in ("aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter"):
            ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=target)
        elif duplicate.resource_type == "aws_flow_log":
            ec2.delete_flow_logs(FlowLogIds=[target])
        elif duplicate.resource_type == "aws_vpc_security_group_ingress_rule":
            group = duplicate.copy.attributes["security_group_id"]
            ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[target])
        return [f"deleted {duplicate.resource_type} {target}"]

    @staticmethod
    def _delete_vpc(ec2: Any, vpc: str) -> list[str]:
        """Flow logs, security groups, route tables (after their associations), subnets,
        then the VPC: the order AWS accepts."""
        done = []
        in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
        for flow_log in ec2_list(ec2, "describe_flow_logs", "FlowLogs", [{"Name": "resource-id", "Values": [vpc]}]):
            ec2.delete_flow_logs(FlowLogIds=[flow_log["FlowLogId"]])
            done.append(f"deleted flow log {flow_log['FlowLogId']}")
        for group in ec2_list(ec2, "describe_security_groups", "SecurityGroups", in_vpc):
            if group["GroupName"] != "default":
                ec2.delete_security_group(GroupId=group["GroupId"])
                done.append(f"deleted security group {group['GroupId']}")
        for table in ec2_list(ec2, "describe_route_tables", "RouteTables", in_vpc):
            associations = table.get("Associations", [])
            if any(a.get("Main") for a in associations):
                continue  # deleted with the VPC
            for association in associations:
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=table["RouteTableId"])
            done.append(f"deleted route table {table['RouteTableId']}")
        for subnet in ec2_list(ec2, "describe_subnets", "Subnets", in_vpc):
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            done.append(f"deleted subnet {subnet['SubnetId']}")
        ec2.delete_vpc(VpcId=vpc)
        done.append(f"deleted VPC {vpc}")
        return done


#: Why a duplicate of a type without an assessment is never deleted here.
_NEVER = {
    "aws_kms_key": "never deleted here: a KMS key may have encrypted data; if nothing uses it, schedule "
                   "its deletion yourself (aws kms schedule-key-deletion --pending-window-in-days 30)",
    "aws_default_security_group": "a VPC's default security group goes only with its VPC",
    "aws_route_table_association": "goes with its route table",
    "aws_route": "goes with its route table or peering connection",
}


def _inside(copy: Copy, vpc: Duplicate) -> bool:
    """Whether `copy` lives in the duplicate VPC (or in something inside it)."""
    attributes = copy.attributes
    related = {copy.import_id, str(attributes.get("id"))} | {
        str(attributes.get(name)) for name in ("vpc_id", "subnet_id", "route_table_id", "security_group_id")
    }
    return vpc.copy.import_id in related or bool(related & vpc.content_ids)
