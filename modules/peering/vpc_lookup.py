"""The ROSA VPC finder and route table selection in Python (boto3, read-only): the twin of
the data sources in `rosa_peering.py`, for `make preflight` and `make find-vpc`.

Same rules as the Terraform guards: a finder must match exactly one VPC (for a cluster id,
all of its running instances in one VPC); instances count only while running (AWS keeps
a terminated one visible for about an hour); a VPC's CIDR blocks are its associated
primary and secondary blocks. Failures carry the guards' messages (`messages.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules.config import RosaClusterSpec
from modules.peering import messages

RUNNING = {"Name": "instance-state-name", "Values": ["running"]}


class VpcNotFound(LookupError):
    """The finder matched no VPC, or several; the message says which and what to do."""


@dataclass(frozen=True)
class RosaVpc:
    """A ROSA VPC as found: its id, its primary CIDR and every associated block."""

    vpc_id: str
    cidr_block: str
    cidr_blocks: tuple[str, ...]


def instances(ec2: Any, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every instance matching `filters` (all pages), in id order."""
    found = [
        instance
        for page in ec2.get_paginator("describe_instances").paginate(Filters=filters)
        for reservation in page["Reservations"]
        for instance in reservation["Instances"]
    ]
    return sorted(found, key=lambda instance: instance["InstanceId"])


def vpc_ids(ec2: Any, filters: list[dict[str, Any]]) -> list[str]:
    """The ids of the VPCs matching `filters`, sorted."""
    pages = ec2.get_paginator("describe_vpcs").paginate(Filters=filters)
    return sorted(vpc["VpcId"] for page in pages for vpc in page["Vpcs"])


def describe_vpc(ec2: Any, vpc_id: str) -> RosaVpc:
    """The VPC `vpc_id` with its associated CIDR blocks (primary first)."""
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    blocks = tuple(
        association["CidrBlock"]
        for association in vpc.get("CidrBlockAssociationSet", [])
        if association.get("CidrBlockState", {}).get("State") == "associated"
    )
    return RosaVpc(vpc_id=vpc_id, cidr_block=vpc["CidrBlock"], cidr_blocks=blocks)


def _tag_filters(tags: dict[str, str]) -> list[dict[str, Any]]:
    return [{"Name": f"tag:{key}", "Values": [value]} for key, value in sorted(tags.items())]


def find_rosa_vpc(ec2: Any, rosa: RosaClusterSpec, field: str, where: str) -> RosaVpc:
    """The VPC `rosa.vpc` finds through `ec2` (a client in the cluster's region and
    account). Raises `VpcNotFound` with the guard's message; `field` is the cluster's
    config path (`rosa_clusters[0]`), `where` from `messages.in_region`."""
    finder = rosa.vpc
    if finder.cluster_id:
        tag = finder.cluster_tag_key
        nodes = instances(ec2, [*_tag_filters({tag: finder.cluster_id}), RUNNING])
        if not nodes:
            raise VpcNotFound(messages.cluster_nodes_missing(field, finder.cluster_id, tag, where))
        vpc_id = nodes[0]["VpcId"]  # the first in id order, as the guard reads it
        in_vpc = [node for node in nodes if node["VpcId"] == vpc_id]
        if len(in_vpc) != len(nodes):
            raise VpcNotFound(messages.cluster_nodes_in_several_vpcs(
                field, finder.cluster_id, tag, where, str(len(in_vpc)), str(len(nodes)), vpc_id
            ))
    elif finder.id:
        if len(vpc_ids(ec2, [{"Name": "vpc-id", "Values": [finder.id]}])) != 1:
            raise VpcNotFound(messages.vpc_id_not_found(field, finder.id, where))
        vpc_id = finder.id
    elif finder.node_private_dns:
        nodes = instances(ec2, [{"Name": "private-dns-name", "Values": [finder.node_private_dns]}, RUNNING])
        if len(nodes) != 1:
            raise VpcNotFound(messages.node_not_one(field, finder.node_private_dns, where, str(len(nodes))))
        vpc_id = nodes[0]["VpcId"]
    else:
        tags = dict(finder.tags or {})
        found = vpc_ids(ec2, _tag_filters(tags))
        if len(found) != 1:
            raise VpcNotFound(messages.vpc_tags_not_one(field, tags, where, str(len(found)), ", ".join(found) or "none"))
        (vpc_id,) = found
    return describe_vpc(ec2, vpc_id)


def selected_route_tables(ec2: Any, rosa: RosaClusterSpec, vpc_id: str) -> list[str]:
    """The ids of the ROSA route tables `rosa.route_tables` selects in `vpc_id`, sorted."""
    filters: list[dict[str, Any]] = [{"Name": "vpc-id", "Values": [vpc_id]}]
    selection = rosa.route_tables
    if selection.mode == "main":
        filters.append({"Name": "association.main", "Values": ["true"]})
    elif selection.mode == "tags":
        filters += _tag_filters(dict(selection.tags or {}))
    pages = ec2.get_paginator("describe_route_tables").paginate(Filters=filters)
    return sorted(table["RouteTableId"] for page in pages for table in page["RouteTables"])
