"""Last of the session: `cdktf destroy '*'` leaves nothing behind (peering stacks go first)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Deployment

pytestmark = pytest.mark.e2e


def test_destroy_leaves_only_the_final_snapshot(deployment: Deployment) -> None:
    vpc_id = deployment.outputs()["aurora"]["vpc_id"]

    deployment.cdktf("destroy", "*", "--auto-approve", "--skip-provider-lock")

    rds, ec2 = deployment.client("rds"), deployment.client("ec2")
    assert rds.describe_db_clusters()["DBClusters"] == []
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:AuroraCluster", "Values": ["keycloak-aurora"]}])["Vpcs"] == []
    snapshots = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="keycloak-aurora-final")["DBClusterSnapshots"]
    assert [s["DBClusterIdentifier"] for s in snapshots] == ["keycloak-aurora"]
    peerings = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert all(p["Status"]["Code"] == "deleted" for p in peerings)
