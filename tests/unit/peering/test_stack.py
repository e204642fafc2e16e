"""The synthesized `peering-<name>` stacks: one per ROSA cluster, each owning its access."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Synth, by_path, only, resources

REMOTE = "${data.terraform_remote_state.aurora-outputs.outputs"


@pytest.fixture
def site_a(example_stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_stacks["peering-rosa-site-a"]


def data(stack: dict[str, Any], data_type: str) -> dict[str, dict[str, Any]]:
    return stack.get("data", {}).get(data_type, {})


def test_one_peering_stack_per_rosa_cluster(example_stacks: dict[str, dict[str, Any]]) -> None:
    assert sorted(s for s in example_stacks if s.startswith("peering-")) == ["peering-rosa-site-a", "peering-rosa-site-b"]


def test_peering_stacks_depend_on_aurora(tmp_path: Any, example_data: dict[str, Any]) -> None:
    # The manifest is what `cdktf deploy '*'` / `cdktf destroy '*'` order stacks by.
    import json

    from tests.conftest import synth_stacks

    synth_stacks(example_data, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["stacks"]["aurora"]["dependencies"] == []
    assert manifest["stacks"]["peering-rosa-site-a"]["dependencies"] == ["aurora"]
    assert manifest["stacks"]["peering-rosa-site-b"]["dependencies"] == ["aurora"]


def test_reads_aurora_outputs_from_its_state(site_a: dict[str, Any]) -> None:
    remote = data(site_a, "terraform_remote_state")["aurora-outputs"]
    assert remote["backend"] == "s3"
    assert remote["config"]["key"] == "keycloak-aurora/aurora.tfstate"
    assert remote["config"]["bucket"] == "my-org-keycloak-aurora-tfstate"


def test_own_state(site_a: dict[str, Any]) -> None:
    assert site_a["terraform"]["backend"]["s3"]["key"] == "keycloak-aurora/peering-rosa-site-a.tfstate"


def test_rosa_vpc_found_by_the_cluster_id_on_its_running_nodes(site_a: dict[str, Any]) -> None:
    nodes = data(site_a, "aws_instances")
    assert {body["instance_tags"]["api.openshift.com/id"] for body in nodes.values()} == {"2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"}
    connection = only(site_a, "aws_vpc_peering_connection")
    assert connection["vpc_id"] == "${data.aws_subnet.peering_rosa-cluster-node-subnet_DBEAE514.vpc_id}"


def test_rosa_vpc_found_from_a_worker_node_as_the_guide_does(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][0]["vpc"] = {"node_private_dns": "ip-10-0-16-10.eu-west-1.compute.internal"}
    stack = synth(config_data)["peering-rosa-site-a"]
    node = only({"resource": stack["data"]}, "aws_instance")
    assert node["filter"] == [{"name": "private-dns-name", "values": ["ip-10-0-16-10.eu-west-1.compute.internal"]}]
    subnet = only({"resource": stack["data"]}, "aws_subnet")
    assert subnet["id"].endswith(".subnet_id}")
    connection = only(stack, "aws_vpc_peering_connection")
    assert connection["vpc_id"] == "${data.aws_subnet.peering_rosa-node-subnet_99B1E5FD.vpc_id}"


def test_guard_messages_name_the_clusters_place_in_the_config(example_stacks: dict[str, dict[str, Any]]) -> None:
    site_b = example_stacks["peering-rosa-site-b"]
    (vpc,) = data(site_b, "aws_vpc").values()
    messages = [guard["error_message"] for guard in vpc["lifecycle"]["postcondition"]]
    assert messages[0].startswith("rosa_clusters[1].machine_cidr = '10.1.0.0/16': not inside the ROSA VPC ${self.id}")
    # The Aurora CIDR is the one the aurora stack reports in its state.
    assert messages[1].startswith(f"aurora.vpc_cidr = '{REMOTE}.vpc_cidr}}': overlaps")


def test_rosa_vpc_found_by_tags(example_stacks: dict[str, dict[str, Any]]) -> None:
    site_b = example_stacks["peering-rosa-site-b"]
    vpc = only({"resource": site_b["data"]}, "aws_vpc")
    assert vpc["tags"] == {"Name": "rosa-site-b-vpc"}


def test_rosa_vpc_given_by_id(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][0]["vpc"] = {"id": "vpc-0123456789abcdef0"}
    stack = synth(config_data)["peering-rosa-site-a"]
    assert only(stack, "aws_vpc_peering_connection")["vpc_id"] == "vpc-0123456789abcdef0"
    assert "aws_instance" not in stack.get("data", {})


def test_same_account_and_region_auto_accepts(site_a: dict[str, Any]) -> None:
    connection = only(site_a, "aws_vpc_peering_connection")
    assert connection["auto_accept"] is True
    assert connection["peer_vpc_id"] == f"{REMOTE}.vpc_id}}"
    assert "peer_region" not in connection
    assert resources(site_a, "aws_vpc_peering_connection_accepter") == {}
    assert connection["tags"] == {
        "Name": "rosa-site-a-to-aurora",
        "RosaCluster": "rosa-site-a",
        "keycloak-aurora:deployment": "keycloak-aurora",
        "keycloak-aurora:address": "peering-rosa-site-a/aws_vpc_peering_connection.peering_connection_E7A626F9",
    }


def test_other_region_uses_an_accepter_with_the_same_tags(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][0]["region"] = "eu-central-1"
    stack = synth(config_data)["peering-rosa-site-a"]
    providers = {p.get("alias", "default"): p for p in stack["provider"]["aws"]}
    assert providers["default"]["region"] == "eu-central-1"
    assert providers["aurora"]["region"] == "eu-west-1"
    connection = only(stack, "aws_vpc_peering_connection")
    assert connection["peer_region"] == "eu-west-1"
    assert "auto_accept" not in connection
    accepter = only(stack, "aws_vpc_peering_connection_accepter")
    assert accepter["provider"] == "aws.aurora"
    assert accepter["auto_accept"] is True
    # One AWS object, one set of tags: both name the connection's address.
    assert accepter["tags"] == connection["tags"]
    assert accepter["tags"]["keycloak-aurora:address"] == (
        "peering-rosa-site-a/aws_vpc_peering_connection.peering_connection_E7A626F9"
    )
    # Routes wait for the acceptance.
    accepted = "${aws_vpc_peering_connection_accepter.peering_accepter_27D39713.vpc_peering_connection_id}"
    assert {r["vpc_peering_connection_id"] for r in resources(stack, "aws_route").values()} == {accepted}


def test_other_account_assumes_a_role_and_names_the_peer_owner(synth: Synth, config_data: dict[str, Any]) -> None:
    role = "arn:aws:iam::111122223333:role/rosa-peering"
    config_data["rosa_clusters"][0]["role_arn"] = role
    stack = synth(config_data)["peering-rosa-site-a"]
    providers = {p.get("alias", "default"): p for p in stack["provider"]["aws"]}
    assert providers["default"]["assume_role"] == [{"role_arn": role}]
    assert "assume_role" not in providers["aurora"]
    connection = only(stack, "aws_vpc_peering_connection")
    assert connection["peer_owner_id"].startswith("${data.aws_caller_identity.")
    assert only({"resource": stack["data"]}, "aws_caller_identity")["provider"] == "aws.aurora"
    assert len(resources(stack, "aws_vpc_peering_connection_accepter")) == 1


def test_route_to_aurora_in_every_rosa_route_table_by_default(site_a: dict[str, Any]) -> None:
    routes = by_path(site_a, "aws_route")
    to_aurora = routes["peering-rosa-site-a/peering/route-to-aurora"]
    assert to_aurora["for_each"] == "${toset(data.aws_route_tables.peering_rosa-route-tables_B0BAE662.ids)}"
    assert to_aurora["route_table_id"] == "${each.value}"
    assert to_aurora["destination_cidr_block"] == f"{REMOTE}.vpc_cidr}}"
    assert to_aurora["provider"] == "aws"
    tables = data(site_a, "aws_route_tables")["peering_rosa-route-tables_B0BAE662"]
    assert "filter" not in tables and "tags" not in tables


def test_route_tables_main_only(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][0]["route_tables"] = {"mode": "main"}
    tables = only({"resource": synth(config_data)["peering-rosa-site-a"]["data"]}, "aws_route_tables")
    assert tables["filter"] == [{"name": "association.main", "values": ["true"]}]


def test_route_tables_by_tags(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][0]["route_tables"] = {"mode": "tags", "tags": {"kubernetes.io/role/internal-elb": "1"}}
    tables = only({"resource": synth(config_data)["peering-rosa-site-a"]["data"]}, "aws_route_tables")
    assert tables["tags"] == {"kubernetes.io/role/internal-elb": "1"}


def test_return_route_in_the_aurora_route_table(site_a: dict[str, Any]) -> None:
    back = by_path(site_a, "aws_route")["peering-rosa-site-a/peering/route-to-rosa"]
    assert back["provider"] == "aws.aurora"
    assert back["route_table_id"] == f"{REMOTE}.route_table_id}}"
    assert back["destination_cidr_block"] == "10.0.0.0/16"
    assert back["vpc_peering_connection_id"] == "${aws_vpc_peering_connection.peering_connection_E7A626F9.id}"


def test_postgresql_ingress_from_the_machine_cidr_only(site_a: dict[str, Any]) -> None:
    rule = only(site_a, "aws_vpc_security_group_ingress_rule")
    assert rule["provider"] == "aws.aurora"
    assert rule["security_group_id"] == f"{REMOTE}.security_group_id}}"
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 5432, 5432)
    assert rule["cidr_ipv4"] == "10.0.0.0/16"
    assert rule["description"] == "PostgreSQL from ROSA cluster rosa-site-a"


def test_machine_cidr_defaults_to_the_rosa_vpc_cidr(synth: Synth, config_data: dict[str, Any]) -> None:
    del config_data["rosa_clusters"][0]["machine_cidr"]
    stack = synth(config_data)["peering-rosa-site-a"]
    vpc_cidr = "${data.aws_vpc.peering_rosa-vpc_2533FA5B.cidr_block}"
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == vpc_cidr
    assert by_path(stack, "aws_route")["peering-rosa-site-a/peering/route-to-rosa"]["destination_cidr_block"] == vpc_cidr


def test_machine_cidr_of_a_vpc_found_by_tags_comes_from_that_lookup(
    synth: Synth, config_data: dict[str, Any]
) -> None:
    del config_data["rosa_clusters"][1]["machine_cidr"]
    stack = synth(config_data)["peering-rosa-site-b"]
    # One lookup of the VPC, not a second one by the id the first one found.
    (address,) = data(stack, "aws_vpc")
    vpc_cidr = f"${{data.aws_vpc.{address}.cidr_block}}"
    assert data(stack, "aws_vpc")[address]["tags"] == {"Name": "rosa-site-b-vpc"}
    assert only(stack, "aws_vpc_security_group_ingress_rule")["cidr_ipv4"] == vpc_cidr
    assert by_path(stack, "aws_route")["peering-rosa-site-b/peering/route-to-rosa"]["destination_cidr_block"] == vpc_cidr


def test_no_rosa_clusters_means_only_the_aurora_stack(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"] = []
    assert list(synth(config_data)) == ["aurora"]


def test_local_backend_reads_aurora_state_from_the_local_file(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["state"] = {"backend": "local"}
    remote = data(synth(config_data)["peering-rosa-site-a"], "terraform_remote_state")["aurora-outputs"]
    assert remote == {"backend": "local", "config": {"path": "../../../state/aurora.tfstate"}}
