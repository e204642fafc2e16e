"""What watches the main deployment's database (issue #21), read back from moto: the alarms
on the writer and reader roles with thresholds for db.t4g.large, the encrypted topic they
notify, the RDS event subscriptions, the dashboard; then a failover, after which every
alarm still watches the right instance, the plan stays empty, and the roles are given back
(the tests after this file see the deployment as it was)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.world import AURORA_REGION, Deployment

pytestmark = pytest.mark.e2e

CLUSTER = "keycloak-aurora"
WRITER, READER = f"{CLUSTER}-writer", f"{CLUSTER}-reader-1"
GIB = 1024**3
#: db.t4g.large, the example's class: 2 vCPUs and 8 GiB (AWS's instance class table).
MEMORY, VCPUS = 8 * GIB, 2
#: Aurora PostgreSQL's default max_connections from that memory: LEAST(memory/9531392, 5000).
MAX_CONNECTIONS = min(MEMORY // 9531392, 5000)

# alarm name after "keycloak-aurora ": (metric, role, statistic, comparison, threshold, minutes)
EXPECTED = {
    "writer CPU high: Keycloak slows down": ("CPUUtilization", "WRITER", "Maximum", "GreaterThanThreshold", 90, 5),
    "reader CPU high: the failover target is overloaded": (
        "CPUUtilization", "READER", "Maximum", "GreaterThanThreshold", 90, 5),
    "writer memory low: Keycloak's queries may fail": (
        "FreeableMemory", "WRITER", "Minimum", "LessThanThreshold", MEMORY // 4, 15),
    "reader memory low: the failover target may restart": (
        "FreeableMemory", "READER", "Minimum", "LessThanThreshold", MEMORY // 4, 15),
    "writer connections near the limit: Keycloak logins will fail": (
        "DatabaseConnections", "WRITER", "Maximum", "GreaterThanThreshold", MAX_CONNECTIONS * 80 // 100, 5),
    "writer load above its vCPUs: Keycloak's requests queue": (
        "DBLoad", "WRITER", "Average", "GreaterThanThreshold", VCPUS, 15),
    "reader lagging: a failover would take longer": (
        "AuroraReplicaLag", "READER", "Maximum", "GreaterThanThreshold", 2000, 5),
    "writer transaction IDs running out: PostgreSQL will stop writes": (
        "MaximumUsedTransactionIDs", "WRITER", "Maximum", "GreaterThanThreshold", 1_000_000_000, 1),
    "writer local storage low: large queries and logging will fail": (
        "FreeLocalStorage", "WRITER", "Minimum", "LessThanThreshold", 2 * GIB, 5),
    "reader local storage low: the failover target may fail": (
        "FreeLocalStorage", "READER", "Minimum", "LessThanThreshold", 2 * GIB, 5),
    "writer cache misses: Keycloak's reads go to storage": (
        "BufferCacheHitRatio", "WRITER", "Minimum", "LessThanThreshold", 80, 15),
}


def alarms(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """The deployment's alarms by name, without the `keycloak-aurora ` prefix."""
    found = deployment.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{CLUSTER} ")["MetricAlarms"]
    return {alarm["AlarmName"].removeprefix(f"{CLUSTER} "): alarm for alarm in found}


def dimensions(alarm: dict[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in alarm["Dimensions"]}


def test_every_alarm_watches_a_role_with_its_threshold_for_the_class(deployment: Deployment) -> None:
    topic = deployment.outputs()["aurora"]["alarm_topic_arn"]
    found = alarms(deployment)
    assert {
        name: (a["MetricName"], dimensions(a)["Role"], a["Statistic"], a["ComparisonOperator"], a["Threshold"],
               a["EvaluationPeriods"])
        for name, a in found.items()
    } == EXPECTED
    for alarm in found.values():
        # the cluster and a role, never an instance id: roles move on a failover
        assert dimensions(alarm) == {"DBClusterIdentifier": CLUSTER, "Role": alarm_role(alarm)}
        assert (alarm["Namespace"], alarm["Period"], alarm["DatapointsToAlarm"]) == ("AWS/RDS", 60, alarm["EvaluationPeriods"])
        assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]
        assert alarm["ActionsEnabled"] is True
        assert "What to do: " in alarm["AlarmDescription"]


def alarm_role(alarm: dict[str, Any]) -> str:
    return "WRITER" if alarm["AlarmName"].removeprefix(f"{CLUSTER} ").startswith("writer ") else "READER"


def test_the_topic_is_encrypted_with_the_deployments_key_which_lets_alarms_and_events_in(deployment: Deployment) -> None:
    outputs = deployment.outputs()["aurora"]
    attributes = deployment.client("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == outputs["kms_key_arn"]
    assert outputs["alarm_topic_arn"] == f"arn:aws:sns:{AURORA_REGION}:123456789012:{CLUSTER}-alarms"
    policy = json.loads(deployment.client("kms").get_key_policy(KeyId=outputs["kms_key_arn"], PolicyName="default")["Policy"])
    (grant,) = [s for s in policy["Statement"] if s.get("Sid") == "AlarmsAndRdsEventsPublish"]
    assert sorted(grant["Principal"]["Service"]) == ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]


def test_rds_events_of_the_cluster_and_its_instances_go_to_the_topic(deployment: Deployment) -> None:
    topic = deployment.outputs()["aurora"]["alarm_topic_arn"]
    found = deployment.client("rds").describe_event_subscriptions()["EventSubscriptionsList"]
    subscriptions = {s["CustSubscriptionId"]: s for s in found}
    assert sorted(subscriptions) == [f"{CLUSTER}-cluster-events", f"{CLUSTER}-instance-events"]
    cluster, instances = subscriptions[f"{CLUSTER}-cluster-events"], subscriptions[f"{CLUSTER}-instance-events"]
    assert (cluster["SourceType"], cluster["SourceIdsList"], cluster["SnsTopicArn"]) == ("db-cluster", [CLUSTER], topic)
    assert sorted(cluster["EventCategoriesList"]) == ["failover", "failure", "maintenance", "notification"]
    assert (instances["SourceType"], sorted(instances["SourceIdsList"]), instances["SnsTopicArn"]) == (
        "db-instance", [READER, WRITER], topic)
    assert {"failover", "failure", "low storage", "recovery", "availability"} <= set(instances["EventCategoriesList"])
    assert all(s["Enabled"] for s in found)


def test_the_dashboard_shows_only_this_cluster_with_its_limits(deployment: Deployment) -> None:
    outputs = deployment.outputs()["aurora"]
    name = f"{CLUSTER}-{AURORA_REGION}"
    assert outputs["dashboard_url"] == (
        f"https://{AURORA_REGION}.console.aws.amazon.com/cloudwatch/home?region={AURORA_REGION}"
        f"#dashboards/dashboard/{name}"
    )
    body = json.loads(deployment.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    widgets = body["widgets"]
    # the alarms' states first: every alarm of the deployment
    assert widgets[0]["type"] == "alarm"
    assert sorted(widgets[0]["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in alarms(deployment).values())
    graphs = {w["properties"]["title"]: w["properties"] for w in widgets if w["type"] == "metric"}
    for properties in graphs.values():
        for metric in properties["metrics"]:
            assert metric[2:5] == ["DBClusterIdentifier", CLUSTER, "Role"], metric
    lines = {title: {a["label"]: a["value"] for a in p.get("annotations", {}).get("horizontal", [])}
             for title, p in graphs.items()}
    # the limits computed by Terraform from the class AWS describes
    assert lines["Connections"] == {"max_connections": MAX_CONNECTIONS, "alarm": MAX_CONNECTIONS * 80 // 100}
    assert lines["DB load (average active sessions)"] == {"vCPUs": VCPUS}
    assert lines["Freeable memory (bytes)"] == {"alarm": MEMORY // 4}


def writers(deployment: Deployment) -> dict[str, bool]:
    (cluster,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"]
    return {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in cluster["DBClusterMembers"]}


def test_after_a_failover_every_alarm_still_watches_the_writer_role_and_the_plan_is_empty(deployment: Deployment) -> None:
    rds = deployment.client("rds")
    before = alarms(deployment)
    assert writers(deployment) == {WRITER: True, READER: False}
    # WHEN the reader takes over (as after the writer's AZ failed)
    rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=READER)
    try:
        assert writers(deployment) == {WRITER: False, READER: True}
        # THEN the alarms are the same: no dimension names an instance, so the WRITER
        # alarms now watch the instance named reader-1
        after = alarms(deployment)
        assert {n: a["Dimensions"] for n, a in after.items()} == {n: a["Dimensions"] for n, a in before.items()}
        assert all(set(dimensions(a)) == {"DBClusterIdentifier", "Role"} for a in after.values())
        # AND Terraform does not fight the failover
        code, plan = deployment.plan_exit_code("aurora")
        assert code == 0, plan[-4000:]
    finally:
        # the roles given back, as an operator would in a quiet hour (docs/operations.md, Events)
        rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=WRITER)
    assert writers(deployment) == {WRITER: True, READER: False}
