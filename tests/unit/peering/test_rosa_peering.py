"""`RosaPeering` on its own, in a bare stack: each way of finding the ROSA VPC and its guards,
each way of accepting the peering, each route table selection."""

from __future__ import annotations

from typing import Any

import pytest

from modules.config import RosaClusterSpec
from modules.peering import cidr
from modules.naming import ADDRESS_TAG
from tests.conftest import construct_json, data_sources, only, resources

AURORA_REGION = "eu-west-1"


def peering(rosa: dict[str, Any], *, rosa_region: str = AURORA_REGION) -> dict[str, Any]:
    """The JSON of a `RosaPeering` for the ROSA cluster `rosa` (config data) in a bare stack."""
    from modules.peering.rosa_peering import AuroraSide, RosaPeering
    from modules.providers import AwsProvider

    spec = RosaClusterSpec.model_validate({"name": "rosa-x", **rosa})

    def build(stack: Any) -> None:
        RosaPeering(
            stack,
            "peering",
            rosa=spec,
            rosa_region=rosa_region,
            config_field="rosa_clusters[0]",
            aurora=AuroraSide(
                region=AURORA_REGION, vpc_id="vpc-aurora", vpc_cidr="192.168.0.0/16",
                route_table_id="rtb-aurora", security_group_id="sg-aurora", port=5432,
            ),
            rosa_provider=AwsProvider(stack, "aws", region=rosa_region),
            aurora_provider=AwsProvider(stack, "aws-aurora", region=AURORA_REGION, alias="aurora"),
        )

    return construct_json(build)


def guards(body: dict[str, Any]) -> list[dict[str, str]]:
    """The postconditions of a data source's JSON body."""
    return body.get("lifecycle", {}).get("postcondition", [])


def test_vpc_by_id_is_checked_to_exist_and_read_for_its_cidr_blocks() -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16"})
    (vpcs_id, vpcs), = data_sources(stack, "aws_vpcs").items()
    assert vpcs["filter"] == [{"name": "vpc-id", "values": ["vpc-0123456789abcdef0"]}]
    assert guards(vpcs) == [{
        "condition": "${length(self.ids) == 1}",
        "error_message": "rosa_clusters[0].vpc.id = 'vpc-0123456789abcdef0': no such VPC in eu-west-1; check the id "
        "and the cluster's region and role_arn",
    }]
    (vpc,) = data_sources(stack, "aws_vpc").values()
    assert vpc["id"] == f"${{element(data.aws_vpcs.{vpcs_id}.ids, 0)}}"
    # The peering and the rule use the id and the machine CIDR as given.
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == "vpc-0123456789abcdef0"
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == "10.0.0.0/16"


def test_vpc_by_id_without_a_machine_cidr_reads_the_vpc_cidr() -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}})
    (vpc_id, vpc), = data_sources(stack, "aws_vpc").items()
    assert vpc_id.startswith("peering_rosa-vpc_")
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == f"${{data.aws_vpc.{vpc_id}.cidr_block}}"


def test_vpc_by_cluster_id_from_its_running_instances() -> None:
    stack = peering({"vpc": {"cluster_id": "2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"}, "machine_cidr": "10.0.0.0/16"})
    instances = {name.split("_")[1]: (name, body) for name, body in data_sources(stack, "aws_instances").items()}
    nodes_id, nodes = instances["rosa-cluster-nodes"]
    assert nodes["instance_tags"] == {"api.openshift.com/id": "2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"}
    assert nodes["instance_state_names"] == ["running"]
    assert guards(nodes)[0]["condition"] == "${length(self.ids) >= 1}"
    assert guards(nodes)[0]["error_message"].startswith(
        "rosa_clusters[0].vpc.cluster_id = '2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c': no running EC2 instance in eu-west-1 "
        "is tagged api.openshift.com/id=2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c; "
    )
    # One node (the first id in sorted order: the same one from plan to plan) gives the subnet, the subnet the VPC.
    (node_id, node), = data_sources(stack, "aws_instance").items()
    assert node["instance_id"] == f"${{element(sort(data.aws_instances.{nodes_id}.ids), 0)}}"
    (subnet_id, subnet), = data_sources(stack, "aws_subnet").items()
    assert subnet["id"] == f"${{data.aws_instance.{node_id}.subnet_id}}"
    vpc_of_node = f"${{data.aws_subnet.{subnet_id}.vpc_id}}"
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == vpc_of_node
    # Every running node of the cluster is in that VPC.
    _, in_vpc = instances["rosa-cluster-nodes-in-vpc"]
    assert in_vpc["instance_tags"] == nodes["instance_tags"]
    assert in_vpc["filter"] == [{"name": "vpc-id", "values": [vpc_of_node]}]
    assert guards(in_vpc)[0]["condition"] == f"${{length(self.ids) == length(data.aws_instances.{nodes_id}.ids)}}"
    assert guards(in_vpc)[0]["error_message"] == (
        "rosa_clusters[0].vpc.cluster_id = '2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c': the running instances tagged "
        "api.openshift.com/id=2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c in eu-west-1 are in more than one VPC "
        f"(${{length(self.ids)}} of ${{length(data.aws_instances.{nodes_id}.ids)}} in "
        f"${{data.aws_subnet.{subnet_id}.vpc_id}}); give vpc.id"
    )


def test_cluster_id_tag_can_be_another_one() -> None:
    stack = peering({"vpc": {"cluster_id": "owned", "cluster_id_tag": "kubernetes.io/cluster/rosa1-abcde"}})
    tags = {body["instance_tags"]["kubernetes.io/cluster/rosa1-abcde"] for body in data_sources(stack, "aws_instances").values()}
    assert tags == {"owned"}


def test_vpc_by_worker_node_dns_name_as_the_guide_does_running_nodes_only() -> None:
    dns = "ip-10-0-16-10.eu-west-1.compute.internal"
    stack = peering({"vpc": {"node_private_dns": dns}, "machine_cidr": "10.0.0.0/16"})
    (running_id, running), = data_sources(stack, "aws_instances").items()
    assert running["filter"] == [{"name": "private-dns-name", "values": [dns]}]
    assert running["instance_state_names"] == ["running"]
    assert guards(running) == [{
        "condition": "${length(self.ids) == 1}",
        "error_message": f"rosa_clusters[0].vpc.node_private_dns = '{dns}': matched ${{length(self.ids)}} running EC2 "
        "instances in eu-west-1, need exactly one. ROSA replaces worker nodes on upgrades and scale-downs, and a "
        "node's name goes with it: find the VPC by something that outlives a node: vpc.cluster_id (the ID `rosa "
        "describe cluster` prints) or vpc.id (`make find-vpc` prints it)",
    }]
    node = only({"resource": stack["data"]}, "aws_instance")
    assert node["filter"] == [{"name": "private-dns-name", "values": [dns]}]
    assert node["instance_id"] == f"${{element(data.aws_instances.{running_id}.ids, 0)}}"
    subnet_id, subnet = next(iter(data_sources(stack, "aws_subnet").items()))
    assert subnet["id"].startswith("${data.aws_instance.")
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == f"${{data.aws_subnet.{subnet_id}.vpc_id}}"


def test_vpc_by_tags_must_match_exactly_one_and_is_read_once_for_its_id_and_cidr() -> None:
    stack = peering({"vpc": {"tags": {"Name": "rosa-vpc"}}})
    (vpcs_id, vpcs), = data_sources(stack, "aws_vpcs").items()
    assert vpcs["tags"] == {"Name": "rosa-vpc"}
    assert guards(vpcs) == [{
        "condition": "${length(self.ids) == 1}",
        "error_message": "rosa_clusters[0].vpc.tags = {'Name': 'rosa-vpc'}: matched ${length(self.ids)} VPCs in "
        'eu-west-1 (${length(self.ids) == 0 ? "none" : join(", ", sort(self.ids))}); exactly one must match: add a tag '
        "that only that VPC carries, or give vpc.id",
    }]
    (vpc_id, vpc), = data_sources(stack, "aws_vpc").items()
    assert vpc["tags"] == {"Name": "rosa-vpc"}
    assert vpc["id"] == f"${{element(data.aws_vpcs.{vpcs_id}.ids, 0)}}"
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == f"${{data.aws_vpc.{vpc_id}.id}}"
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == f"${{data.aws_vpc.{vpc_id}.cidr_block}}"


@pytest.mark.parametrize("finder", [
    {"id": "vpc-0123456789abcdef0"}, {"cluster_id": "abc"}, {"node_private_dns": "ip-1"}, {"tags": {"Name": "x"}},
], ids=["id", "cluster_id", "node_private_dns", "tags"])
def test_every_finder_guards_the_machine_cidr_and_the_overlap_with_aurora(finder: dict[str, Any]) -> None:
    stack = peering({"vpc": finder, "machine_cidr": "10.9.0.0/16"})
    (vpc,) = data_sources(stack, "aws_vpc").values()
    fits, disjoint = guards(vpc)
    blocks = '[for a in self.cidr_block_associations : a.cidr_block if a.state == "associated"]'
    assert fits["condition"] == "${" + cidr.hcl_fits_one_of('"10.9.0.0/16"', blocks) + "}"
    assert fits["error_message"] == (
        "rosa_clusters[0].machine_cidr = '10.9.0.0/16': not inside the ROSA VPC ${self.id}'s CIDR blocks "
        f'(${{join(", ", {blocks})}}), so Aurora would route to and admit addresses no ROSA node has; write the '
        "cluster's machine CIDR (`rosa describe cluster`: Machine CIDR) or leave machine_cidr out to use the VPC's"
    )
    overlapping = cidr.hcl_overlapping(blocks, '"192.168.0.0/16"')
    assert disjoint["condition"] == "${length(" + overlapping + ") == 0}"
    assert disjoint["error_message"] == (
        f"aurora.vpc_cidr = '${{\"192.168.0.0/16\"}}': overlaps the CIDR blocks (${{join(\", \", {overlapping})}}) "
        "of the ROSA VPC ${self.id} found by rosa_clusters[0].vpc; VPC peering needs disjoint address ranges"
    )


def test_without_a_machine_cidr_only_the_overlap_is_guarded() -> None:
    # The default machine CIDR is the VPC's primary block: inside the VPC by definition.
    (vpc,) = data_sources(peering({"vpc": {"id": "vpc-0123456789abcdef0"}}), "aws_vpc").values()
    assert [g["error_message"].split(" =")[0] for g in guards(vpc)] == ["aurora.vpc_cidr"]


def test_same_account_and_region_accepts_on_the_request() -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16"})
    connection = only(stack, "aws_vpc_peering_connection")
    assert connection["auto_accept"] is True
    assert "peer_region" not in connection and "peer_owner_id" not in connection
    assert resources(stack, "aws_vpc_peering_connection_accepter") == {}


@pytest.mark.parametrize(
    ("rosa", "rosa_region", "peer_region", "owner_lookup"),
    [
        ({}, "eu-central-1", AURORA_REGION, False),
        ({"role_arn": "arn:aws:iam::222222222222:role/peering"}, AURORA_REGION, None, True),
        ({"role_arn": "arn:aws:iam::222222222222:role/peering"}, "us-east-1", AURORA_REGION, True),
    ],
    ids=["other region", "other account", "other account and region"],
)
def test_otherwise_the_aurora_side_accepts(rosa: dict[str, Any], rosa_region: str, peer_region: str | None,
                                          owner_lookup: bool) -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16", **rosa},
                    rosa_region=rosa_region)
    connection = only(stack, "aws_vpc_peering_connection")
    assert "auto_accept" not in connection
    assert connection.get("peer_region") == peer_region
    identity = data_sources(stack, "aws_caller_identity")
    assert bool(identity) is owner_lookup
    if owner_lookup:
        (identity_id, body), = identity.items()
        assert body["provider"] == "aws.aurora"
        assert connection["peer_owner_id"] == f"${{data.aws_caller_identity.{identity_id}.account_id}}"
    accepter = only(stack, "aws_vpc_peering_connection_accepter")
    assert accepter["provider"] == "aws.aurora"
    assert accepter["auto_accept"] is True
    # One AWS object: the accepter names the connection's address (the stack's tag_resources adds
    # the same address tag to the connection, tests/unit/aws/test_tagging.py).
    (connection_id,) = resources(stack, "aws_vpc_peering_connection")
    assert accepter["tags"] == {
        **connection["tags"], ADDRESS_TAG: f"test/aws_vpc_peering_connection.{connection_id}"
    }
    # Routes wait for the acceptance.
    for route in resources(stack, "aws_route").values():
        assert route["vpc_peering_connection_id"].startswith("${aws_vpc_peering_connection_accepter.")


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"mode": "all"}, "rosa_clusters[0].route_tables.mode = 'all': no route table in"),
        ({"mode": "main"}, "rosa_clusters[0].route_tables.mode = 'main': no route table in"),
        ({"mode": "tags", "tags": {"Tier": "private"}}, "rosa_clusters[0].route_tables.tags = {'Tier': 'private'}: no route table of"),
    ],
)
def test_at_least_one_route_table_must_be_selected(selection: dict[str, Any], message: str) -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "route_tables": selection})
    tables = only({"resource": stack["data"]}, "aws_route_tables")
    assert guards(tables) == [{
        "condition": "${length(self.ids) >= 1}",
        "error_message": f"{message} the ROSA VPC ${{self.vpc_id}} is selected, so no ROSA subnet would route to Aurora",
    }]


@pytest.mark.parametrize(
    ("selection", "expected_filter", "expected_tags"),
    [
        ({"mode": "all"}, None, None),
        ({"mode": "main"}, [{"name": "association.main", "values": ["true"]}], None),
        ({"mode": "tags", "tags": {"Tier": "private"}}, None, {"Tier": "private"}),
    ],
)
def test_route_tables_selected(selection: dict[str, Any], expected_filter: Any, expected_tags: Any) -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16", "route_tables": selection})
    tables = only({"resource": stack["data"]}, "aws_route_tables")
    assert tables["vpc_id"] == "vpc-0123456789abcdef0"
    assert tables.get("filter") == expected_filter
    assert tables.get("tags") == expected_tags


def test_routes_both_ways_and_the_postgresql_rule() -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16"})
    routes = {name.split("_")[1]: body for name, body in resources(stack, "aws_route").items()}
    (connection_id,) = resources(stack, "aws_vpc_peering_connection")
    assert routes["route-to-aurora"]["destination_cidr_block"] == "192.168.0.0/16"
    assert routes["route-to-aurora"]["for_each"].startswith("${toset(data.aws_route_tables.")
    assert routes["route-to-rosa"] == {
        "provider": "aws.aurora",
        "route_table_id": "rtb-aurora",
        "destination_cidr_block": "10.0.0.0/16",
        "vpc_peering_connection_id": f"${{aws_vpc_peering_connection.{connection_id}.id}}",
    }
    rule = only(stack, "aws_vpc_security_group_ingress_rule")
    assert (rule["security_group_id"], rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("sg-aurora", "tcp", 5432, 5432)
    assert rule["provider"] == "aws.aurora"
