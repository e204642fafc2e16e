"""The `aurora` stack deployed to moto with `cdktf deploy`, checked through the AWS API."""

from __future__ import annotations

import pytest

from tests.e2e.world import STATE_BUCKET, STATE_PREFIX, Deployment

pytestmark = pytest.mark.e2e


def test_vpc_is_found_by_its_aurora_cluster_tag(deployment: Deployment) -> None:
    ec2 = deployment.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:AuroraCluster", "Values": ["keycloak-aurora"]}])["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs] == ["192.168.0.0/16"]
    vpc_id = vpcs[0]["VpcId"]
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
    assert deployment.outputs()["aurora"]["vpc_id"] == vpc_id


def test_one_subnet_per_az_in_the_aurora_route_table(deployment: Deployment) -> None:
    ec2 = deployment.client("ec2")
    vpc_id = deployment.outputs()["aurora"]["vpc_id"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted((s["AvailabilityZone"], s["CidrBlock"]) for s in subnets) == [
        ("eu-west-1a", "192.168.0.0/19"),
        ("eu-west-1b", "192.168.32.0/19"),
    ]
    table = ec2.describe_route_tables(RouteTableIds=[deployment.outputs()["aurora"]["route_table_id"]])["RouteTables"][0]
    assert {a["SubnetId"] for a in table["Associations"] if "SubnetId" in a} == {s["SubnetId"] for s in subnets}


def test_cluster_is_aurora_postgresql_with_a_managed_secret(deployment: Deployment) -> None:
    (cluster,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"] == "16.8"
    assert cluster["DatabaseName"] == "keycloak"
    assert cluster["MasterUsername"] == "keycloak"
    assert cluster["DBSubnetGroup"] == "keycloak-aurora-subnet-group"
    secret_arn = cluster["MasterUserSecret"]["SecretArn"]
    assert deployment.outputs()["aurora"]["master_secret_arn"] == secret_arn
    deployment.client("secretsmanager").describe_secret(SecretId=secret_arn)  # exists


def test_writer_and_reader_in_two_different_azs(deployment: Deployment) -> None:
    rds = deployment.client("rds")
    instances = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": ["keycloak-aurora"]}])["DBInstances"]
    by_id = {i["DBInstanceIdentifier"]: i for i in instances}
    assert sorted(by_id) == ["keycloak-aurora-reader-1", "keycloak-aurora-writer"]
    assert by_id["keycloak-aurora-writer"]["AvailabilityZone"] == "eu-west-1a"
    assert by_id["keycloak-aurora-reader-1"]["AvailabilityZone"] == "eu-west-1b"
    for instance in instances:
        assert instance["DBInstanceClass"] == "db.t4g.large"
        assert instance["AutoMinorVersionUpgrade"] is False
        assert instance["PubliclyAccessible"] is False


def test_outputs_give_the_jdbc_url_of_the_writer(deployment: Deployment) -> None:
    (cluster,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    outputs = deployment.outputs()["aurora"]
    assert outputs["writer_endpoint"] == cluster["Endpoint"]
    assert outputs["reader_endpoint"] == cluster["ReaderEndpoint"]
    assert outputs["port"] == 5432
    assert outputs["jdbc_url"] == f"jdbc:aws-wrapper:postgresql://{cluster['Endpoint']}:5432/keycloak"


def test_state_object_sits_in_the_bucket(deployment: Deployment) -> None:
    s3 = deployment.client("s3")
    head = s3.head_object(Bucket=STATE_BUCKET, Key=f"{STATE_PREFIX}/aurora.tfstate")
    assert head["ContentLength"] > 0
    # The lock file is gone once the deploy finished.
    assert not s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=f"{STATE_PREFIX}/aurora.tfstate.tflock").get("KeyCount")


def test_a_second_plan_is_refused_while_a_deploy_holds_the_lock(deployment: Deployment) -> None:
    probe = deployment.lock_probe
    assert probe is not None, "the deploy never showed a lock file in the bucket"
    assert probe.returncode == 1
    assert "Error acquiring the state lock" in probe.stderr + probe.stdout


def test_plan_after_deploy_shows_no_changes(deployment: Deployment) -> None:
    code, plan = deployment.plan_exit_code("aurora")
    assert code == 0, f"drift after apply:\n{plan[-5000:]}"

