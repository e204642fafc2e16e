"""The alarms of the synthesized `aurora` stack, their topic and the RDS event subscriptions
(issue #21): one set per deployment on the writer and reader roles, thresholds shares of
what AWS says the class has, every alarm notifying the topic on ALARM and on OK."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.aurora.alarms import watches
from modules.config import AuroraSpec
from modules.naming import NOTIFYING_SERVICES
from modules.config.model import AlarmThresholds
from tests.conftest import AURORA_DATA, ROOT, Synth, data_sources, only, resources

TOPIC = "${aws_sns_topic.notifications_topic_9813ADB4.arn}"
CLUSTER = "${aws_rds_cluster.aurora_cluster_059EF40F.cluster_identifier}"
INSTANCE_TYPE = "data.aws_ec2_instance_type.capacity_instance-type_05172695"
MEMORY = f"({INSTANCE_TYPE}.memory_size * 1048576)"


@pytest.fixture
def aurora(example_stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_stacks["aurora"]


def alarms(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{construct id (`writer-cpu`, ...): body} of the alarms."""
    return {body["//"]["metadata"]["path"].split("/")[-1]: body for body in resources(stack, "aws_cloudwatch_metric_alarm").values()}


# (construct id: metric, role, statistic, comparison, threshold, minutes)
EXAMPLE_SET = {
    "writer-cpu": ("CPUUtilization", "WRITER", "Maximum", "GreaterThanThreshold", 90, 5),
    "reader-cpu": ("CPUUtilization", "READER", "Maximum", "GreaterThanThreshold", 90, 5),
    "writer-memory": ("FreeableMemory", "WRITER", "Minimum", "LessThanThreshold", f"${{floor((({MEMORY} * 25) / 100))}}", 15),
    "reader-memory": ("FreeableMemory", "READER", "Minimum", "LessThanThreshold", f"${{floor((({MEMORY} * 25) / 100))}}", 15),
    "writer-connections": (
        "DatabaseConnections", "WRITER", "Maximum", "GreaterThanThreshold",
        f"${{floor(((min(floor(({MEMORY} / 9531392)), 5000) * 80) / 100))}}", 5,
    ),
    "writer-db-load": ("DBLoad", "WRITER", "Average", "GreaterThanThreshold", f"${{{INSTANCE_TYPE}.default_vcpus}}", 15),
    "reader-replica-lag": ("AuroraReplicaLag", "READER", "Maximum", "GreaterThanThreshold", 2000, 5),
    "writer-transaction-ids": ("MaximumUsedTransactionIDs", "WRITER", "Maximum", "GreaterThanThreshold", 1_000_000_000, 1),
    "writer-local-storage": ("FreeLocalStorage", "WRITER", "Minimum", "LessThanThreshold", 2 * 1024**3, 5),
    "reader-local-storage": ("FreeLocalStorage", "READER", "Minimum", "LessThanThreshold", 2 * 1024**3, 5),
    "writer-buffer-cache": ("BufferCacheHitRatio", "WRITER", "Minimum", "LessThanThreshold", 80, 15),
}


def test_one_set_on_the_roles_with_aws_recommended_thresholds(aurora: dict[str, Any]) -> None:
    found = {
        key: (a["metric_name"], a["dimensions"]["Role"], a["statistic"], a["comparison_operator"], a["threshold"],
              a["evaluation_periods"])
        for key, a in alarms(aurora).items()
    }
    assert found == EXAMPLE_SET


def test_every_alarm_watches_the_cluster_role_never_an_instance(aurora: dict[str, Any]) -> None:
    for alarm in alarms(aurora).values():
        assert alarm["namespace"] == "AWS/RDS"
        assert set(alarm["dimensions"]) == {"DBClusterIdentifier", "Role"}
        assert alarm["dimensions"]["DBClusterIdentifier"] == CLUSTER
        assert (alarm["period"], alarm["datapoints_to_alarm"]) == (60, alarm["evaluation_periods"])


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok(aurora: dict[str, Any]) -> None:
    for alarm in alarms(aurora).values():
        assert alarm["alarm_actions"] == [TOPIC]
        assert alarm["ok_actions"] == [TOPIC]


def test_names_say_what_it_means_for_keycloak_and_descriptions_what_to_do(aurora: dict[str, Any]) -> None:
    found = alarms(aurora)
    assert found["writer-connections"]["alarm_name"] == (
        "keycloak-aurora writer connections near the limit: Keycloak logins will fail"
    )
    assert found["writer-cpu"]["alarm_description"] == (
        "CPUUtilization of the writer (whichever instance holds the role) above 90 % for 5 minutes. What to do: "
        "find the statements that use it in Performance Insights; scale the class up if it is load. Runbook: "
        'docs/operations.md, Alarms and the dashboard, "CPU high".'
    )
    for alarm in found.values():
        assert alarm["alarm_name"].startswith("keycloak-aurora ")
        assert "What to do: " in alarm["alarm_description"] and "Runbook: " in alarm["alarm_description"]
        assert len(alarm["alarm_description"]) <= 1024  # CloudWatch's limit
        # no threshold in a name: changing one updates the alarm in place (a name is ForceNew)
        assert not any(char.isdigit() for char in alarm["alarm_name"])


def runbooks() -> set[str]:
    """The runbook sections named by every alarm a config can have (provisioned and Serverless v2)."""

    class Capacity:
        memory_bytes, vcpus, max_connections = 8 * 1024**3, 2, 900

    names = set()
    for instance_class in ("db.r6g.large", "db.serverless"):
        spec = AuroraSpec.model_validate({**AURORA_DATA, "instance_class": instance_class})
        names |= {watch.runbook for watch in watches(spec, Capacity(), AlarmThresholds())}  # type: ignore[arg-type]
    return names


def test_every_alarm_has_its_runbook_section() -> None:
    page = (ROOT / "docs" / "operations.md").read_text()
    sections = {line.removeprefix("#### ").strip() for line in page.splitlines() if line.startswith("#### ")}
    assert runbooks() - sections == set()


def test_the_class_is_read_from_aws_at_plan_time(aurora: dict[str, Any]) -> None:
    (instance_type,) = data_sources(aurora, "aws_ec2_instance_type").values()
    assert instance_type["instance_type"] == "t4g.large"


def test_thresholds_are_configurable(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["alarms"] = {"thresholds": {"cpu_percent": 75, "connections_percent": 90.5,
                                                      "replica_lag_seconds": 0.5, "db_load_per_vcpu": 1.5}}
    found = alarms(synth(config_data)["aurora"])
    assert found["writer-cpu"]["threshold"] == 75
    assert found["writer-connections"]["threshold"] == (
        f"${{floor(((min(floor(({MEMORY} / 9531392)), 5000) * 90.5) / 100))}}"
    )
    assert found["reader-replica-lag"]["threshold"] == 500
    assert found["writer-db-load"]["threshold"] == f"${{({INSTANCE_TYPE}.default_vcpus * 1.5)}}"


def test_max_connections_set_as_a_parameter_is_the_limit(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["instance_parameters"] = {"max_connections": {"value": 500, "apply_method": "pending-reboot"}}
    assert alarms(synth(config_data)["aurora"])["writer-connections"]["threshold"] == 400


def test_db_load_is_published_only_under_load(aurora: dict[str, Any]) -> None:
    found = alarms(aurora)
    assert found["writer-db-load"]["treat_missing_data"] == "notBreaching"
    assert {a["treat_missing_data"] for key, a in found.items() if key != "writer-db-load"} == {"missing"}


def test_serverless_thresholds_follow_the_maximum_capacity(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"].update(instance_class="db.serverless", serverless={"min_capacity": 1, "max_capacity": 16})
    aurora = synth(config_data)["aurora"]
    found = alarms(aurora)
    # no vCPU count for an ACU: no DBLoad alarm; the capacity alarm instead
    assert "writer-db-load" not in found
    assert (found["writer-capacity"]["metric_name"], found["writer-capacity"]["threshold"]) == ("ACUUtilization", 90)
    # 16 ACUs of about 2 GiB: 32 GiB; max_connections from it (minimum above 0.5 ACU: ceiling 5000)
    assert found["writer-memory"]["threshold"] == 8 * 1024**3
    assert found["writer-connections"]["threshold"] == (32 * 1024**3 // 9531392) * 80 // 100
    # nothing to read from AWS
    assert data_sources(aurora, "aws_ec2_instance_type") == {}


def test_serverless_with_half_an_acu_minimum_caps_connections_at_2000(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"].update(instance_class="db.serverless", serverless={"min_capacity": 0.5, "max_capacity": 64})
    assert alarms(synth(config_data)["aurora"])["writer-connections"]["threshold"] == 1600


# --- where they go ---------------------------------------------------------------------


def test_the_topic_is_the_deployments_encrypted_with_its_key(aurora: dict[str, Any]) -> None:
    topic = only(aurora, "aws_sns_topic")
    assert topic["name"] == "keycloak-aurora-alarms"
    assert topic["kms_master_key_id"] == "${aws_kms_key.key_F64E54E4.arn}"
    assert resources(aurora, "aws_sns_topic_policy") == {}  # SNS's default: this account's alarms and events
    assert aurora["output"]["alarm_topic_arn"]["value"] == TOPIC


def test_the_key_lets_cloudwatch_and_rds_events_publish_to_it(aurora: dict[str, Any]) -> None:
    policy = json.loads(only(aurora, "aws_kms_key")["policy"])
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == "AlarmsAndRdsEventsPublish"]
    assert statement["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]}
    assert statement["Principal"]["Service"] == list(NOTIFYING_SERVICES)
    assert statement["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]


def test_rds_events_of_the_cluster_and_every_instance_go_to_the_topic(aurora: dict[str, Any]) -> None:
    subscriptions = {s["name"]: s for s in resources(aurora, "aws_db_event_subscription").values()}
    cluster, instances = subscriptions["keycloak-aurora-cluster-events"], subscriptions["keycloak-aurora-instance-events"]
    assert (cluster["source_type"], cluster["source_ids"], cluster["sns_topic"]) == ("db-cluster", [CLUSTER], TOPIC)
    assert cluster["event_categories"] == ["failover", "failure", "maintenance", "notification"]
    assert instances["source_type"] == "db-instance"
    assert instances["source_ids"] == [
        "${aws_rds_cluster_instance.aurora_writer_E7281974.identifier}",
        "${aws_rds_cluster_instance.aurora_reader-1_D522C707.identifier}",
    ]
    assert instances["event_categories"] == [
        "availability", "failover", "failure", "low storage", "maintenance", "notification", "recovery"
    ]
    assert all(s["enabled"] is True for s in subscriptions.values())


def test_emails_are_subscribed_each_by_its_address(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["alarms"] = {"emails": ["dba@example.org", "oncall+db@example.org"]}
    subscriptions = resources(synth(config_data)["aurora"], "aws_sns_topic_subscription")
    assert sorted((s["protocol"], s["endpoint"], s["topic_arn"]) for s in subscriptions.values()) == [
        ("email", "dba@example.org", TOPIC), ("email", "oncall+db@example.org", TOPIC),
    ]
    assert sorted(s["//"]["metadata"]["path"] for s in subscriptions.values()) == [
        "aurora/notifications/email-dba@example.org", "aurora/notifications/email-oncall+db@example.org",
    ]


def test_an_existing_topic_is_used_as_it_is(synth: Synth, config_data: dict[str, Any]) -> None:
    arn = "arn:aws:sns:eu-west-1:123456789012:db-alarms"
    config_data["aurora"]["alarms"] = {"topic_arn": arn}
    aurora = synth(config_data)["aurora"]
    assert resources(aurora, "aws_sns_topic") == {}
    assert {a["alarm_actions"][0] for a in alarms(aurora).values()} == {arn}
    assert {s["sns_topic"] for s in resources(aurora, "aws_db_event_subscription").values()} == {arn}
    # its key is the topic owner's business: the deployment's key gets no grant for it
    policy = json.loads(only(aurora, "aws_kms_key")["policy"])
    assert "AlarmsAndRdsEventsPublish" not in [s["Sid"] for s in policy["Statement"]]


def test_alarms_false_turns_alarms_topic_and_events_off(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["alarms"] = False
    aurora = synth(config_data)["aurora"]
    for rtype in ("aws_cloudwatch_metric_alarm", "aws_sns_topic", "aws_db_event_subscription"):
        assert resources(aurora, rtype) == {}
    assert "alarm_topic_arn" not in aurora["output"]
    # the dashboard stays, without the alarms' widget
    body = only(aurora, "aws_cloudwatch_dashboard")["dashboard_body"]
    assert '"type" = "alarm"' not in body and "aws_cloudwatch_metric_alarm" not in body
    policy = json.loads(only(aurora, "aws_kms_key")["policy"])
    assert "AlarmsAndRdsEventsPublish" not in [s["Sid"] for s in policy["Statement"]]


def test_neither_alarms_nor_dashboard_reads_nothing_from_aws(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"].update(alarms=False, dashboard=False)
    aurora = synth(config_data)["aurora"]
    assert resources(aurora, "aws_cloudwatch_dashboard") == {}
    assert data_sources(aurora, "aws_ec2_instance_type") == {}
    assert "dashboard_url" not in aurora["output"]
