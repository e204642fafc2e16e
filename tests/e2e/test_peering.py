"""The `peering-<name>` stacks deployed to moto: active peerings, routes both ways, 5432 rules.

Runs after test_aurora.py on the same session deployment; test_teardown.py destroys one
peering stack, then everything.
"""

from __future__ import annotations

import pytest

from tests.e2e.aws_checks import ingress_cidrs, peering_of, routes_via
from tests.e2e.world import AURORA_REGION, Deployment

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", ["rosa-site-a", "rosa-site-b"])
def test_peering_is_active_between_rosa_and_aurora(deployment: Deployment, name: str) -> None:
    rosa = deployment.rosa[name]
    connection = peering_of(deployment, rosa)
    assert connection["Status"]["Code"] == "active"
    assert connection["RequesterVpcInfo"]["VpcId"] == rosa.vpc_id
    assert connection["AccepterVpcInfo"]["VpcId"] == deployment.outputs()["aurora"]["vpc_id"]
    assert {t["Key"]: t["Value"] for t in connection.get("Tags", [])}["RosaCluster"] == name


def test_cross_region_peering_was_accepted_on_the_aurora_side(deployment: Deployment) -> None:
    connection = peering_of(deployment, deployment.rosa["rosa-site-b"])
    assert connection["AccepterVpcInfo"].get("Region", AURORA_REGION) == AURORA_REGION
    assert connection["RequesterVpcInfo"].get("Region") in (None, "eu-central-1")


@pytest.mark.parametrize("name", ["rosa-site-a", "rosa-site-b"])
def test_every_rosa_route_table_routes_to_aurora(deployment: Deployment, name: str) -> None:
    rosa = deployment.rosa[name]
    peering_id = peering_of(deployment, rosa)["VpcPeeringConnectionId"]
    for kind, table_id in rosa.route_table_ids.items():
        assert routes_via(deployment, rosa.region, table_id, peering_id) == ["192.168.0.0/16"], kind


def test_aurora_route_table_routes_back_to_each_machine_cidr(deployment: Deployment) -> None:
    table_id = deployment.outputs()["aurora"]["route_table_id"]
    for name, cidr in (("rosa-site-a", "10.0.0.0/16"), ("rosa-site-b", "10.1.0.0/16")):
        peering_id = peering_of(deployment, deployment.rosa[name])["VpcPeeringConnectionId"]
        assert routes_via(deployment, AURORA_REGION, table_id, peering_id) == [cidr], name


def test_machine_cidr_defaults_to_the_rosa_vpc_cidr(deployment: Deployment) -> None:
    # rosa-site-b has no machine_cidr in the e2e config.
    assert deployment.outputs()["peering-rosa-site-b"]["machine_cidr"] == "10.1.0.0/16"


def test_postgresql_ingress_per_machine_cidr(deployment: Deployment) -> None:
    assert ingress_cidrs(deployment) == {
        "10.0.0.0/16": "PostgreSQL from ROSA cluster rosa-site-a",
        "10.1.0.0/16": "PostgreSQL from ROSA cluster rosa-site-b",
    }


@pytest.mark.parametrize("stack", ["peering-rosa-site-a", "peering-rosa-site-b"])
def test_plan_after_deploy_shows_no_changes(deployment: Deployment, stack: str) -> None:
    code, plan = deployment.plan_exit_code(stack)
    assert code == 0, f"drift after apply:\n{plan[-5000:]}"
