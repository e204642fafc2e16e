"""What operators tune on the cluster (issue #21): maintenance and backup windows, engine
parameters merged with this tool's, Performance Insights retention, Serverless v2."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import only, resources
from tests.unit.aurora.test_cluster import cluster, instances


# --- windows -----------------------------------------------------------------------------


def test_fixed_windows_by_default_on_the_cluster_and_every_instance() -> None:
    # Without them RDS picks a random window per instance.
    stack = cluster(reader_count=2)
    body = only(stack, "aws_rds_cluster")
    assert (body["preferred_maintenance_window"], body["preferred_backup_window"]) == ("sun:04:00-sun:05:00", "02:00-03:00")
    assert {i["preferred_maintenance_window"] for i in instances(stack).values()} == {"sun:04:00-sun:05:00"}


def test_configured_windows() -> None:
    stack = cluster(maintenance_window="sat:23:30-sun:00:30", backup_window="01:00-01:30")
    body = only(stack, "aws_rds_cluster")
    assert (body["preferred_maintenance_window"], body["preferred_backup_window"]) == ("sat:23:30-sun:00:30", "01:00-01:30")
    assert {i["preferred_maintenance_window"] for i in instances(stack).values()} == {"sat:23:30-sun:00:30"}


# --- parameters ---------------------------------------------------------------------------


def parameters(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {p["name"]: (p["value"], p.get("apply_method", "immediate")) for p in body["parameter"]}


def test_configured_cluster_parameters_join_and_override_the_tools_own() -> None:
    group = only(cluster(cluster_parameters={
        "log_min_duration_statement": 250,
        "pg_stat_statements.track": "all",
        "rds.logical_replication": {"value": True, "apply_method": "pending-reboot"},
    }), "aws_rds_cluster_parameter_group")
    assert parameters(group) == {
        "rds.force_ssl": ("1", "immediate"),
        "log_statement": ("ddl", "immediate"),
        "log_min_duration_statement": ("250", "immediate"),
        "pg_stat_statements.track": ("all", "immediate"),
        "rds.logical_replication": ("1", "pending-reboot"),  # booleans as RDS spells them
    }
    # the group's name and description never change with its parameters (both are ForceNew)
    assert (group["name"], group["description"]) == ("kc-aurora-postgresql16", "Aurora kc: TLS only, DDL and slow statement logging")


def test_no_instance_parameters_no_group_and_rds_default_named() -> None:
    stack = cluster()
    assert resources(stack, "aws_db_parameter_group") == {}
    assert {i["db_parameter_group_name"] for i in instances(stack).values()} == {"default.aurora-postgresql16"}
    assert "db_instance_parameter_group_name" not in only(stack, "aws_rds_cluster")


@pytest.mark.parametrize("engine_version", ["15.10", "17.4"])
def test_instance_parameters_get_a_group_per_major_created_before_the_old_goes(engine_version: str) -> None:
    major = engine_version.split(".")[0]
    stack = cluster(engine_version=engine_version,
                    instance_parameters={"shared_preload_libraries": {"value": "pg_stat_statements,pg_hint_plan",
                                                                      "apply_method": "pending-reboot"}})
    group = only(stack, "aws_db_parameter_group")
    assert (group["name"], group["family"]) == (f"kc-instance-aurora-postgresql{major}", f"aurora-postgresql{major}")
    assert group["lifecycle"] == {"create_before_destroy": True}
    assert group["description"] == "Aurora kc: instance parameters"
    assert parameters(group) == {"shared_preload_libraries": ("pg_stat_statements,pg_hint_plan", "pending-reboot")}
    name = "${aws_db_parameter_group.aurora_instance-parameter-group_1C90C8E3.name}"
    assert {i["db_parameter_group_name"] for i in instances(stack).values()} == {name}
    # a major upgrade names the new group for the instances (AWS requires it for a custom group)
    assert only(stack, "aws_rds_cluster")["db_instance_parameter_group_name"] == name


# --- Performance Insights ----------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 31, 93, 713, 731])
def test_performance_insights_retention(days: int) -> None:
    assert {i["performance_insights_retention_period"] for i in
            instances(cluster(performance_insights_retention_days=days)).values()} == {days}


# --- Serverless v2 -----------------------------------------------------------------------


def test_serverless_v2_instances_scale_within_the_clusters_range() -> None:
    stack = cluster(instance_class="db.serverless", serverless={"min_capacity": 1, "max_capacity": 32.5}, reader_count=2)
    body = only(stack, "aws_rds_cluster")
    assert body["engine_mode"] == "provisioned"
    assert body["serverlessv2_scaling_configuration"] == {"min_capacity": 1, "max_capacity": 32.5}
    placed = {name: (i["instance_class"], i["promotion_tier"]) for name, i in instances(stack).items()}
    # readers in tiers 0-1 scale with the writer: the one a failover promotes is ready for its load
    assert placed == {"kc-writer": ("db.serverless", 0), "kc-reader-1": ("db.serverless", 1),
                      "kc-reader-2": ("db.serverless", 1)}
    assert all(i["performance_insights_enabled"] is True for i in instances(stack).values())


def test_serverless_v2_defaults_to_half_an_acu_to_sixteen() -> None:
    body = only(cluster(instance_class="db.serverless"), "aws_rds_cluster")
    assert body["serverlessv2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 16}


def test_provisioned_instances_have_no_scaling_range() -> None:
    assert "serverlessv2_scaling_configuration" not in only(cluster(), "aws_rds_cluster")
