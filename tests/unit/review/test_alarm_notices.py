"""The plan summary names alarm and window changes in one line each (issue #21), after the
warnings, and never their values; the topology picture does not change with them."""

from __future__ import annotations

from modules.review.fit import render
from tests.unit.review.test_day2_notices import CLUSTER, READER_1, WRITER, change, plan

CPU = "aws_cloudwatch_metric_alarm.alarms_writer-cpu_C06F7A39"
MEMORY = "aws_cloudwatch_metric_alarm.alarms_writer-memory_36B577FC"
LAG = "aws_cloudwatch_metric_alarm.alarms_reader-replica-lag_0C271009"
HEADING = ["> [!NOTE]", "> **Alarms and maintenance windows change.**"]


def note(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(HEADING[1])
    assert lines[start - 1] == HEADING[0]
    return lines[start + 1:lines.index("", start)]


def test_alarm_changes_in_one_line() -> None:
    doc = plan(
        change(CPU, ["update"], {"threshold": 90, "alarm_name": "x"}, {"threshold": 75, "alarm_name": "x"}),
        change(MEMORY, ["update"], {"evaluation_periods": 15}, {"evaluation_periods": 10}),
        change(LAG, ["create"], None, {"threshold": 2000}),
    )
    text = render({"aurora": doc})
    assert note(text) == ["> - Alarms (`aurora`): 1 alarm created, 2 alarms changed; changed: `evaluation_periods`, `threshold`"]
    assert "75" not in text.split("### ")[0]  # values stay out of the notices


def test_window_changes_in_one_line() -> None:
    window = {"preferred_maintenance_window": "sun:04:00-sun:05:00", "preferred_backup_window": "02:00-03:00"}
    moved = {"preferred_maintenance_window": "sat:22:00-sat:23:00", "preferred_backup_window": "01:00-01:30"}
    doc = plan(
        change(CLUSTER, ["update"], window, moved),
        change(WRITER, ["update"], {"preferred_maintenance_window": "sun:04:00-sun:05:00"},
               {"preferred_maintenance_window": "sat:22:00-sat:23:00"}),
        change(READER_1, ["update"], {"preferred_maintenance_window": "sun:04:00-sun:05:00"},
               {"preferred_maintenance_window": "sat:22:00-sat:23:00"}),
    )
    text = render({"aurora": doc})
    assert note(text) == [
        "> - Windows: the maintenance window of 1 cluster and 2 instances; the backup window of 1 cluster (in place;"
        " pending changes wait for the new maintenance window)"
    ]
    assert "sat:22:00" not in text


def test_the_note_comes_after_the_warnings() -> None:
    doc = plan(
        change(CLUSTER, ["update"], {"engine_version": "16.8", "preferred_backup_window": "02:00-03:00"},
               {"engine_version": "17.4", "preferred_backup_window": "01:00-01:30"}),
        change(CPU, ["create"], None, {"threshold": 90}),
    )
    text = render({"aurora": doc})
    assert text.index("Major engine upgrade") < text.index(HEADING[1])
    assert note(text) == [
        "> - Alarms (`aurora`): 1 alarm created",
        "> - Windows: the backup window of 1 cluster (in place; pending changes wait for the new maintenance window)",
    ]


def test_nothing_of_the_kind_no_note() -> None:
    doc = plan(change(WRITER, ["update"], {"instance_class": "db.r6g.large"}, {"instance_class": "db.r6g.xlarge"}))
    assert HEADING[1] not in render({"aurora": doc})
