"""The `peering-<name>` stacks deployed to moto: active peerings, routes both ways, 5432 rules,
for a cluster in the Aurora region, one in another region and one in another account and
region (`rosa-partner`, reached through its `role_arn`).

Each side is read with its own account's credentials (`tests/e2e/aws_checks.py`). moto
keeps accounts apart as AWS does (a VPC of account 222222222222 is invisible to
123456789012), but it differs on two points this module works around and says where:

* A cross-account request is `pending-acceptance` on AWS, in both accounts, until the
  accepter accepts it. moto answers the create with `initiating-request` and describes it
  as `pending-acceptance` afterwards; the provider waits for either of those, so what the
  requester leaves behind is read from its state, not from the emulator.
* On AWS each account sees its own tags on a cross-account (or cross-region) peering
  connection: the requester's in its account, the accepter's in the database's. moto
  keeps ONE connection object and shows the requester's tags to both accounts, while the
  accepter's `CreateTags` lands in the database account's tag table. So the tags each side
  wrote are read with `DescribeTags` in each account (a `tag:` filter on
  `DescribeVpcPeeringConnections` would prove nothing: moto 5.2.5 ignores its filters).

Runs after test_aurora.py on the same session deployment; test_teardown.py retires the
partner through the config, then destroys one other peering stack, then everything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG
from tests.e2e.aws_checks import (
    accepted_peering_of,
    aurora_routes_via,
    ingress_cidrs,
    peering_id_of,
    peering_of,
    rosa_routes_via,
)
from tests.e2e.world import AURORA_REGION, PARTNER, PARTNER_ACCOUNT, PARTNER_REGION, STATE_BUCKET, STATE_PREFIX, Deployment

pytestmark = pytest.mark.e2e

CLUSTERS = ["rosa-site-a", "rosa-site-b", PARTNER]
#: The clusters whose peering is accepted by an accepter on the Aurora side (another region or account).
ACCEPTED = ["rosa-site-b", PARTNER]


@pytest.fixture(scope="module")
def database_account(deployment: Deployment) -> str:
    return deployment.client("sts").get_caller_identity()["Account"]


@pytest.mark.parametrize("name", CLUSTERS)
def test_peering_is_active_on_both_sides(deployment: Deployment, database_account: str, name: str) -> None:
    rosa = deployment.rosa[name]
    # as the ROSA side (requester) sees it, in its account and region
    requested = peering_of(deployment, rosa)
    assert requested["Status"]["Code"] == "active"
    assert requested["RequesterVpcInfo"]["VpcId"] == rosa.vpc_id
    assert requested["AccepterVpcInfo"]["VpcId"] == deployment.outputs()["aurora"]["vpc_id"]
    assert {t["Key"]: t["Value"] for t in requested.get("Tags", [])}["RosaCluster"] == name
    # as the Aurora side (accepter) sees it, with the database account's credentials
    accepted = accepted_peering_of(deployment, rosa)
    assert accepted["Status"]["Code"] == "active"
    assert (accepted["RequesterVpcInfo"]["VpcId"], accepted["AccepterVpcInfo"]["VpcId"]) == (
        rosa.vpc_id, deployment.outputs()["aurora"]["vpc_id"]
    )
    assert accepted["AccepterVpcInfo"]["OwnerId"] == database_account
    assert accepted["RequesterVpcInfo"]["OwnerId"] == (PARTNER_ACCOUNT if rosa.role_arn else database_account)


def test_cross_region_peering_was_accepted_on_the_aurora_side(deployment: Deployment) -> None:
    connection = peering_of(deployment, deployment.rosa["rosa-site-b"])
    assert connection["AccepterVpcInfo"].get("Region", AURORA_REGION) == AURORA_REGION
    assert connection["RequesterVpcInfo"].get("Region") in (None, "eu-central-1")


def test_the_partner_vpc_is_in_another_account(deployment: Deployment) -> None:
    # What makes the partner's checks mean something: the database account does not see
    # the partner's VPC, in any region; the partner's role does.
    partner = deployment.rosa[PARTNER]
    for region in (PARTNER_REGION, AURORA_REGION):
        with pytest.raises(ClientError, match="InvalidVpcID.NotFound"):
            deployment.client("ec2", region).describe_vpcs(VpcIds=[partner.vpc_id])
    (vpc,) = deployment.rosa_client(partner, "ec2").describe_vpcs(VpcIds=[partner.vpc_id])["Vpcs"]
    assert vpc["OwnerId"] == PARTNER_ACCOUNT


def peering_in_state(deployment: Deployment, stack: str) -> dict[str, dict[str, Any]]:
    """{type: attributes} of the connection and the accepter in `stack`'s state object, as the
    deploy wrote them (plans do not write state)."""
    body = deployment.client("s3").get_object(Bucket=STATE_BUCKET, Key=f"{STATE_PREFIX}/{stack}.tfstate")["Body"]
    resources = json.loads(body.read())["resources"]
    return {r["type"]: r["instances"][0]["attributes"] for r in resources
            if r["mode"] == "managed" and r["type"].startswith("aws_vpc_peering_connection")}


def test_the_partner_requested_the_peering_and_the_database_account_accepted_it(
    deployment: Deployment, database_account: str
) -> None:
    # The state as the deploy wrote it: the request, made in the partner's account through
    # its role, names the database account and region as the peer and does not accept
    # itself (it cannot: only the accepter's account may); it stayed pending-acceptance
    # (as AWS reports it in both accounts) until the accepter, with the database account's
    # credentials, accepted it.
    resources = peering_in_state(deployment, f"peering-{PARTNER}")
    request, accepter = resources["aws_vpc_peering_connection"], resources["aws_vpc_peering_connection_accepter"]
    assert (request["peer_owner_id"], request["peer_region"]) == (database_account, AURORA_REGION)
    assert not request["auto_accept"]
    assert request["accept_status"] == "pending-acceptance"
    assert accepter["auto_accept"] is True
    assert accepter["accept_status"] == "active"
    assert accepter["vpc_peering_connection_id"] == request["id"] == peering_id_of(deployment, deployment.rosa[PARTNER])


def tags_written(ec2: Any, resource_id: str) -> dict[str, str]:
    """The tags the caller's account holds on `resource_id` (DescribeTags, not the object's view)."""
    found = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [resource_id]}])["Tags"]
    return {t["Key"]: t["Value"] for t in found}


@pytest.mark.parametrize("name", ACCEPTED)
def test_the_connection_and_its_accepter_carry_the_same_tags(deployment: Deployment, name: str) -> None:
    rosa = deployment.rosa[name]
    peering_id = peering_id_of(deployment, rosa)
    requester_tags = tags_written(deployment.rosa_client(rosa, "ec2"), peering_id)
    accepter_tags = tags_written(deployment.client("ec2"), peering_id)
    # One AWS object, one address: the accepter carries the connection's address tag.
    connection_address = accepter_tags.pop(ADDRESS_TAG)
    assert connection_address.startswith(f"peering-{name}/aws_vpc_peering_connection.")
    assert accepter_tags == {"Name": f"{name}-to-aurora", "RosaCluster": name, DEPLOYMENT_TAG: "keycloak-aurora"}
    assert requester_tags == {**accepter_tags, ADDRESS_TAG: connection_address}


@pytest.mark.parametrize("name", CLUSTERS)
def test_every_rosa_route_table_routes_to_aurora(deployment: Deployment, name: str) -> None:
    rosa = deployment.rosa[name]
    peering_id = peering_id_of(deployment, rosa)
    for kind, table_id in rosa.route_table_ids.items():
        assert rosa_routes_via(deployment, rosa, table_id, peering_id) == ["192.168.0.0/16"], kind


def test_aurora_route_table_routes_back_to_each_machine_cidr(deployment: Deployment) -> None:
    for name, cidr in (("rosa-site-a", "10.0.0.0/16"), ("rosa-site-b", "10.1.0.0/16"), (PARTNER, "10.2.0.0/16")):
        assert aurora_routes_via(deployment, peering_id_of(deployment, deployment.rosa[name])) == [cidr], name


def test_machine_cidr_defaults_to_the_rosa_vpc_cidr(deployment: Deployment) -> None:
    # rosa-site-b has no machine_cidr in the e2e config.
    assert deployment.outputs()["peering-rosa-site-b"]["machine_cidr"] == "10.1.0.0/16"


def test_postgresql_ingress_per_machine_cidr(deployment: Deployment) -> None:
    assert ingress_cidrs(deployment) == {
        "10.0.0.0/16": "PostgreSQL from ROSA cluster rosa-site-a",
        "10.1.0.0/16": "PostgreSQL from ROSA cluster rosa-site-b",
        "10.2.0.0/16": f"PostgreSQL from ROSA cluster {PARTNER}",
    }


@pytest.mark.parametrize("stack", [f"peering-{name}" for name in CLUSTERS])
def test_plan_after_deploy_shows_no_changes(deployment: Deployment, stack: str) -> None:
    code, plan = deployment.plan_exit_code(stack)
    assert code == 0, f"drift after apply:\n{plan[-5000:]}"
