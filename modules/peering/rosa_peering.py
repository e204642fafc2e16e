"""VPC peering between one ROSA cluster and the Aurora VPC, with routes both ways.

Implements the guide's "Establish a peering connection with a ROSA cluster": find the ROSA
VPC (`describe-instances --filters private-dns-name=<worker>`), `create-vpc-peering-
connection`, `accept-vpc-peering-connection`, a route to the Aurora CIDR in the ROSA route
table, and `authorize-security-group-ingress --protocol tcp --port 5432 --cidr
<machine CIDR>`. Beyond the guide: the return route from the Aurora route table to the
machine CIDR, without which replies from the database are dropped (the upstream
benchmark scripts add it too), and routes in every ROSA route table by default, since
ROSA nodes sit in private subnets with route tables of their own.

Beyond the guide too: the ROSA VPC can be found by the cluster's id on its running
instances, which outlives any node (the guide's worker node name stops matching once ROSA
replaces that node), and guards. Lifecycle postconditions on the data sources that find
and read the ROSA VPC stop the plan, before anything is created, when the finder matches
no VPC or several, when `machine_cidr` is not inside the VPC's CIDR blocks, when the
VPC overlaps the Aurora VPC, or when no ROSA route table is selected; each message names
the config field and both values (`messages.py`). Postconditions, not `check` blocks: a
failed check is only a warning and the apply goes on. The data sources depend on the
config and the Aurora state only, so Terraform reads them, and checks, at plan time.

Construct ids are Terraform addresses: renaming one recreates that route or rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Postcondition, TerraformIterator, TerraformProvider, TerraformResourceLifecycle, Token
from constructs import Construct

from modules.aws.tagging import same_aws_object
from modules.construct_tree import expression, reference
from modules.config import RosaClusterSpec
from modules.peering import cidr, messages
from modules.peering.messages import placeholder
from modules.providers import (
    DataAwsCallerIdentity,
    DataAwsInstance,
    DataAwsInstanceFilter,
    DataAwsInstances,
    DataAwsInstancesFilter,
    DataAwsRouteTables,
    DataAwsRouteTablesFilter,
    DataAwsSubnet,
    DataAwsVpc,
    DataAwsVpcs,
    DataAwsVpcsFilter,
    Route,
    VpcPeeringConnection,
    VpcPeeringConnectionAccepterA,
    VpcSecurityGroupIngressRule,
)

#: The CIDR blocks of a `data.aws_vpc` (primary and secondary), as HCL on `self`.
_VPC_BLOCKS = '[for a in self.cidr_block_associations : a.cidr_block if a.state == "associated"]'
#: The ids of a plural data source as a message part: `none` or a sorted list.
_IDS = 'length(self.ids) == 0 ? "none" : join(", ", sort(self.ids))'


def _guard(condition: str, message: str, **expressions: str) -> Postcondition:
    """A postcondition: `condition` (HCL) must hold, else the plan stops with `message`, whose
    `placeholder(name)`s Terraform fills from `expressions` (HCL, usually on `self`)."""
    return Postcondition(condition="${" + condition + "}", error_message=messages.hcl_template(message, expressions))


def _guarded(*guards: Postcondition) -> TerraformResourceLifecycle:
    return TerraformResourceLifecycle(postcondition=list(guards))


def _hcl_value(value: str) -> str:
    """A string for use inside an HCL expression: a token as its bare reference (cdktf
    resolves a token inside `${...}` without the braces), anything else as a literal."""
    return value if Token.is_unresolved(value) else cidr.hcl_string(value)


def _first(data_source: Construct) -> str:
    """The first of a plural data source's `ids`, as cdktf renders `Fn.element(ids, 0)`."""
    return f"${{element({expression(data_source, 'ids')}, 0)}}"


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
    `config_field` the cluster's place in the config (`rosa_clusters[0]`), which the
    guards' messages name; the stack's tags are added by the stack.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        rosa: RosaClusterSpec,
        rosa_region: str,
        config_field: str,
        aurora: AuroraSide,
        rosa_provider: TerraformProvider,
        aurora_provider: TerraformProvider,
    ) -> None:
        super().__init__(scope, id_)
        cross_account = rosa.cross_account
        same_account_and_region = not cross_account and rosa_region == aurora.region
        self._rosa = rosa
        self._field = config_field
        self._where = messages.in_region(rosa_region, rosa.role_arn)
        self._provider = rosa_provider

        self.rosa_vpc_id, rosa_vpc = self._find_rosa_vpc(self._vpc_guards(aurora.vpc_cidr))
        # Default: the whole ROSA VPC's primary block, which holds the machine CIDR.
        self.machine_cidr = str(rosa.machine_cidr) if rosa.machine_cidr is not None else rosa_vpc.cidr_block

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
        self.connection_id = reference(self.connection, "id")  # computed in Python: no round trip
        if not same_account_and_region:
            accepter = VpcPeeringConnectionAccepterA(
                self,
                "accepter",
                provider=aurora_provider,
                vpc_peering_connection_id=self.connection_id,
                auto_accept=True,
                # One AWS object: the accepter carries the connection's address tag too.
                tags={**peering_tags, **same_aws_object(self.connection)},
            )
            # Routes wait for acceptance: a route to a pending peering is rejected.
            self.connection_id = reference(accepter, "vpc_peering_connection_id")

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
            lifecycle=_guarded(
                _guard(
                    "length(self.ids) >= 1",
                    messages.no_route_table(config_field, rosa, placeholder("vpc")),
                    vpc="self.vpc_id",
                )
            ),
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

    def _vpc_guards(self, aurora_cidr: str) -> list[Postcondition]:
        """The guards on the `data.aws_vpc` of the ROSA VPC: `machine_cidr` inside one of
        its CIDR blocks (when given; the default is its primary block), and none of its
        blocks overlapping the Aurora VPC (`aurora_cidr`, the Aurora stack's output)."""
        guards = []
        machine_cidr = self._rosa.machine_cidr
        if machine_cidr is not None:
            guards.append(
                _guard(
                    cidr.hcl_fits_one_of(cidr.hcl_string(str(machine_cidr)), _VPC_BLOCKS),
                    messages.machine_cidr_outside(self._field, str(machine_cidr), placeholder("vpc"), placeholder("blocks")),
                    vpc="self.id",
                    blocks=f'join(", ", {_VPC_BLOCKS})',
                )
            )
        overlapping = cidr.hcl_overlapping(_VPC_BLOCKS, _hcl_value(aurora_cidr))
        guards.append(
            _guard(
                f"length({overlapping}) == 0",
                messages.aurora_overlaps(self._field, placeholder("aurora"), placeholder("vpc"), placeholder("blocks")),
                aurora=_hcl_value(aurora_cidr),
                vpc="self.id",
                blocks=f'join(", ", {overlapping})',
            )
        )
        return guards

    def _find_rosa_vpc(self, vpc_guards: list[Postcondition]) -> tuple[str, DataAwsVpc]:
        """(the ROSA VPC id the peering uses, the `data.aws_vpc` reading its CIDR blocks
        and carrying `vpc_guards`), by the finder the config gives. Each finder's own
        guard says when it matches no VPC, or several."""
        finder = self._rosa.vpc
        if finder.cluster_id:
            return self._by_cluster_id(finder.cluster_id, finder.cluster_tag_key, vpc_guards)
        if finder.id:
            return self._by_id(finder.id, vpc_guards)
        if finder.node_private_dns:
            return self._by_node(finder.node_private_dns, vpc_guards)
        return self._by_tags(dict(finder.tags or {}), vpc_guards)

    def _by_cluster_id(self, cluster_id: str, tag: str, vpc_guards: list[Postcondition]) -> tuple[str, DataAwsVpc]:
        # The cluster's running instances (ROSA tags each with the cluster's id), whichever
        # they are today: the VPC is that of any one of them, and all must share it.
        node_tags = {tag: cluster_id}
        nodes = DataAwsInstances(
            self,
            "rosa-cluster-nodes",
            provider=self._provider,
            instance_tags=node_tags,
            instance_state_names=["running"],
            lifecycle=_guarded(
                _guard(
                    "length(self.ids) >= 1",
                    messages.cluster_nodes_missing(self._field, cluster_id, tag, self._where),
                )
            ),
        )
        # The first id in sorted order, so that the node read is the same from plan to plan.
        node = DataAwsInstance(
            self,
            "rosa-cluster-node",
            provider=self._provider,
            instance_id=f"${{element(sort({expression(nodes, 'ids')}), 0)}}",
        )
        subnet = DataAwsSubnet(self, "rosa-cluster-node-subnet", provider=self._provider, id=reference(node, "subnet_id"))
        vpc_id = reference(subnet, "vpc_id")
        DataAwsInstances(
            self,
            "rosa-cluster-nodes-in-vpc",
            provider=self._provider,
            instance_tags=node_tags,
            instance_state_names=["running"],
            filter=[DataAwsInstancesFilter(name="vpc-id", values=[vpc_id])],
            lifecycle=_guarded(
                _guard(
                    f"length(self.ids) == length({expression(nodes, 'ids')})",
                    messages.cluster_nodes_in_several_vpcs(
                        self._field, cluster_id, tag, self._where,
                        in_vpc=placeholder("in_vpc"), total=placeholder("total"), vpc_id=placeholder("vpc"),
                    ),
                    in_vpc="length(self.ids)",
                    total=f"length({expression(nodes, 'ids')})",
                    vpc=expression(subnet, "vpc_id"),
                )
            ),
        )
        vpc = DataAwsVpc(self, "rosa-vpc", provider=self._provider, id=vpc_id, lifecycle=_guarded(*vpc_guards))
        return vpc_id, vpc

    def _by_id(self, vpc_id: str, vpc_guards: list[Postcondition]) -> tuple[str, DataAwsVpc]:
        # A plural lookup first: an unknown id then fails with a message naming the field,
        # not the provider's "no matching EC2 VPC found".
        vpcs = DataAwsVpcs(
            self,
            "rosa-vpcs",
            provider=self._provider,
            filter=[DataAwsVpcsFilter(name="vpc-id", values=[vpc_id])],
            lifecycle=_guarded(
                _guard("length(self.ids) == 1", messages.vpc_id_not_found(self._field, vpc_id, self._where))
            ),
        )
        vpc = DataAwsVpc(
            self, "rosa-vpc", provider=self._provider, id=_first(vpcs), lifecycle=_guarded(*vpc_guards)
        )
        return vpc_id, vpc

    def _by_node(self, dns: str, vpc_guards: list[Postcondition]) -> tuple[str, DataAwsVpc]:
        # Guide: describe-instances --filters Name=private-dns-name,Values=<node>, here of
        # running instances only: a terminated node stays visible for about an hour, and
        # its VPC would be read without a word until it is gone.
        by_name = [DataAwsInstancesFilter(name="private-dns-name", values=[dns])]
        running = DataAwsInstances(
            self,
            "rosa-node-running",
            provider=self._provider,
            filter=by_name,
            instance_state_names=["running"],
            lifecycle=_guarded(
                _guard(
                    "length(self.ids) == 1",
                    messages.node_not_one(self._field, dns, self._where, placeholder("count")),
                    count="length(self.ids)",
                )
            ),
        )
        node = DataAwsInstance(
            self,
            "rosa-node",
            provider=self._provider,
            instance_id=_first(running),
            filter=[DataAwsInstanceFilter(name="private-dns-name", values=[dns])],
        )
        subnet = DataAwsSubnet(self, "rosa-node-subnet", provider=self._provider, id=reference(node, "subnet_id"))
        vpc_id = reference(subnet, "vpc_id")
        vpc = DataAwsVpc(self, "rosa-vpc", provider=self._provider, id=vpc_id, lifecycle=_guarded(*vpc_guards))
        return vpc_id, vpc

    def _by_tags(self, tags: dict[str, str], vpc_guards: list[Postcondition]) -> tuple[str, DataAwsVpc]:
        # A plural lookup first, so that none or several matches name the field.
        vpcs = DataAwsVpcs(
            self,
            "rosa-vpcs",
            provider=self._provider,
            tags=tags,
            lifecycle=_guarded(
                _guard(
                    "length(self.ids) == 1",
                    messages.vpc_tags_not_one(self._field, tags, self._where, placeholder("count"), placeholder("ids")),
                    count="length(self.ids)",
                    ids=_IDS,
                )
            ),
        )
        vpc = DataAwsVpc(
            self,
            "rosa-vpc-by-tags",
            provider=self._provider,
            id=_first(vpcs),
            tags=tags,
            lifecycle=_guarded(*vpc_guards),
        )
        return reference(vpc, "id"), vpc
