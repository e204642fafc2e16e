"""`AuroraCluster` on its own, in a bare stack with its network: each password mode,
protection on and off, Performance Insights and monitoring gated, readers round-robin."""

from __future__ import annotations

from typing import Any

import pytest

from modules.config import AuroraSpec
from tests.conftest import AURORA_DATA, construct_json, only, resources


def cluster(**changes: Any) -> dict[str, Any]:
    """The JSON of an `AuroraCluster` (with its `AuroraNetwork`) for `AURORA_DATA` plus `changes`."""
    from modules.aurora.cluster import AuroraCluster
    from modules.aurora.network import AuroraNetwork

    spec = AuroraSpec.model_validate({**AURORA_DATA, **changes})

    def build(stack: Any) -> None:
        network = AuroraNetwork(stack, "network", spec=spec, kms_key_arn="arn:aws:kms:eu-west-1:111111111111:key/k")
        AuroraCluster(stack, "aurora", spec=spec, network=network, kms_key_arn="arn:aws:kms:eu-west-1:111111111111:key/k")

    return construct_json(build)


def instances(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{identifier: body} of the DB instances."""
    return {body["identifier"]: body for body in resources(stack, "aws_rds_cluster_instance").values()}


def test_managed_password_is_kept_by_rds_and_rotated() -> None:
    stack = cluster()
    body = only(stack, "aws_rds_cluster")
    assert body["manage_master_user_password"] is True
    assert body["master_user_secret_kms_key_id"] == "arn:aws:kms:eu-west-1:111111111111:key/k"
    assert "master_password" not in body and "variable" not in stack
    rotation = only(stack, "aws_secretsmanager_secret_rotation")
    assert rotation["rotation_rules"] == {"automatically_after_days": 7}


def test_variable_password_is_a_sensitive_stack_variable() -> None:
    stack = cluster(master_password="variable")
    assert stack["variable"] == {
        "master_password": {
            "type": "string",
            "sensitive": True,
            "nullable": False,
            "description": "Master password of the Aurora cluster (set TF_VAR_master_password).",
        }
    }
    body = only(stack, "aws_rds_cluster")
    assert body["master_password"] == "${var.master_password}"
    assert "manage_master_user_password" not in body
    assert resources(stack, "aws_secretsmanager_secret_rotation") == {}


@pytest.mark.parametrize("protected", [True, False])
def test_protection_guards_cluster_and_instances_alike(protected: bool) -> None:
    stack = cluster(deletion_protection=protected)
    guarded = [only(stack, "aws_rds_cluster"), *instances(stack).values()]
    for body in guarded:
        assert ("lifecycle" in body) is protected
        if protected:
            assert body["lifecycle"] == {"prevent_destroy": True}
    assert only(stack, "aws_rds_cluster")["deletion_protection"] is protected


@pytest.mark.parametrize("final", [True, False])
def test_final_snapshot(final: bool) -> None:
    body = only(cluster(final_snapshot=final), "aws_rds_cluster")
    assert body["skip_final_snapshot"] is (not final)
    assert body.get("final_snapshot_identifier") == ("kc-final" if final else None)


def test_writer_first_az_tier_0_and_readers_round_robin_over_the_others() -> None:
    placed = {name: (body["availability_zone"], body["promotion_tier"]) for name, body in instances(cluster(reader_count=3)).items()}
    assert placed == {
        "kc-writer": ("eu-west-1a", 0),
        "kc-reader-1": ("eu-west-1b", 1),
        "kc-reader-2": ("eu-west-1c", 1),
        "kc-reader-3": ("eu-west-1b", 1),
    }


@pytest.mark.parametrize(
    ("instance_class", "wanted", "enabled"),
    [("db.r6g.large", True, True), ("db.t3.small", True, False), ("db.r6g.large", False, False)],
)
def test_performance_insights_where_the_class_allows(instance_class: str, wanted: bool, enabled: bool) -> None:
    for body in instances(cluster(instance_class=instance_class, performance_insights=wanted)).values():
        assert body["performance_insights_enabled"] is enabled
        assert ("performance_insights_kms_key_id" in body) is enabled


@pytest.mark.parametrize("interval", [0, 60])
def test_enhanced_monitoring_role_only_when_monitoring(interval: int) -> None:
    stack = cluster(monitoring_interval=interval)
    roles = resources(stack, "aws_iam_role")
    monitoring = [body for body in roles.values() if body["name"] == "kc-rds-monitoring"]
    assert len(monitoring) == (1 if interval else 0)
    for body in instances(stack).values():
        assert body["monitoring_interval"] == interval
        assert ("monitoring_role_arn" in body) is bool(interval)


def test_parameter_group_refuses_plain_connections_and_keeps_data_out_of_logs() -> None:
    group = only(cluster(engine_version="15.10"), "aws_rds_cluster_parameter_group")
    assert group["family"] == "aurora-postgresql15"
    assert {p["name"]: p["value"] for p in group["parameter"]} == {
        "rds.force_ssl": "1",
        "log_statement": "ddl",
        "log_min_duration_statement": "1000",
    }
