"""The Aurora VPC: private subnets per AZ, their route table, subnet group, security group.

Implements the guide's "Create a VPC for the Aurora cluster", "Create a subnet for each
availability zone", "Associate the subnets with the VPC's route table", "Create an Aurora
subnet group" and "Create an Aurora security group". Nothing here is reachable from the
Internet: there is no internet gateway, and the security group admits nobody until a
peering stack adds a 5432 rule for one ROSA cluster.

Construct ids are part of the Terraform addresses: renaming one moves a resource (and
destroys and recreates it). Subnets are keyed by AZ, not by position, so adding an AZ
leaves the others in place.
"""

from __future__ import annotations

import json

from constructs import Construct

from modules import naming
from modules.aws.iam import service_role
from modules.config import AuroraSpec
from modules.construct_tree import reference
from modules.providers import (
    CloudwatchLogGroup,
    DbSubnetGroup,
    DefaultSecurityGroup,
    FlowLog,
    IamRolePolicy,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    Subnet,
    Vpc,
)


class AuroraNetwork(Construct):
    """The network the Aurora cluster lives in.

    Exposes `vpc_id`, `vpc_cidr`, `route_table_id`, `subnet_ids` (by AZ),
    `subnet_group_name` and `security_group_id` for the cluster and the outputs.
    """

    def __init__(self, scope: Construct, id_: str, *, spec: AuroraSpec, kms_key_arn: str) -> None:
        super().__init__(scope, id_)
        name = spec.name

        # Guide: `aws ec2 create-vpc --cidr-block 192.168.0.0/16 --tag-specifications
        # ResourceType=vpc,Tags=[{Key=AuroraCluster,Value=keycloak-aurora}]`. The tag, which
        # the aurora stack puts on every resource, is how the guide finds this VPC. DNS
        # hostnames and support let peered VPCs resolve the cluster endpoint to private
        # addresses.
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=str(spec.vpc_cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
        )

        # Beyond the guide: the VPC's default security group, which AWS creates with
        # allow-all rules among its members, is adopted and left with no rules at all, so
        # nothing placed in it by mistake can talk to anything.
        DefaultSecurityGroup(
            self,
            "default-security-group",
            vpc_id=reference(self.vpc, "id"),
            tags={"Name": f"{name}-default-deny-all"},
        )
        self._flow_logs(name, spec.log_retention_days, kms_key_arn)

        # One route table for all Aurora subnets: each peering stack adds its return route
        # to the ROSA machine CIDR here. Local traffic needs no route of ours.
        self.route_table = RouteTable(
            self,
            "route-table",
            vpc_id=reference(self.vpc, "id"),
            tags={"Name": f"{name}-route-table"},
        )

        self.subnets: dict[str, Subnet] = {}
        for subnet_spec in spec.subnets:
            az = subnet_spec.availability_zone
            subnet = Subnet(
                self,
                f"subnet-{az}",
                vpc_id=reference(self.vpc, "id"),
                cidr_block=str(subnet_spec.cidr),
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-subnet-{az}"},
            )
            RouteTableAssociation(
                self,
                f"subnet-{az}-route-table",
                subnet_id=reference(subnet, "id"),
                route_table_id=reference(self.route_table, "id"),
            )
            self.subnets[az] = subnet

        # Guide: `aws rds create-db-subnet-group --db-subnet-group-name keycloak-aurora-subnet-group`.
        self.subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=naming.subnet_group_name(name),
            description=f"Aurora subnets of {name}, one per availability zone",
            subnet_ids=[reference(subnet, "id") for subnet in self.subnets.values()],
            tags={"Name": naming.subnet_group_name(name)},
        )

        # Guide: `aws ec2 create-security-group --group-name keycloak-aurora-security-group`.
        # No inline rules: inline ingress would fight the per-cluster rules that peering
        # stacks own (`aws_vpc_security_group_ingress_rule`). No egress either: the database
        # answers on established connections and opens none of its own.
        self.security_group = SecurityGroup(
            self,
            "security-group",
            name=naming.security_group_name(name),
            description=f"Aurora {name}: PostgreSQL from peered ROSA clusters only",
            vpc_id=reference(self.vpc, "id"),
            tags={"Name": naming.security_group_name(name)},
        )

    def _flow_logs(self, name: str, retention_days: int, kms_key_arn: str) -> None:
        """VPC flow logs (all traffic) to an encrypted log group, written through a role
        that may write to that group only."""
        group = CloudwatchLogGroup(
            self,
            "flow-log-group",
            name=naming.flow_log_group(name),
            retention_in_days=retention_days,
            kms_key_id=kms_key_arn,
        )
        role = service_role(
            self, "flow-log-role", name=naming.flow_log_role_name(name), service="vpc-flow-logs.amazonaws.com"
        )
        IamRolePolicy(
            self,
            "flow-log-role-policy",
            name="write-flow-logs",
            role=reference(role, "id"),
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            "Resource": f'{reference(group, "arn")}:*',
                        }
                    ],
                }
            ),
        )
        FlowLog(
            self,
            "flow-log",
            vpc_id=reference(self.vpc, "id"),
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=reference(group, "arn"),
            iam_role_arn=reference(role, "arn"),
            tags={"Name": f"{name}-flow-logs"},
        )

    @property
    def vpc_id(self) -> str:
        return reference(self.vpc, "id")

    @property
    def vpc_cidr(self) -> str:
        return self.vpc.cidr_block

    @property
    def route_table_id(self) -> str:
        return reference(self.route_table, "id")

    @property
    def subnet_group_name(self) -> str:
        return reference(self.subnet_group, "name")

    @property
    def security_group_id(self) -> str:
        return reference(self.security_group, "id")
