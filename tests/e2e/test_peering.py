"""The `peering-<name>` stacks deployed to moto: active peerings, routes both ways, 5432 rules.

Runs after test_aurora.py on the same session deployment. The last test here destroys
one peering stack and checks that exactly its resources are gone.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import AURORA_REGION, Deployment, RosaVpc
from tests.harness.terraform import terraform

pytestmark = pytest.mark.e2e


def _peering(d: Deployment, rosa: RosaVpc) -> dict[str, Any]:
    peering_id = d.outputs()[f"peering-{rosa.name}"]["peering_connection_id"]
    (connection,) = d.client("ec2", rosa.region).describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[peering_id]
    )["VpcPeeringConnections"]
    return connection


def _routes_via(d: Deployment, region: str, table_id: str, peering_id: str) -> list[str]:
    (table,) = d.client("ec2", region).describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    return [r["DestinationCidrBlock"] for r in table["Routes"] if r.get("VpcPeeringConnectionId") == peering_id]


def _ingress_cidrs(d: Deployment) -> dict[str, str]:
    group_id = d.outputs()["aurora"]["security_group_id"]
    rules = d.client("ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group_id]}]
    )["SecurityGroupRules"]
    return {
        r["CidrIpv4"]: r.get("Description", "")
        for r in rules
        if not r["IsEgress"] and r["IpProtocol"] == "tcp" and r["FromPort"] == r["ToPort"] == 5432
    }


@pytest.mark.parametrize("name", ["rosa-site-a", "rosa-site-b"])
def test_peering_is_active_between_rosa_and_aurora(deployment: Deployment, name: str) -> None:
    rosa = deployment.rosa[name]
    connection = _peering(deployment, rosa)
    assert connection["Status"]["Code"] == "active"
    assert connection["RequesterVpcInfo"]["VpcId"] == rosa.vpc_id
    assert connection["AccepterVpcInfo"]["VpcId"] == deployment.outputs()["aurora"]["vpc_id"]
    assert {t["Key"]: t["Value"] for t in connection.get("Tags", [])}["RosaCluster"] == name


def test_cross_region_peering_was_accepted_on_the_aurora_side(deployment: Deployment) -> None:
    connection = _peering(deployment, deployment.rosa["rosa-site-b"])
    assert connection["AccepterVpcInfo"].get("Region", AURORA_REGION) == AURORA_REGION
    assert connection["RequesterVpcInfo"].get("Region") in (None, "eu-central-1")


@pytest.mark.parametrize("name", ["rosa-site-a", "rosa-site-b"])
def test_every_rosa_route_table_routes_to_aurora(deployment: Deployment, name: str) -> None:
    rosa = deployment.rosa[name]
    peering_id = _peering(deployment, rosa)["VpcPeeringConnectionId"]
    for kind, table_id in rosa.route_table_ids.items():
        assert _routes_via(deployment, rosa.region, table_id, peering_id) == ["192.168.0.0/16"], kind


def test_aurora_route_table_routes_back_to_each_machine_cidr(deployment: Deployment) -> None:
    table_id = deployment.outputs()["aurora"]["route_table_id"]
    for name, cidr in (("rosa-site-a", "10.0.0.0/16"), ("rosa-site-b", "10.1.0.0/16")):
        peering_id = _peering(deployment, deployment.rosa[name])["VpcPeeringConnectionId"]
        assert _routes_via(deployment, AURORA_REGION, table_id, peering_id) == [cidr], name


def test_machine_cidr_defaults_to_the_rosa_vpc_cidr(deployment: Deployment) -> None:
    # rosa-site-b has no machine_cidr in the e2e config.
    assert deployment.outputs()["peering-rosa-site-b"]["machine_cidr"] == "10.1.0.0/16"


def test_postgresql_ingress_per_machine_cidr(deployment: Deployment) -> None:
    assert _ingress_cidrs(deployment) == {
        "10.0.0.0/16": "PostgreSQL from ROSA cluster rosa-site-a",
        "10.1.0.0/16": "PostgreSQL from ROSA cluster rosa-site-b",
    }


@pytest.mark.parametrize("stack", ["peering-rosa-site-a", "peering-rosa-site-b"])
def test_plan_after_deploy_shows_no_changes(deployment: Deployment, stack: str) -> None:
    result = terraform(
        ["plan", "-detailed-exitcode", "-input=false"], cwd=deployment.stack_dir(stack), env=deployment.env, ok_codes=(0, 2)
    )
    assert result.returncode == 0, f"drift after apply:\n{result.stdout[-5000:]}"


def test_destroying_one_peering_stack_leaves_the_other_cluster_working(deployment: Deployment) -> None:
    site_a, site_b = deployment.rosa["rosa-site-a"], deployment.rosa["rosa-site-b"]
    peering_a = _peering(deployment, site_a)["VpcPeeringConnectionId"]
    peering_b = _peering(deployment, site_b)["VpcPeeringConnectionId"]
    aurora_table = deployment.outputs()["aurora"]["route_table_id"]

    # WHEN only site A's stack is destroyed
    deployment.cdktf("destroy", "peering-rosa-site-a", "--auto-approve", "--skip-provider-lock")

    # THEN its peering, routes and rule are gone
    ec2 = deployment.client("ec2")
    states = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_a])["VpcPeeringConnections"]
    assert all(c["Status"]["Code"] == "deleted" for c in states)
    for table_id in site_a.route_table_ids.values():
        assert _routes_via(deployment, site_a.region, table_id, peering_a) == []
    assert _routes_via(deployment, AURORA_REGION, aurora_table, peering_a) == []
    assert "10.0.0.0/16" not in _ingress_cidrs(deployment)
    # AND site B keeps its peering, routes and rule
    assert _peering(deployment, site_b)["Status"]["Code"] == "active"
    assert _routes_via(deployment, AURORA_REGION, aurora_table, peering_b) == ["10.1.0.0/16"]
    for table_id in site_b.route_table_ids.values():
        assert _routes_via(deployment, site_b.region, table_id, peering_b) == ["192.168.0.0/16"]
    assert "10.1.0.0/16" in _ingress_cidrs(deployment)
    # AND the database was not touched: its plan is still empty
    result = terraform(["plan", "-detailed-exitcode", "-input=false"], cwd=deployment.stack_dir("aurora"),
                       env=deployment.env, ok_codes=(0, 2))
    assert result.returncode == 0, result.stdout[-3000:]
