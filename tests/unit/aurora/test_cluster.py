"""`AuroraCluster` on its own, in a bare stack with its network: each password mode,
protection on and off, Performance Insights and monitoring gated, readers round-robin, and
the day-2 settings (upgrades, rolling instance changes, final snapshot names, restores)."""

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
        assert body.get("lifecycle", {}).get("prevent_destroy") is (True if protected else None)
    assert only(stack, "aws_rds_cluster")["deletion_protection"] is protected


SUFFIX = "${substr(terraform_data.aurora_final-snapshot-suffix_417657F5.id, 0, 8)}"


@pytest.mark.parametrize("final", [True, False])
def test_final_snapshot_name_is_new_for_every_cluster_created(final: bool) -> None:
    # A fixed `<name>-final` makes the second destroy of a re-created cluster fail on
    # DBClusterSnapshotAlreadyExists; the suffix is a built-in terraform_data's random id.
    stack = cluster(final_snapshot=final)
    body = only(stack, "aws_rds_cluster")
    assert body["skip_final_snapshot"] is (not final)
    assert body.get("final_snapshot_identifier") == (f"kc-final-{SUFFIX}" if final else None)
    assert set(resources(stack, "terraform_data")) == ({"aurora_final-snapshot-suffix_417657F5"} if final else set())
    if final:
        # no input, no triggers: its id never changes while the stack exists
        assert only(stack, "terraform_data") == {}


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


# --- day 2: upgrades ------------------------------------------------------------------


@pytest.mark.parametrize("engine_version", ["15.10", "16.8", "17.4"])
def test_parameter_group_is_created_before_the_old_one_goes(engine_version: str) -> None:
    # Named after the major: an upgrade needs a new group, and AWS refuses to delete the old
    # one while the cluster uses it. The description is ForceNew too and never changes.
    group = only(cluster(engine_version=engine_version), "aws_rds_cluster_parameter_group")
    major = engine_version.split(".")[0]
    assert group["name"] == f"kc-aurora-postgresql{major}"
    assert group["family"] == f"aurora-postgresql{major}"
    assert group["lifecycle"] == {"create_before_destroy": True}
    assert group["description"] == "Aurora kc: TLS only, DDL and slow statement logging"


@pytest.mark.parametrize("immediately", [True, False])
def test_major_upgrades_are_allowed_and_apply_immediately_reaches_every_instance(immediately: bool) -> None:
    stack = cluster(apply_immediately=immediately)
    body = only(stack, "aws_rds_cluster")
    assert body["allow_major_version_upgrade"] is True
    assert body["apply_immediately"] is immediately
    assert {name: i["apply_immediately"] for name, i in instances(stack).items()} == {
        "kc-writer": immediately,
        "kc-reader-1": immediately,
    }


@pytest.mark.parametrize("auto_minor", [True, False])
def test_auto_minor_upgrades_make_terraform_follow_the_deployed_version(auto_minor: bool) -> None:
    stack = cluster(auto_minor_version_upgrade=auto_minor)
    ignored = ["engine_version"] if auto_minor else []
    assert only(stack, "aws_rds_cluster")["lifecycle"]["ignore_changes"] == [*ignored, "restore_to_point_in_time"]
    for body in instances(stack).values():
        assert body["auto_minor_version_upgrade"] is auto_minor
        assert body.get("lifecycle", {}).get("ignore_changes") == (ignored or None)
        assert body["engine_version"] == "${aws_rds_cluster.aurora_cluster_059EF40F.engine_version}"


ACTUAL = "aws_rds_cluster.aurora_cluster_059EF40F.engine_version_actual"


def writer_checks(**changes: Any) -> list[dict[str, str]]:
    return instances(cluster(**changes))["kc-writer"]["lifecycle"]["precondition"]


def test_the_writer_refuses_a_downgrade_while_planning() -> None:
    (check,) = writer_checks(engine_version="16.8")
    major, minor = (f'tonumber(element(split(".", {ACTUAL}), {i}))' for i in (0, 1))
    assert check["condition"] == f"${{(({major} < 16) || (({major} == 16) && ({minor} <= 8)))}}"
    assert check["error_message"] == (
        f"Refused: aurora.engine_version is 16.8, older than the ${{{ACTUAL}}} the cluster runs, and Aurora cannot "
        f'downgrade. If AWS upgraded the cluster (a forced minor upgrade), set aurora.engine_version: "${{{ACTUAL}}}"; '
        "an older major version means restoring a snapshot into a new cluster (aurora.restore)."
    )


def test_with_auto_minor_upgrades_the_writer_refuses_what_terraform_would_ignore() -> None:
    major_change, newer_minor = writer_checks(engine_version="17.0", auto_minor_version_upgrade=True)
    major, minor = (f'tonumber(element(split(".", {ACTUAL}), {i}))' for i in (0, 1))
    # A 0 is written as 0 (cdktf 0.21 writes a literal 0 operand of Op as `undefined`).
    assert major_change["condition"] == f"${{({major} == 17)}}"
    assert newer_minor["condition"] == f"${{(({major} != 17) || ({minor} >= 0))}}"
    assert "another major version" in major_change["error_message"]
    assert "newer than the" in newer_minor["error_message"]
    for check in (major_change, newer_minor):
        assert "Set aurora.auto_minor_version_upgrade: false for the apply that upgrades" in check["error_message"]


# --- day 2: rolling instance changes ---------------------------------------------------


def depends_on(stack: dict[str, Any]) -> dict[str, list[str]]:
    addresses = {body["identifier"]: f"aws_rds_cluster_instance.{name}" for name, body in resources(stack, "aws_rds_cluster_instance").items()}
    return {
        identifier: sorted(next(k for k, v in addresses.items() if v == dep) for dep in body.get("depends_on", []))
        for identifier, body in instances(stack).items()
    }


def test_by_default_the_writer_is_created_first() -> None:
    # The first instance created in an Aurora cluster becomes its writer.
    stack = cluster(reader_count=2)
    assert depends_on(stack) == {"kc-writer": [], "kc-reader-1": ["kc-writer"], "kc-reader-2": ["kc-writer"]}
    assert all("precondition" not in body.get("lifecycle", {}) for name, body in instances(stack).items() if name != "kc-writer")


def test_readers_first_makes_the_writer_wait_for_every_reader() -> None:
    stack = cluster(reader_count=2, readers_first=True)
    # readers side by side, then the writer
    assert depends_on(stack) == {"kc-writer": ["kc-reader-1", "kc-reader-2"], "kc-reader-1": [], "kc-reader-2": []}
    for name in ("kc-reader-1", "kc-reader-2"):
        (guard,) = instances(stack)[name]["lifecycle"]["precondition"]
        assert guard["condition"] == "${(length(tolist(aws_rds_cluster.aurora_cluster_059EF40F.cluster_members)) > 0)}"
        assert guard["error_message"] == (
            "Refused: aurora.readers_first is on, but cluster kc has no instance yet. The first instance created "
            "becomes the writer, and readers_first creates the readers first. Deploy a new cluster with "
            "aurora.readers_first: false, then turn it on."
        )


# --- day 2: restores -------------------------------------------------------------------


def test_restore_from_a_snapshot() -> None:
    body = only(cluster(restore={"snapshot": "kc-final-1a2b3c4d"}), "aws_rds_cluster")
    assert body["snapshot_identifier"] == "kc-final-1a2b3c4d"
    assert "restore_to_point_in_time" not in body
    # the restore stays in the config: nothing to ignore
    assert "ignore_changes" not in body["lifecycle"]


@pytest.mark.parametrize(
    ("point_in_time", "block"),
    [
        ("latest", {"source_cluster_identifier": "kc-old", "use_latest_restorable_time": True}),
        ("2026-11-28T09:30:00Z", {"source_cluster_identifier": "kc-old", "restore_to_time": "2026-11-28T09:30:00Z"}),
    ],
)
def test_restore_to_a_point_in_time(point_in_time: str, block: dict[str, Any]) -> None:
    body = only(cluster(restore={"source_cluster": "kc-old", "point_in_time": point_in_time}), "aws_rds_cluster")
    assert body["restore_to_point_in_time"] == block
    assert "snapshot_identifier" not in body
    assert "ignore_changes" not in body["lifecycle"]


def test_without_a_restore_a_past_point_in_time_restore_is_left_alone() -> None:
    # The block is ForceNew: once `aurora.restore` is removed, it must not replace the cluster.
    body = only(cluster(), "aws_rds_cluster")
    assert body["lifecycle"]["ignore_changes"] == ["restore_to_point_in_time"]
    assert "snapshot_identifier" not in body and "restore_to_point_in_time" not in body


def bodies(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{rtype}.{name}": body for rtype, items in stack["resource"].items() for name, body in items.items()}


@pytest.mark.parametrize("readers_first", [False, True])
def test_adding_a_reader_touches_only_that_instance(readers_first: bool) -> None:
    before = bodies(cluster(reader_count=1, readers_first=readers_first))
    after = bodies(cluster(reader_count=2, readers_first=readers_first))
    (added,) = set(after) - set(before)
    assert after[added]["identifier"] == "kc-reader-2"
    assert set(before) <= set(after)
    changed = {address for address in before if before[address] != after[address]}
    if readers_first:
        # the writer also waits for the new reader: `depends_on` plans no change
        (writer,) = changed
        assert {k: v for k, v in after[writer].items() if k != "depends_on"} == {
            k: v for k, v in before[writer].items() if k != "depends_on"
        }
    else:
        assert changed == set()
