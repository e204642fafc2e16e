"""Last of the session: destroying one peering stack, or one access stack, removes exactly
its resources; a destroy of the protected database is refused before anything is deleted;
once the config lifts protection, destroying the peering and access stacks and then
`aurora` leaves nothing behind but the final snapshot."""

from __future__ import annotations

import pytest

from tests.e2e.world import AURORA_REGION, Deployment
from tests.e2e.aws_checks import ingress_cidrs, peering_of, routes_via
from tests.harness.terraform import terraform

pytestmark = pytest.mark.e2e


def test_destroying_one_peering_stack_leaves_the_other_cluster_working(deployment: Deployment) -> None:
    site_a, site_b = deployment.rosa["rosa-site-a"], deployment.rosa["rosa-site-b"]
    peering_a = peering_of(deployment, site_a)["VpcPeeringConnectionId"]
    peering_b = peering_of(deployment, site_b)["VpcPeeringConnectionId"]
    aurora_table = deployment.outputs()["aurora"]["route_table_id"]

    # WHEN only site A's stack is destroyed
    deployment.destroy("peering-rosa-site-a")

    # THEN its peering, routes and rule are gone
    ec2 = deployment.client("ec2")
    states = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_a])["VpcPeeringConnections"]
    assert all(c["Status"]["Code"] == "deleted" for c in states)
    for table_id in site_a.route_table_ids.values():
        assert routes_via(deployment, site_a.region, table_id, peering_a) == []
    assert routes_via(deployment, AURORA_REGION, aurora_table, peering_a) == []
    assert "10.0.0.0/16" not in ingress_cidrs(deployment)
    # AND site B keeps its peering, routes and rule
    assert peering_of(deployment, site_b)["Status"]["Code"] == "active"
    assert routes_via(deployment, AURORA_REGION, aurora_table, peering_b) == ["10.1.0.0/16"]
    for table_id in site_b.route_table_ids.values():
        assert routes_via(deployment, site_b.region, table_id, peering_b) == ["192.168.0.0/16"]
    assert "10.1.0.0/16" in ingress_cidrs(deployment)
    # AND the database was not touched: its plan is still empty
    code, plan = deployment.plan_exit_code("aurora")
    assert code == 0, plan[-3000:]


def pod_roles(deployment: Deployment) -> dict[str, dict]:
    """{role name: its inline policy} of every ROSA cluster's pod role."""
    iam = deployment.client("iam")
    roles = {}
    for found in iam.list_roles()["Roles"]:
        name = found["RoleName"]
        if "-rosa-site-" in name:
            (policy,) = iam.list_role_policies(RoleName=name)["PolicyNames"]
            roles[name] = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
    return roles


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


def lift_protection(deployment: Deployment) -> None:
    """What an operator does on purpose: set deletion_protection false and apply it."""
    data = deployment.config()
    data["aurora"]["deletion_protection"] = False
    deployment.write_config(data)
    deployment.deploy("aurora")


def test_destroy_leaves_only_the_final_snapshot(deployment: Deployment) -> None:
    vpc_id = deployment.outputs()["aurora"]["vpc_id"]
    peering_b = peering_of(deployment, deployment.rosa["rosa-site-b"])["VpcPeeringConnectionId"]
    lift_protection(deployment)
    (cluster,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    assert cluster["DeletionProtection"] is False

    # One stack per call, dependants first: cdktf 0.21 given several stacks together with
    # --ignore-missing-stack-dependencies starts the same stack's destroy over and over
    # until the first one blocks on its output (seen here, 2026-11).
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
    assert left == []
    # no role of the deployment is left: neither a pod role nor the monitoring or flow log roles
    roles = [r["RoleName"] for r in deployment.client("iam").list_roles()["Roles"]]
    assert [name for name in roles if name.startswith("keycloak-aurora-")] == []
