"""`RosaPeering` on its own, in a bare stack: each way of finding the ROSA VPC, each way of
accepting the peering, each route table selection."""

from __future__ import annotations

from typing import Any

import pytest

from modules.config import RosaClusterSpec
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
            aurora=AuroraSide(
                region=AURORA_REGION, vpc_id="vpc-aurora", vpc_cidr="192.168.0.0/16",
                route_table_id="rtb-aurora", security_group_id="sg-aurora", port=5432,
            ),
            rosa_provider=AwsProvider(stack, "aws", region=rosa_region),
            aurora_provider=AwsProvider(stack, "aws-aurora", region=AURORA_REGION, alias="aurora"),
        )

    return construct_json(build)


def test_vpc_by_id_with_a_machine_cidr_needs_no_lookup() -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16"})
    assert set(stack["data"]) == {"aws_route_tables"}
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == "vpc-0123456789abcdef0"
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == "10.0.0.0/16"


def test_vpc_by_id_without_a_machine_cidr_reads_the_vpc_cidr() -> None:
    stack = peering({"vpc": {"id": "vpc-0123456789abcdef0"}})
    (vpc_id, vpc), = data_sources(stack, "aws_vpc").items()
    assert vpc_id.startswith("peering_rosa-vpc_")
    assert vpc["id"] == "vpc-0123456789abcdef0"
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == f"${{data.aws_vpc.{vpc_id}.cidr_block}}"


def test_vpc_by_worker_node_dns_name_as_the_guide_does() -> None:
    stack = peering({"vpc": {"node_private_dns": "ip-10-0-16-10.eu-west-1.compute.internal"}, "machine_cidr": "10.0.0.0/16"})
    node = only({"resource": stack["data"]}, "aws_instance")
    assert node["filter"] == [{"name": "private-dns-name", "values": ["ip-10-0-16-10.eu-west-1.compute.internal"]}]
    subnet_id, subnet = next(iter(data_sources(stack, "aws_subnet").items()))
    assert subnet["id"].startswith("${data.aws_instance.")
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == f"${{data.aws_subnet.{subnet_id}.vpc_id}}"


def test_vpc_by_tags_is_looked_up_once_for_its_id_and_cidr() -> None:
    stack = peering({"vpc": {"tags": {"Name": "rosa-vpc"}}})
    (vpc_id, vpc), = data_sources(stack, "aws_vpc").items()
    assert vpc["tags"] == {"Name": "rosa-vpc"}
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == f"${{data.aws_vpc.{vpc_id}.id}}"
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == f"${{data.aws_vpc.{vpc_id}.cidr_block}}"


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
    # One AWS object: the accepter names the connection's address (the stack's aspect adds
    # the same address tag to the connection, tests/unit/aws/test_tagging.py).
    (connection_id,) = resources(stack, "aws_vpc_peering_connection")
    assert accepter["tags"] == {
        **connection["tags"], ADDRESS_TAG: f"test/aws_vpc_peering_connection.{connection_id}"
    }
    # Routes wait for the acceptance.
    for route in resources(stack, "aws_route").values():
        assert route["vpc_peering_connection_id"].startswith("${aws_vpc_peering_connection_accepter.")


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
