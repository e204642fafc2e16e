"""The synthesized `aurora` stack, property by property (guide step in each test name)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Synth, by_path, only, resources

# The Terraform address of every resource of the example's aurora stack. Construct ids are
# an API: a renamed construct moves its resource, and Terraform destroys and recreates it
# (for the cluster: a new, empty database). This list changes only on purpose.
AURORA_ADDRESSES = {
    "aws_cloudwatch_log_group.aurora_postgresql-log-group_E56B0F77",
    "aws_cloudwatch_log_group.network_flow-log-group_73759AFD",
    "aws_db_subnet_group.network_subnet-group_308A1692",
    "aws_default_security_group.network_default-security-group_F40826B8",
    "aws_flow_log.network_flow-log_4CEF6CCF",
    "aws_iam_role.aurora_monitoring-role_DB848809",
    "aws_iam_role.network_flow-log-role_D4C6C2EC",
    "aws_iam_role_policy.network_flow-log-role-policy_2B8A3DA0",
    "aws_iam_role_policy_attachment.aurora_monitoring-role-policy_A4AB269E",
    "aws_kms_alias.key_alias_9418169B",
    "aws_kms_key.key_F64E54E4",
    "aws_rds_cluster.aurora_cluster_059EF40F",
    "aws_rds_cluster_instance.aurora_reader-1_D522C707",
    "aws_rds_cluster_instance.aurora_writer_E7281974",
    "aws_rds_cluster_parameter_group.aurora_parameter-group_6B552E7A",
    "aws_route_table.network_route-table_2BA4F3EC",
    "aws_route_table_association.network_subnet-eu-west-1a-route-table_39DE712D",
    "aws_route_table_association.network_subnet-eu-west-1b-route-table_1145B204",
    "aws_secretsmanager_secret_rotation.aurora_master-secret-rotation_D4FDD286",
    "aws_security_group.network_security-group_FDE06AB1",
    "aws_subnet.network_subnet-eu-west-1a_47275071",
    "aws_subnet.network_subnet-eu-west-1b_E7182AAE",
    "aws_vpc.network_vpc_4E8F0223",
    # the final snapshot name's suffix (added for re-created clusters, issue #11)
    "terraform_data.aurora_final-snapshot-suffix_417657F5",
    # what watches the database (issue #21): alarms on the roles, their topic, RDS events, the dashboard
    "aws_cloudwatch_dashboard.dashboard",
    "aws_cloudwatch_metric_alarm.alarms_reader-cpu_5D3B9595",
    "aws_cloudwatch_metric_alarm.alarms_reader-local-storage_F1134FA0",
    "aws_cloudwatch_metric_alarm.alarms_reader-memory_3BE3BD60",
    "aws_cloudwatch_metric_alarm.alarms_reader-replica-lag_0C271009",
    "aws_cloudwatch_metric_alarm.alarms_writer-buffer-cache_C9F0D8DC",
    "aws_cloudwatch_metric_alarm.alarms_writer-connections_F82B3DDD",
    "aws_cloudwatch_metric_alarm.alarms_writer-cpu_C06F7A39",
    "aws_cloudwatch_metric_alarm.alarms_writer-db-load_08B98097",
    "aws_cloudwatch_metric_alarm.alarms_writer-local-storage_5463B25C",
    "aws_cloudwatch_metric_alarm.alarms_writer-memory_36B577FC",
    "aws_cloudwatch_metric_alarm.alarms_writer-transaction-ids_681915E1",
    "aws_db_event_subscription.notifications_cluster-events_C71F967B",
    "aws_db_event_subscription.notifications_instance-events_FDE488BF",
    "aws_sns_topic.notifications_topic_9813ADB4",
}


@pytest.fixture
def aurora(example_stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_stacks["aurora"]


def test_terraform_addresses_are_stable(aurora: dict[str, Any]) -> None:
    addresses = {f"{rtype}.{name}" for rtype, items in aurora["resource"].items() for name in items}
    assert addresses == AURORA_ADDRESSES


def test_vpc_is_tagged_for_the_guide_and_resolves_dns(aurora: dict[str, Any]) -> None:
    vpc = only(aurora, "aws_vpc")
    assert vpc["cidr_block"] == "192.168.0.0/16"
    assert vpc["enable_dns_support"] is True
    assert vpc["enable_dns_hostnames"] is True
    assert vpc["tags"]["AuroraCluster"] == "keycloak-aurora"
    assert vpc["tags"]["Name"] == "keycloak-aurora-vpc"


def test_one_private_subnet_per_az(aurora: dict[str, Any]) -> None:
    subnets = sorted(resources(aurora, "aws_subnet").values(), key=lambda s: s["availability_zone"])
    assert [(s["availability_zone"], s["cidr_block"]) for s in subnets] == [
        ("eu-west-1a", "192.168.0.0/19"),
        ("eu-west-1b", "192.168.32.0/19"),
    ]
    assert all(s["map_public_ip_on_launch"] is False for s in subnets)
    assert all(s["vpc_id"] == "${aws_vpc.network_vpc_4E8F0223.id}" for s in subnets)


def test_every_subnet_is_associated_with_the_aurora_route_table(aurora: dict[str, Any]) -> None:
    route_table_ref = "${aws_route_table.network_route-table_2BA4F3EC.id}"
    associations = resources(aurora, "aws_route_table_association").values()
    assert {a["subnet_id"] for a in associations} == {
        "${aws_subnet.network_subnet-eu-west-1a_47275071.id}",
        "${aws_subnet.network_subnet-eu-west-1b_E7182AAE.id}",
    }
    assert {a["route_table_id"] for a in associations} == {route_table_ref}
    assert only(aurora, "aws_route_table")["vpc_id"] == "${aws_vpc.network_vpc_4E8F0223.id}"


def test_nothing_routes_to_the_internet(aurora: dict[str, Any]) -> None:
    for rtype in ("aws_internet_gateway", "aws_nat_gateway", "aws_route", "aws_eip"):
        assert resources(aurora, rtype) == {}
    assert "route" not in only(aurora, "aws_route_table")


def test_subnet_group_spans_every_subnet(aurora: dict[str, Any]) -> None:
    group = only(aurora, "aws_db_subnet_group")
    assert group["name"] == "keycloak-aurora-subnet-group"
    assert len(group["subnet_ids"]) == 2


def test_security_group_admits_nobody_by_itself(aurora: dict[str, Any]) -> None:
    group = only(aurora, "aws_security_group")
    assert group["name"] == "keycloak-aurora-security-group"
    assert "ingress" not in group and "egress" not in group
    assert resources(aurora, "aws_security_group_rule") == {}
    assert resources(aurora, "aws_vpc_security_group_ingress_rule") == {}


def test_cluster_is_aurora_postgresql_with_a_managed_password(aurora: dict[str, Any]) -> None:
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["cluster_identifier"] == "keycloak-aurora"
    assert cluster["engine"] == "aurora-postgresql"
    assert cluster["engine_version"] == "16.8"
    assert cluster["database_name"] == "keycloak"
    assert cluster["master_username"] == "keycloak"
    assert cluster["manage_master_user_password"] is True
    assert "master_password" not in cluster
    assert cluster["port"] == 5432
    assert cluster["db_subnet_group_name"] == "${aws_db_subnet_group.network_subnet-group_308A1692.name}"
    assert cluster["vpc_security_group_ids"] == ["${aws_security_group.network_security-group_FDE06AB1.id}"]


def test_destroy_keeps_a_final_snapshot_by_default(aurora: dict[str, Any]) -> None:
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"] == (
        "keycloak-aurora-final-${substr(terraform_data.aurora_final-snapshot-suffix_417657F5.id, 0, 8)}"
    )


def test_final_snapshot_can_be_turned_off(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["final_snapshot"] = False
    aurora = synth(config_data)["aurora"]
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in cluster
    assert resources(aurora, "terraform_data") == {}


def test_master_secret_rotation_is_explicit(aurora: dict[str, Any]) -> None:
    rotation = only(aurora, "aws_secretsmanager_secret_rotation")
    assert rotation["secret_id"] == "${aws_rds_cluster.aurora_cluster_059EF40F.master_user_secret[0].secret_arn}"
    assert rotation["rotation_rules"] == {"automatically_after_days": 7}
    assert "rotation_lambda_arn" not in rotation


def test_rotation_schedule_is_configurable(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["secret_rotation_days"] = 30
    rotation = only(synth(config_data)["aurora"], "aws_secretsmanager_secret_rotation")
    assert rotation["rotation_rules"] == {"automatically_after_days": 30}


def test_no_rotation_resource_with_a_variable_password(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["master_password"] = "variable"
    config_data["keycloak"] = {"credentials": "copy"}  # iam reads the RDS-managed secret
    assert resources(synth(config_data)["aurora"], "aws_secretsmanager_secret_rotation") == {}


def test_cluster_does_not_pin_availability_zones(aurora: dict[str, Any]) -> None:
    # AWS adds a third AZ to the storage; a pinned list would replace the cluster on every apply.
    assert "availability_zones" not in only(aurora, "aws_rds_cluster")


def test_writer_in_first_az_reader_in_the_other(aurora: dict[str, Any]) -> None:
    instances = by_path(aurora, "aws_rds_cluster_instance")
    writer, reader = instances["aurora/aurora/writer"], instances["aurora/aurora/reader-1"]
    assert (writer["availability_zone"], writer["promotion_tier"]) == ("eu-west-1a", 0)
    assert (reader["availability_zone"], reader["promotion_tier"]) == ("eu-west-1b", 1)
    for instance in (writer, reader):
        assert instance["instance_class"] == "db.t4g.large"
        assert instance["auto_minor_version_upgrade"] is False
        assert instance["publicly_accessible"] is False
        assert instance["cluster_identifier"] == "${aws_rds_cluster.aurora_cluster_059EF40F.id}"
        assert instance["engine"] == "${aws_rds_cluster.aurora_cluster_059EF40F.engine}"
    assert writer["identifier"] == "keycloak-aurora-writer"
    assert reader["identifier"] == "keycloak-aurora-reader-1"


def test_readers_round_robin_over_the_other_azs(synth: Synth, config_data: dict[str, Any]) -> None:
    # GIVEN three AZs and three readers
    config_data["aurora"]["subnets"].append({"availability_zone": "eu-west-1c", "cidr": "192.168.64.0/19"})
    config_data["aurora"]["reader_count"] = 3
    # WHEN synthesized
    instances = by_path(synth(config_data)["aurora"], "aws_rds_cluster_instance")
    # THEN the writer keeps the first AZ and readers never share it
    assert {path: i["availability_zone"] for path, i in instances.items()} == {
        "aurora/aurora/writer": "eu-west-1a",
        "aurora/aurora/reader-1": "eu-west-1b",
        "aurora/aurora/reader-2": "eu-west-1c",
        "aurora/aurora/reader-3": "eu-west-1b",
    }


def test_outputs(aurora: dict[str, Any]) -> None:
    cluster = "aws_rds_cluster.aurora_cluster_059EF40F"
    values = {name: body["value"] for name, body in aurora["output"].items()}
    assert values == {
        "writer_endpoint": f"${{{cluster}.endpoint}}",
        "reader_endpoint": f"${{{cluster}.reader_endpoint}}",
        "port": 5432,
        "database_name": "keycloak",
        "jdbc_url": f"jdbc:aws-wrapper:postgresql://${{{cluster}.endpoint}}:5432/keycloak",
        "vpc_id": "${aws_vpc.network_vpc_4E8F0223.id}",
        "vpc_cidr": "${aws_vpc.network_vpc_4E8F0223.cidr_block}",
        "route_table_id": "${aws_route_table.network_route-table_2BA4F3EC.id}",
        "security_group_id": "${aws_security_group.network_security-group_FDE06AB1.id}",
        "master_secret_arn": f"${{{cluster}.master_user_secret[0].secret_arn}}",
        "cluster_resource_id": f"${{{cluster}.cluster_resource_id}}",
        "kms_key_arn": "${aws_kms_key.key_F64E54E4.arn}",
        "alarm_topic_arn": "${aws_sns_topic.notifications_topic_9813ADB4.arn}",
        "dashboard_url": "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#dashboards/dashboard/keycloak-aurora-eu-west-1",
    }
    assert all(body.get("description") for body in aurora["output"].values())


def test_password_from_a_sensitive_variable(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["master_password"] = "variable"
    config_data["keycloak"] = {"credentials": "copy"}  # iam reads the RDS-managed secret
    aurora = synth(config_data)["aurora"]
    cluster = only(aurora, "aws_rds_cluster")
    assert cluster["master_password"] == "${var.master_password}"
    assert "manage_master_user_password" not in cluster
    variable = aurora["variable"]["master_password"]
    assert variable["sensitive"] is True and variable["type"] == "string"
    assert "default" not in variable
    assert aurora["output"]["master_secret_arn"]["value"] == ""


def test_no_password_in_the_json(aurora: dict[str, Any]) -> None:
    # The managed mode declares no password input at all: nothing to leak into state or plans.
    assert "variable" not in aurora
    assert not {"master_password", "master_password_wo"} & set(only(aurora, "aws_rds_cluster"))
    assert "secret99" not in json.dumps(aurora)  # the guide's demo password


def test_s3_backend_one_state_per_stack_encrypted_and_locked(aurora: dict[str, Any]) -> None:
    s3 = aurora["terraform"]["backend"]["s3"]
    assert s3["bucket"] == "my-org-keycloak-aurora-tfstate"
    assert s3["key"] == "keycloak-aurora/aurora.tfstate"
    assert s3["region"] == "eu-west-1"
    assert s3["encrypt"] is True
    assert s3["use_lockfile"] is True
    assert "dynamodb_table" not in s3


def test_s3_backend_with_dynamodb_locking(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["state"]["s3"].update(locking="dynamodb", dynamodb_table="tf-locks", region="eu-central-1")
    s3 = synth(config_data)["aurora"]["terraform"]["backend"]["s3"]
    assert s3["dynamodb_table"] == "tf-locks"
    assert s3["region"] == "eu-central-1"
    assert "use_lockfile" not in s3


def test_local_backend(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["state"] = {"backend": "local"}
    backend = synth(config_data)["aurora"]["terraform"]["backend"]
    assert backend == {"local": {"path": "../../../state/aurora.tfstate"}}


def test_provider_region_and_emulator_endpoints(synth: Synth, config_data: dict[str, Any]) -> None:
    url = "http://127.0.0.1:4566"
    config_data["aws"] = {"endpoints": {"ec2": url, "rds": url, "s3": url, "sts": url}, "skip_validation": True}
    aurora = synth(config_data)["aurora"]
    (provider,) = aurora["provider"]["aws"]
    assert provider["region"] == "eu-west-1"
    assert provider["endpoints"] == [{"ec2": url, "rds": url, "s3": url, "sts": url}]
    assert provider["s3_use_path_style"] is True
    assert provider["skip_credentials_validation"] is True
    assert provider["skip_requesting_account_id"] is True
    assert provider["skip_metadata_api_check"] == "true"
    backend = aurora["terraform"]["backend"]["s3"]
    assert backend["endpoints"] == {"s3": url, "sts": url}
    assert backend["use_path_style"] is True
    assert backend["skip_credentials_validation"] is True


def test_real_aws_provider_has_no_emulator_settings(aurora: dict[str, Any]) -> None:
    (provider,) = aurora["provider"]["aws"]
    assert provider == {"region": "eu-west-1"}
    assert set(aurora["terraform"]["backend"]["s3"]) == {"bucket", "key", "region", "encrypt", "use_lockfile"}


def test_tags_from_config_reach_every_taggable_resource(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["tags"] = {"CostCenter": "iam-42"}
    aurora = synth(config_data)["aurora"]
    tagged = [body for items in aurora["resource"].values() for body in items.values() if "tags" in body]
    assert len(tagged) == 17 + 14  # every resource type that takes tags; 11 alarms, 2 event subscriptions, the topic
    assert {rtype for rtype, items in aurora["resource"].items() for body in items.values() if "tags" not in body} == {
        "aws_route_table_association", "aws_kms_alias", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
        "aws_secretsmanager_secret_rotation", "terraform_data", "aws_cloudwatch_dashboard",
    }
    assert all(body["tags"]["CostCenter"] == "iam-42" for body in tagged)
