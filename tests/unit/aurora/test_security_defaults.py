"""Secure and safe by default: what the synthesized `aurora` stack does without being asked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Synth, by_path, only, resources

KEY = "${aws_kms_key.key_F64E54E4.arn}"


@pytest.fixture
def aurora(example_stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_stacks["aurora"]


def instances(stack: dict[str, Any]) -> list[dict[str, Any]]:
    return list(resources(stack, "aws_rds_cluster_instance").values())


def test_customer_managed_key_with_rotation(aurora: dict[str, Any]) -> None:
    key = only(aurora, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    policy = json.loads(key["policy"])
    services = [s["Principal"].get("Service") for s in policy["Statement"]]
    assert "logs.eu-west-1.amazonaws.com" in services
    assert only(aurora, "aws_kms_alias")["name"] == "alias/keycloak-aurora"


def test_everything_encrypted_with_that_key(aurora: dict[str, Any]) -> None:
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["storage_encrypted"] is True
    assert cluster["kms_key_id"] == KEY
    assert cluster["master_user_secret_kms_key_id"] == KEY
    for instance in instances(aurora):
        assert instance["performance_insights_kms_key_id"] == KEY
    for group in resources(aurora, "aws_cloudwatch_log_group").values():
        assert group["kms_key_id"] == KEY
        assert group["retention_in_days"] == 365


def test_an_existing_key_is_used_instead(synth: Synth, config_data: dict[str, Any]) -> None:
    arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    config_data["aurora"]["kms_key_arn"] = arn
    stack = synth(config_data)["aurora"]
    assert resources(stack, "aws_kms_key") == {}
    assert only(stack, "aws_rds_cluster")["kms_key_id"] == arn
    # readers of the master secret (the access stacks' roles) get Decrypt on that key
    assert stack["output"]["kms_key_arn"]["value"] == arn


def test_protection_stops_destroy_and_replacement_before_anything_is_deleted(aurora: dict[str, Any]) -> None:
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["deletion_protection"] is True
    assert cluster["lifecycle"]["prevent_destroy"] is True
    assert all(i["lifecycle"]["prevent_destroy"] is True for i in instances(aurora))
    assert only(aurora, "aws_kms_key")["lifecycle"] == {"prevent_destroy": True}


def test_one_switch_lifts_protection(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["deletion_protection"] = False
    stack = synth(config_data)["aurora"]
    cluster = only(stack, "aws_rds_cluster")
    assert cluster["deletion_protection"] is False
    protected = [
        body for items in stack["resource"].values() for body in items.values() if "prevent_destroy" in json.dumps(body)
    ]
    assert protected == []


def test_backups_and_final_snapshot(aurora: dict[str, Any]) -> None:
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["backup_retention_period"] >= 7
    assert cluster["copy_tags_to_snapshot"] is True
    assert cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"] == (
        "keycloak-aurora-final-${substr(terraform_data.aurora_final-snapshot-suffix_417657F5.id, 0, 8)}"
    )


def test_parameter_group_forces_tls_and_logs_ddl_and_slow_statements(aurora: dict[str, Any]) -> None:
    group = only(aurora, "aws_rds_cluster_parameter_group")
    assert group["family"] == "aurora-postgresql16"
    assert {p["name"]: p["value"] for p in group["parameter"]} == {
        "rds.force_ssl": "1",
        "log_statement": "ddl",
        "log_min_duration_statement": "1000",
    }
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["db_cluster_parameter_group_name"] == "${aws_rds_cluster_parameter_group.aurora_parameter-group_6B552E7A.name}"
    assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
    assert cluster["iam_database_authentication_enabled"] is True


def test_postgresql_log_group_exists_before_the_cluster(aurora: dict[str, Any]) -> None:
    groups = by_path(aurora, "aws_cloudwatch_log_group")
    assert groups["aurora/aurora/postgresql-log-group"]["name"] == "/aws/rds/cluster/keycloak-aurora/postgresql"
    assert only(aurora, "aws_rds_cluster")["depends_on"] == [
        "aws_cloudwatch_log_group.aurora_postgresql-log-group_E56B0F77"
    ]


def test_performance_insights_and_enhanced_monitoring(aurora: dict[str, Any]) -> None:
    role = by_path(aurora, "aws_iam_role")["aurora/aurora/monitoring-role"]
    assert "monitoring.rds.amazonaws.com" in role["assume_role_policy"]
    attachment = only(aurora, "aws_iam_role_policy_attachment")
    assert attachment["policy_arn"].endswith(":policy/service-role/AmazonRDSEnhancedMonitoringRole")
    for instance in instances(aurora):
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_retention_period"] == 7
        assert instance["monitoring_interval"] == 60
        assert instance["monitoring_role_arn"] == "${aws_iam_role.aurora_monitoring-role_DB848809.arn}"


def test_no_performance_insights_on_small_classes(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["instance_class"] = "db.t4g.small"
    for instance in instances(synth(config_data)["aurora"]):
        assert instance["performance_insights_enabled"] is False
        assert "performance_insights_kms_key_id" not in instance


def test_enhanced_monitoring_can_be_turned_off(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["monitoring_interval"] = 0
    stack = synth(config_data)["aurora"]
    assert "aurora/aurora/monitoring-role" not in by_path(stack, "aws_iam_role")
    assert all(i["monitoring_interval"] == 0 and "monitoring_role_arn" not in i for i in instances(stack))


def test_default_security_group_has_no_rules(aurora: dict[str, Any]) -> None:
    group = only(aurora, "aws_default_security_group")
    assert group["vpc_id"] == "${aws_vpc.network_vpc_4E8F0223.id}"
    assert "ingress" not in group and "egress" not in group


def test_vpc_flow_logs_to_an_encrypted_log_group(aurora: dict[str, Any]) -> None:
    flow = only(aurora, "aws_flow_log")
    assert flow["traffic_type"] == "ALL"
    assert flow["log_destination"] == "${aws_cloudwatch_log_group.network_flow-log-group_73759AFD.arn}"
    policy = json.loads(only(aurora, "aws_iam_role_policy")["policy"])
    assert policy["Statement"][0]["Resource"] == "${aws_cloudwatch_log_group.network_flow-log-group_73759AFD.arn}:*"


def test_no_open_cidr_and_nothing_public(example_stacks: dict[str, dict[str, Any]]) -> None:
    text = json.dumps(example_stacks)
    assert "0.0.0.0/0" not in text
    for stack in example_stacks.values():
        assert all(i["publicly_accessible"] is False for i in instances(stack))
        assert resources(stack, "aws_internet_gateway") == {}


@pytest.mark.parametrize("days", [0, 2, 366])
def test_log_retention_must_be_one_cloudwatch_accepts(days: int, config_data: dict[str, Any]) -> None:
    from modules.config import ConfigError, parse_config

    config_data["aurora"]["log_retention_days"] = days
    with pytest.raises(ConfigError) as raised:
        parse_config(config_data)
    assert raised.value.problems[0].startswith(f"aurora.log_retention_days = {days}: must be one of")
