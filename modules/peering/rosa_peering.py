"""VPC peering between one ROSA cluster and the Aurora VPC, with routes both ways.

Implements the guide's "Establish a peering connection with a ROSA cluster": find the ROSA
VPC (`describe-instances --filters private-dns-name=<worker>`), `create-vpc-peering-
connection`, `accept-vpc-peering-connection`, a route to the Aurora CIDR in the ROSA route
table, and `authorize-security-group-ingress --protocol tcp --port 5432 --cidr
<machine CIDR>`. Beyond the guide: the return route from the Aurora route table to the
machine CIDR, without which replies from the database are dropped (the upstream
benchmark scripts add it too), and routes in every ROSA route table by default, since
ROSA nodes sit in private subnets with route tables of their own.

Construct ids are Terraform addresses: renaming one recreates that route or rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformIterator, TerraformProvider, Token
from constructs import Construct

from modules.aws.tagging import same_aws_object
from modules.config import RosaClusterSpec
from modules.providers import (
    DataAwsCallerIdentity,
    DataAwsInstance,
    DataAwsInstanceFilter,
    DataAwsRouteTables,
    DataAwsRouteTablesFilter,
    DataAwsSubnet,
    DataAwsVpc,
    Route,
    VpcPeeringConnection,
    VpcPeeringConnectionAccepterA,
    VpcSecurityGroupIngressRule,
)


@dataclass(frozen=True)
class AuroraSide:
    """What a peering needs of the Aurora stack (its outputs, or tokens referring to them)."""

    region: str
    vpc_id: str
    vpc_cidr: str
    route_table_id: str
    security_group_id: str
    port: int


class RosaPeering(Construct):
    """Peers `rosa`'s VPC (requester, through `rosa_provider`) with the Aurora VPC
    (accepter, through `aurora_provider`).

    Acceptance is `auto_accept` on the request when both VPCs are in one account and
    region; otherwise an `aws_vpc_peering_connection_accepter` on the Aurora side.
    `rosa_region` is the ROSA cluster's region (the config fills in the Aurora region);
    the stack's tags are added by the stack.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        rosa: RosaClusterSpec,
        rosa_region: str,
        aurora: AuroraSide,
        rosa_provider: TerraformProvider,
        aurora_provider: TerraformProvider,
    ) -> None:
        super().__init__(scope, id_)
        cross_account = rosa.cross_account
        same_account_and_region = not cross_account and rosa_region == aurora.region

        self.rosa_vpc_id, vpc_found_by_tags = self._find_rosa_vpc(rosa, rosa_provider)
        if rosa.machine_cidr is not None:
            self.machine_cidr = str(rosa.machine_cidr)
        else:
            # Default: the whole ROSA VPC, which holds the machine CIDR. A VPC found by its
            # tags already carries its CIDR; otherwise look the VPC up by id.
            rosa_vpc = vpc_found_by_tags
            if rosa_vpc is None:
                rosa_vpc = DataAwsVpc(self, "rosa-vpc", provider=rosa_provider, id=self.rosa_vpc_id)
            self.machine_cidr = rosa_vpc.cidr_block

        # Both sides carry the same tags, or each apply would flip them.
        peering_tags = {"Name": f"{rosa.name}-to-aurora"}
        self.connection = VpcPeeringConnection(
            self,
            "connection",
            provider=rosa_provider,
            vpc_id=self.rosa_vpc_id,
            peer_vpc_id=aurora.vpc_id,
            peer_region=None if rosa_region == aurora.region else aurora.region,
            peer_owner_id=(
                DataAwsCallerIdentity(self, "aurora-account", provider=aurora_provider).account_id
                if cross_account
                else None
            ),
            auto_accept=True if same_account_and_region else None,
            tags=peering_tags,
        )
        self.connection_id = self.connection.id
        if not same_account_and_region:
            accepter = VpcPeeringConnectionAccepterA(
                self,
                "accepter",
                provider=aurora_provider,
                vpc_peering_connection_id=self.connection.id,
                auto_accept=True,
                # One AWS object: the accepter carries the connection's address tag too.
                tags={**peering_tags, **same_aws_object(self.connection)},
            )
            # Routes wait for acceptance: a route to a pending peering is rejected.
            self.connection_id = accepter.vpc_peering_connection_id

        # Routes to Aurora in the selected ROSA route tables, looked up at plan time.
        route_tables = DataAwsRouteTables(
            self,
            "rosa-route-tables",
            provider=rosa_provider,
            vpc_id=self.rosa_vpc_id,
            filter=(
                [DataAwsRouteTablesFilter(name="association.main", values=["true"])]
                if rosa.route_tables.mode == "main"
                else None
            ),
            tags=rosa.route_tables.tags if rosa.route_tables.mode == "tags" else None,
        )
        tables = TerraformIterator.from_list(route_tables.ids)
        Route(
            self,
            "route-to-aurora",
            provider=rosa_provider,
            for_each=tables,
            route_table_id=Token.as_string(tables.value),
            destination_cidr_block=aurora.vpc_cidr,
            vpc_peering_connection_id=self.connection_id,
        )

        # The return route; the guide leaves it out and replies are dropped without it.
        Route(
            self,
            "route-to-rosa",
            provider=aurora_provider,
            route_table_id=aurora.route_table_id,
            destination_cidr_block=self.machine_cidr,
            vpc_peering_connection_id=self.connection_id,
        )

        # Owned by this stack, so removing the cluster removes exactly its access.
        VpcSecurityGroupIngressRule(
            self,
            "postgresql-ingress",
            provider=aurora_provider,
            security_group_id=aurora.security_group_id,
            ip_protocol="tcp",
            from_port=aurora.port,
            to_port=aurora.port,
            cidr_ipv4=self.machine_cidr,
            description=f"PostgreSQL from ROSA cluster {rosa.name}",
            tags={"Name": f"{rosa.name}-postgresql"},
        )

    def _find_rosa_vpc(self, rosa: RosaClusterSpec, provider: TerraformProvider) -> tuple[str, DataAwsVpc | None]:
        """(ROSA VPC id, the VPC data source when found by tags): the id given, or found
        from a worker node's DNS name, or by tags."""
        finder = rosa.vpc
        if finder.id:
            return finder.id, None
        if finder.node_private_dns:
            # Guide: describe-instances --filters Name=private-dns-name,Values=<node>.
            node = DataAwsInstance(
                self,
                "rosa-node",
                provider=provider,
                filter=[DataAwsInstanceFilter(name="private-dns-name", values=[finder.node_private_dns])],
            )
            return DataAwsSubnet(self, "rosa-node-subnet", provider=provider, id=node.subnet_id).vpc_id, None
        vpc = DataAwsVpc(self, "rosa-vpc-by-tags", provider=provider, tags=finder.tags)
        return vpc.id, vpc
