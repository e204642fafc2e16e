"""What a failed peering guard says, written once for the Terraform guards and `make
preflight`.

Each message names the config field and both values: what the config says, and what AWS
has. The Terraform guards pass HCL expressions for what AWS has (rendered by Terraform
when the postcondition fails, see `hcl_template`); the preflight passes the values it
read. `field` is the cluster's config path, e.g. `rosa_clusters[0]`; `where` says where
it was looked for (`in_region`).
"""

from __future__ import annotations

from collections.abc import Mapping

from modules.config import RosaClusterSpec

#: What to use instead of a worker node's name (the guide's way, broken by node churn).
_LASTING_FINDERS = (
    "find the VPC by something that outlives a node: vpc.cluster_id (the ID `rosa describe cluster` prints) "
    "or vpc.id (`make find-vpc` prints it)"
)


def in_region(region: str, role_arn: str | None) -> str:
    """`in eu-west-1`, or `in us-east-1 through role <arn>` for a cluster in another account."""
    return f"in {region}" + (f" through role {role_arn}" if role_arn else "")


def vpc_id_not_found(field: str, vpc_id: str, where: str) -> str:
    return f"{field}.vpc.id = {vpc_id!r}: no such VPC {where}; check the id and the cluster's region and role_arn"


def vpc_tags_not_one(field: str, tags: Mapping[str, str], where: str, count: str, ids: str) -> str:
    return (
        f"{field}.vpc.tags = {dict(tags)!r}: matched {count} VPCs {where} ({ids}); exactly one must match: "
        "add a tag that only that VPC carries, or give vpc.id"
    )


def node_not_one(field: str, dns: str, where: str, count: str) -> str:
    return (
        f"{field}.vpc.node_private_dns = {dns!r}: matched {count} running EC2 instances {where}, need exactly one. "
        f"ROSA replaces worker nodes on upgrades and scale-downs, and a node's name goes with it: {_LASTING_FINDERS}"
    )


def cluster_nodes_missing(field: str, cluster_id: str, tag: str, where: str) -> str:
    return (
        f"{field}.vpc.cluster_id = {cluster_id!r}: no running EC2 instance {where} is tagged {tag}={cluster_id}; "
        "check the id (`rosa describe cluster -c <name>`: ID) and the cluster's region and role_arn. Nodes of "
        "ROSA classic may not carry that tag: give vpc.id instead (`make find-vpc` prints it from a node's name)"
    )


def cluster_nodes_in_several_vpcs(
    field: str, cluster_id: str, tag: str, where: str, in_vpc: str, total: str, vpc_id: str
) -> str:
    return (
        f"{field}.vpc.cluster_id = {cluster_id!r}: the running instances tagged {tag}={cluster_id} {where} are in "
        f"more than one VPC ({in_vpc} of {total} in {vpc_id}); give vpc.id"
    )


def machine_cidr_outside(field: str, machine_cidr: str, vpc_id: str, blocks: str) -> str:
    return (
        f"{field}.machine_cidr = {machine_cidr!r}: not inside the ROSA VPC {vpc_id}'s CIDR blocks ({blocks}), so "
        "Aurora would route to and admit addresses no ROSA node has; write the cluster's machine CIDR (`rosa "
        "describe cluster`: Machine CIDR) or leave machine_cidr out to use the VPC's"
    )


def aurora_overlaps(field: str, aurora_cidr: str, vpc_id: str, blocks: str) -> str:
    return (
        f"aurora.vpc_cidr = {aurora_cidr!r}: overlaps the CIDR blocks ({blocks}) of the ROSA VPC {vpc_id} found by "
        f"{field}.vpc; VPC peering needs disjoint address ranges"
    )


def no_route_table(field: str, rosa: RosaClusterSpec, vpc_id: str) -> str:
    selection = rosa.route_tables
    if selection.mode == "tags":
        chosen = f"{field}.route_tables.tags = {dict(selection.tags or {})!r}: no route table of"
    else:
        chosen = f"{field}.route_tables.mode = {selection.mode!r}: no route table in"
    return f"{chosen} the ROSA VPC {vpc_id} is selected, so no ROSA subnet would route to Aurora"


# --- as a Terraform error_message ------------------------------------------------------


_OPEN, _CLOSE = "\u27e6", "\u27e7"  # brackets no config value has, and repr() keeps


def placeholder(name: str) -> str:
    """A marker for a value Terraform fills in; see `hcl_template`."""
    return f"{_OPEN}{name}{_CLOSE}"


def hcl_template(text: str, expressions: Mapping[str, str]) -> str:
    """`text` as an HCL string template: everything literal (a config value holding `${`
    stays text), except each `placeholder(name)`, which becomes `${<expressions[name]>}`."""
    template = text.replace("${", "$${").replace("%{", "%%{")
    for name, expression in expressions.items():
        template = template.replace(placeholder(name), "${" + expression + "}")
    if _OPEN in template:
        raise ValueError(f"a placeholder has no expression: {text!r}")
    return template
