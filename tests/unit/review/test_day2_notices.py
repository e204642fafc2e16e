"""The plan review's day-2 notices: a major engine upgrade leads, a restore makes a new
cluster, an instance class change says in which order the instances restart.

`fixtures/*.plan.json` are real `terraform show -json` plans of the end-to-end day-2
scenario (`tests/e2e/test_aurora_day2.py`, moto), trimmed to the changed resources, their
changed attributes and the instances' `depends_on`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modules.review.fit import render

FIXTURES = Path(__file__).parent / "fixtures"
CLUSTER = "aws_rds_cluster.aurora_cluster_059EF40F"
WRITER = "aws_rds_cluster_instance.aurora_writer_E7281974"
READER_1 = "aws_rds_cluster_instance.aurora_reader-1_D522C707"
READER_2 = "aws_rds_cluster_instance.aurora_reader-2_8DF8E8D2"

MAJOR_UPGRADE = [
    "> [!WARNING]",
    "> **Major engine upgrade: downtime, snapshot first.** Every instance restarts and the database is unavailable"
    " until the upgrade ends; there is no way back but a restore. Take a cluster snapshot right before applying"
    " (`aws rds create-db-cluster-snapshot`) and check that Keycloak supports the new major. It runs at apply with"
    " `aurora.apply_immediately: true`, else in the next maintenance window; the new cluster parameter group is"
    " created first and the old one deleted last.",
]
RESTORE = [
    "> [!WARNING]",
    "> **A restore makes a new cluster**, with the data as of the snapshot or point in time, new endpoints and a new"
    " master secret. After the apply, render Keycloak's patch again from the new outputs (`python -m"
    " modules.keycloak.render --outputs ...`) and apply the `keycloak-*` stacks.",
]
CLASS_CHANGE = [
    "> [!WARNING]",
    "> **Instance class change: each instance restarts.** In this order, each step waiting for the one before; the"
    " instances of one step restart together. With `aurora.apply_immediately: false` they all change in the"
    " maintenance window (`aurora.maintenance_window`) instead, together.",
]


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.plan.json").read_text())


def change(address: str, actions: list[str], before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """A `resource_changes[]` entry as `terraform show -json` writes it."""
    resource_type, name = address.split(".", 1)
    return {
        "address": address, "mode": "managed", "type": resource_type, "name": name,
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
    }


def plan(*changes: dict[str, Any], depends_on: dict[str, list[str]] | None = None) -> dict[str, Any]:
    resources = [{"address": address, "depends_on": deps} for address, deps in (depends_on or {}).items()]
    return {
        "format_version": "1.2",
        "resource_changes": list(changes),
        "configuration": {"root_module": {"resources": resources}},
    }


def block(text: str, heading: list[str]) -> list[str]:
    """The lines of the notice starting with `heading`, up to its blank line."""
    lines = text.splitlines()
    start = lines.index(heading[1])
    end = lines.index("", start)
    assert lines[start - 1] == heading[0]
    return lines[start - 1:end]


# --- major engine upgrade ------------------------------------------------------------


def test_a_major_upgrade_leads_the_notices() -> None:
    # GIVEN the real plan of 15.10 -> 16.8 (parameter group replaced create-first)
    text = render({"aurora": fixture("aurora-major-upgrade")})
    # THEN nothing holding data is at risk, and the first notice is the upgrade's
    assert "No resource that holds or reaches the data would be destroyed or replaced." in text
    assert block(text, MAJOR_UPGRADE) == [
        *MAJOR_UPGRADE,
        f"> - `aurora`: `{CLUSTER}` moves `engine_version` to another major",
    ]
    assert text.index("> [!WARNING]") == text.index(MAJOR_UPGRADE[0] + "\n" + MAJOR_UPGRADE[1])
    # the values themselves are never shown
    assert "15.10" not in text and "16.8" not in text


def test_a_major_upgrade_comes_before_a_password_change() -> None:
    both = change(CLUSTER, ["update"], {"engine_version": "16.8", "master_password": "a"},
                  {"engine_version": "17.4", "master_password": "b"})
    text = render({"aurora": plan(both)})
    assert text.index("Major engine upgrade") < text.index("The database password changes")


def test_a_minor_upgrade_or_a_new_cluster_is_no_major_upgrade() -> None:
    minor = change(CLUSTER, ["update"], {"engine_version": "16.8"}, {"engine_version": "16.9"})
    new = change(CLUSTER, ["create"], None, {"engine_version": "17.4"})
    for doc in (plan(minor), plan(new)):
        assert "Major engine upgrade" not in render({"aurora": doc})


# --- restores ------------------------------------------------------------------------------


def test_a_restore_from_a_snapshot_says_it_makes_a_new_cluster() -> None:
    restored = change(CLUSTER, ["create"], None, {"snapshot_identifier": "kc-final-1a2b3c4d", "restore_to_point_in_time": []})
    text = render({"aurora": plan(restored)})
    assert block(text, RESTORE) == [*RESTORE, f"> - `aurora`: `{CLUSTER}` is created from a snapshot"]
    assert "kc-final-1a2b3c4d" not in text


def test_a_restore_replacing_the_cluster_says_so_too() -> None:
    replaced = change(
        CLUSTER, ["delete", "create"], {"restore_to_point_in_time": []},
        {"snapshot_identifier": None, "restore_to_point_in_time": [{"source_cluster_identifier": "kc-old"}]},
    )
    replaced["change"]["replace_paths"] = [["restore_to_point_in_time"]]
    text = render({"aurora": plan(replaced)})
    assert block(text, RESTORE)[-1] == (
        f"> - `aurora`: `{CLUSTER}` is created from a point in time and **replaces** the current cluster"
    )
    # the data-at-risk warning names the replacement as well
    assert f"> - `aurora`: `{CLUSTER}` will be **replaced**, forced by `restore_to_point_in_time`" in text


def test_a_new_cluster_without_restore_gives_no_restore_notice() -> None:
    new = change(CLUSTER, ["create"], None, {"snapshot_identifier": None, "restore_to_point_in_time": []})
    assert "A restore makes a new cluster" not in render({"aurora": plan(new)})


# --- instance class changes -------------------------------------------------------------


def test_readers_first_is_shown_in_order() -> None:
    # GIVEN the real plan of a class change with aurora.readers_first (writer depends on the reader)
    text = render({"aurora": fixture("aurora-class-change-readers-first")})
    assert block(text, CLASS_CHANGE) == [*CLASS_CHANGE, f"> - `aurora`: `{READER_1}`, then `{WRITER}`"]


def resized(address: str) -> dict[str, Any]:
    return change(address, ["update"], {"instance_class": "db.t4g.large"}, {"instance_class": "db.r6g.large"})


def test_readers_change_side_by_side_then_the_writer() -> None:
    doc = plan(resized(WRITER), resized(READER_1), resized(READER_2),
               depends_on={WRITER: [READER_1, READER_2], READER_1: [], READER_2: []})
    assert block(render({"aurora": doc}), CLASS_CHANGE)[-1] == (
        f"> - `aurora`: `{READER_1}` and `{READER_2}`, then `{WRITER}`"
    )


def test_writer_first_names_the_switch_that_turns_the_order() -> None:
    doc = plan(resized(WRITER), resized(READER_1), depends_on={READER_1: [WRITER]})
    assert block(render({"aurora": doc}), CLASS_CHANGE)[-2:] == [
        f"> - `aurora`: `{WRITER}`, then `{READER_1}`",
        ">   The writer goes first: on an existing cluster, `aurora.readers_first: true` changes the readers first and"
        " the writer last.",
    ]


def test_instances_without_an_order_restart_all_at_once() -> None:
    doc = plan(resized(WRITER), resized(READER_1))
    assert block(render({"aurora": doc}), CLASS_CHANGE)[-2:] == [
        f"> - `aurora`: `{READER_1}` and `{WRITER}`",
        ">   **All at once**: Keycloak loses its database until they are back.",
    ]


def test_one_resized_reader_alone_is_one_step() -> None:
    doc = plan(resized(READER_2), depends_on={WRITER: [READER_1, READER_2]})
    assert block(render({"aurora": doc}), CLASS_CHANGE)[-1] == f"> - `aurora`: `{READER_2}`"


def test_other_instance_updates_give_no_class_notice() -> None:
    doc = plan(change(WRITER, ["update"], {"promotion_tier": 1}, {"promotion_tier": 0}))
    assert "Instance class change" not in render({"aurora": doc})


# --- global database membership (issue #25) ------------------------------------------

GLOBAL = "aws_rds_global_cluster.global-cluster"
MEMBERSHIP = [
    "> [!WARNING]",
    "> **The global database's membership changes.** Membership decides which cluster takes writes and which one"
    " replicates; a switchover or failover is done with the runbook, never by a plan (docs/operations.md, \"A second"
    " region\").",
]


def test_joining_the_primary_and_adding_the_secondary_are_named() -> None:
    # GIVEN the aurora stack creating the global cluster and the secondary stack its cluster
    text = render({
        "aurora": plan(change(GLOBAL, ["create"], None, {"global_cluster_identifier": "g"})),
        "aurora-secondary": plan(change(CLUSTER, ["create"], None, {"cluster_identifier": "s"})),
    })
    # THEN one warning names both, the primary joined in place
    assert block(text, MEMBERSHIP) == [
        *MEMBERSHIP,
        f"> - `aurora`: `{GLOBAL}` is created: the primary cluster joins it in place (no replacement)",
        f"> - `aurora-secondary`: `{CLUSTER}` is created and joins the global database as its secondary",
    ]


def test_destroying_the_global_cluster_is_data_at_risk_and_says_the_secondary_stops() -> None:
    text = render({"aurora": plan(change(GLOBAL, ["delete"], {"deletion_protection": False}, None))})
    assert block(text, MEMBERSHIP)[-1] == (
        f"> - `aurora`: `{GLOBAL}` is **destroyed**: its members are removed first, and the secondary stops replicating")
    assert GLOBAL in text.split(MEMBERSHIP[1])[0]  # also in the data-at-risk warning, which comes first


def test_a_primary_cluster_change_is_no_membership_change() -> None:
    text = render({"aurora": plan(change(CLUSTER, ["update"], {"backup_retention_period": 7},
                                         {"backup_retention_period": 8}))})
    assert "membership" not in text


def test_a_cluster_leaving_the_global_database_is_named() -> None:
    # GIVEN aurora.secondary dropped from the config: the primary's membership is no longer ignored
    text = render({"aurora": plan(change(CLUSTER, ["update"], {"global_cluster_identifier": "g"},
                                         {"global_cluster_identifier": None}))})
    assert block(text, MEMBERSHIP)[-1] == (
        f"> - `aurora`: `{CLUSTER}` is **detached** from the global database (RemoveFromGlobalCluster)")
