"""Last of the session: destroying the cross-account cluster's stacks, one peering stack,
or one access stack removes exactly their resources, in each account; a destroy of the
protected database is refused before anything is deleted; once the config lifts
protection, destroying the peering and access stacks and then `aurora` leaves nothing
behind but the final snapshot."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.aws_checks import (
    accepted_peering_of,
    aurora_routes_via,
    ingress_cidrs,
    peering_id_of,
    peering_of,
    pod_roles,
    rosa_routes_via,
)
from tests.e2e.world import PARTNER, PARTNER_ROLE, Deployment, RosaVpc
from tests.harness.terraform import terraform

pytestmark = pytest.mark.e2e

def peered(deployment: Deployment, rosa: RosaVpc) -> dict[str, Any]:
    """What `rosa`'s peering stack made, each side read in its own account: the connection's
    status as each side sees it, the routes through it in each ROSA route table and in the
    Aurora route table, and the 5432 rule for its machine CIDR."""
    peering_id = peering_id_of(deployment, rosa)
    return {
        "requester": peering_of(deployment, rosa)["Status"]["Code"],
        "accepter": accepted_peering_of(deployment, rosa)["Status"]["Code"],
        "rosa routes": {kind: rosa_routes_via(deployment, rosa, table, peering_id)
                        for kind, table in rosa.route_table_ids.items()},
        "return route": aurora_routes_via(deployment, peering_id),
        "5432 rule": rosa.cidr in ingress_cidrs(deployment),
    }


def working(rosa: RosaVpc) -> dict[str, Any]:
    """`peered` of a cluster whose peering stack is deployed."""
    return {
        "requester": "active",
        "accepter": "active",
        "rosa routes": {kind: ["192.168.0.0/16"] for kind in rosa.route_table_ids},
        "return route": [rosa.cidr],
        "5432 rule": True,
    }


def test_destroying_the_cross_account_clusters_stacks_removes_exactly_its_resources_in_both_accounts(
    deployment: Deployment,
) -> None:
    partner = deployment.rosa[PARTNER]
    others = [rosa for name, rosa in deployment.rosa.items() if name != PARTNER]
    roles_before = pod_roles(deployment)
    partner_roles = {name for name in roles_before if name.startswith(f"keycloak-aurora-{PARTNER}-")}
    assert partner_roles == {f"keycloak-aurora-{PARTNER}-keycloak", f"keycloak-aurora-{PARTNER}-db-bootstrap"}
    assert peered(deployment, partner) == working(partner)

    # WHEN the partner's stacks are destroyed as its removal asks: access, then peering
    deployment.destroy(f"access-{PARTNER}")
    deployment.destroy(f"peering-{PARTNER}")

    # THEN its pod roles are gone from the database's account, and only they
    assert pod_roles(deployment) == {name: policy for name, policy in roles_before.items() if name not in partner_roles}
    # AND its peering is deleted as each account sees it, with no route through it on
    # either side and no 5432 rule for its machine CIDR
    assert peered(deployment, partner) == {
        "requester": "deleted",
        "accepter": "deleted",
        "rosa routes": {kind: [] for kind in partner.route_table_ids},
        "return route": [],
        "5432 rule": False,
    }
    # AND what the partner's account owns is untouched: the stack only looked it up
    partner_ec2 = deployment.rosa_client(partner, "ec2")
    assert partner_ec2.describe_vpcs(VpcIds=[partner.vpc_id])["Vpcs"]
    tables = partner_ec2.describe_route_tables(RouteTableIds=list(partner.route_table_ids.values()))["RouteTables"]
    assert len(tables) == len(partner.route_table_ids)
    providers = deployment.client("iam", role_arn=PARTNER_ROLE).list_open_id_connect_providers()
    assert len(providers["OpenIDConnectProviderList"]) == 1
    # AND the other clusters keep everything
    for rosa in others:
        assert peered(deployment, rosa) == working(rosa), rosa.name


def test_destroying_one_peering_stack_leaves_the_other_cluster_working(deployment: Deployment) -> None:
    site_a, site_b = deployment.rosa["rosa-site-a"], deployment.rosa["rosa-site-b"]

    # WHEN only site A's stack is destroyed
    deployment.destroy("peering-rosa-site-a")

    # THEN its peering, routes and rule are gone
    gone = peered(deployment, site_a)
    assert (gone["requester"], gone["accepter"]) == ("deleted", "deleted")
    assert gone["rosa routes"] == {kind: [] for kind in site_a.route_table_ids}
    assert (gone["return route"], gone["5432 rule"]) == ([], False)
    # AND site B keeps its peering, routes and rule
    assert peered(deployment, site_b) == working(site_b)
    # AND the database was not touched: its plan is still empty
    code, plan = deployment.plan_exit_code("aurora")
    assert code == 0, plan[-3000:]


def test_destroying_one_access_stack_removes_exactly_its_roles(deployment: Deployment) -> None:
    before = pod_roles(deployment)
    site_a = {name for name in before if name.startswith("keycloak-aurora-rosa-site-a-")}
    assert site_a == {"keycloak-aurora-rosa-site-a-keycloak", "keycloak-aurora-rosa-site-a-db-bootstrap"}

    # WHEN only site A's access stack is destroyed
    deployment.destroy("access-rosa-site-a")

    # THEN its roles are gone, and site B's are there as they were
    after = pod_roles(deployment)
    assert after == {name: policy for name, policy in before.items() if name not in site_a}
    # AND the OIDC providers stay: ROSA owns them, the stack only looked them up
    providers = deployment.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert {r.oidc_provider_arn for r in deployment.rosa.values()} <= {p["Arn"] for p in providers}


def test_destroy_is_refused_while_the_database_is_protected(deployment: Deployment) -> None:
    # GIVEN the secure default, deletion_protection: true
    # WHEN someone destroys the aurora stack
    result = deployment.destroy("aurora", check=False)
    # THEN Terraform refuses at plan time, before deleting anything
    assert result.returncode != 0
    # The reason, from Terraform itself (cdktf's re-wrapped output sometimes loses the
    # last lines): a destroy plan of the stack stops on prevent_destroy.
    plan = terraform(
        ["plan", "-destroy", "-input=false"], cwd=deployment.stack_dir("aurora"), env=deployment.env, ok_codes=(1,)
    )
    assert "Instance cannot be destroyed" in plan.stderr + plan.stdout
    assert "lifecycle.prevent_destroy" in plan.stderr + plan.stdout
    vpc_id = deployment.outputs()["aurora"]["vpc_id"]
    assert deployment.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    rds = deployment.client("rds")
    (cluster,) = rds.describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    assert cluster["Status"] == "available"
    assert cluster["DeletionProtection"] is True
    instances = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": ["keycloak-aurora"]}])["DBInstances"]
    assert sorted((i["DBInstanceIdentifier"], i["DBInstanceStatus"]) for i in instances) == [
        ("keycloak-aurora-reader-1", "available"),
        ("keycloak-aurora-writer", "available"),
    ]


def server_errors(deployment: Deployment) -> str:
    """The moto server's log lines of answers other than 2xx/3xx/404 and of tracebacks, for a
    failure message."""
    lines = deployment.moto.log_path.read_text(errors="replace").splitlines()
    odd = [line for line in lines if re.search(r'" (?!404)[45]\d\d ', line) or line.startswith("Traceback")]
    return "moto's errors:\n" + "\n".join(odd[-40:]) if odd else "moto answered no request with an error"


def lift_protection(deployment: Deployment) -> None:
    """What an operator does on purpose: set deletion_protection false and apply it."""
    data = deployment.config()
    data["aurora"]["deletion_protection"] = False
    deployment.write_config(data)
    deployment.deploy("aurora")


def test_destroy_leaves_only_the_final_snapshot(deployment: Deployment) -> None:
    vpc_id = deployment.outputs()["aurora"]["vpc_id"]
    peering_b = peering_id_of(deployment, deployment.rosa["rosa-site-b"])
    lift_protection(deployment)
    (cluster,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    assert cluster["DeletionProtection"] is False

    # One stack per call, dependants first: cdktf 0.21 given several stacks together with
    # --ignore-missing-stack-dependencies starts the same stack's destroy over and over
    # until the first one blocks on its output (seen here, 2026-11). The partner's stacks
    # are gone already (the first test of this module).
    for stack in ("peering-rosa-site-a", "peering-rosa-site-b", "access-rosa-site-a", "access-rosa-site-b", "aurora"):
        result = deployment.destroy(stack)
        if stack == "peering-rosa-site-b":
            (state,) = deployment.client("ec2").describe_vpc_peering_connections(
                VpcPeeringConnectionIds=[peering_b])["VpcPeeringConnections"]
            assert state["Status"]["Code"] == "deleted", f"{stack} left its peering:\n{result.stdout[-4000:]}"

    rds, ec2 = deployment.client("rds"), deployment.client("ec2")
    assert rds.describe_db_clusters()["DBClusters"] == []
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:AuroraCluster", "Values": ["keycloak-aurora"]}])["Vpcs"] == []
    # `<name>-final-<suffix>`: the suffix is new for every cluster created (README "Day 2")
    snapshots = [s for s in rds.describe_db_cluster_snapshots(DBClusterIdentifier="keycloak-aurora")["DBClusterSnapshots"]
                 if s["DBClusterSnapshotIdentifier"].startswith("keycloak-aurora-final-")]
    assert [len(s["DBClusterSnapshotIdentifier"]) for s in snapshots] == [len("keycloak-aurora-final-") + 8]
    peerings = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    left = [(p["VpcPeeringConnectionId"], p["Status"]["Code"], p.get("Tags")) for p in peerings
            if p["Status"]["Code"] != "deleted"]
    # A connection left here that no state holds was created by a request the SDK sent
    # twice (seen once in CI, under load): moto's server errors say why, if it had any.
    assert left == [], server_errors(deployment)
    # nor in the partner's account, where no route goes through a peering any more
    partner = deployment.rosa[PARTNER]
    partner_ec2 = deployment.rosa_client(partner, "ec2")
    assert [p["VpcPeeringConnectionId"] for p in partner_ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
            if p["Status"]["Code"] != "deleted"] == []
    tables = partner_ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [partner.vpc_id]}])["RouteTables"]
    assert [r for t in tables for r in t["Routes"] if "VpcPeeringConnectionId" in r] == []
    # no role of the deployment is left: neither a pod role nor the monitoring or flow log roles
    roles = [r["RoleName"] for r in deployment.client("iam").list_roles()["Roles"]]
    assert [name for name in roles if name.startswith("keycloak-aurora-")] == []
