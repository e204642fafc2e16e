"""The deployment's CloudWatch dashboard (issue #21): the alarms' states, then the writer and
the readers side by side, with the limits that matter; every metric names this cluster."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.aurora.dashboard import dashboard_body
from modules.config import AuroraSpec
from tests.conftest import AURORA_DATA, Synth, by_path, only

ALARMS = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:kc writer CPU high: Keycloak slows down"]
THRESHOLDS = {"writer-cpu": 90, "writer-connections": 720, "reader-replica-lag": 2000, "writer-memory": 2147483648}


def body(**changes: Any) -> dict[str, Any]:
    spec = AuroraSpec.model_validate({**AURORA_DATA, **changes})
    return dashboard_body(spec, max_connections=901, vcpus=2, alarm_arns=ALARMS, thresholds=THRESHOLDS)


def graphs(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["properties"]["title"]: w["properties"] for w in found["widgets"] if w["type"] == "metric"}


def test_alarm_states_first_then_writer_and_readers_side_by_side() -> None:
    found = body()
    assert found["widgets"][0]["type"] == "alarm"
    assert found["widgets"][0]["properties"]["alarms"] == ALARMS
    shown = {title: [m[5] for m in p["metrics"]] for title, p in graphs(found).items()}
    assert shown == {
        "CPU utilization (%)": ["WRITER", "READER"],
        "Connections": ["WRITER", "READER"],
        "Replica lag (ms)": ["READER"],
        "DB load (average active sessions)": ["WRITER", "READER"],
        "Commit latency (ms)": ["WRITER"],
        "Freeable memory (bytes)": ["WRITER", "READER"],
    }


def test_every_metric_names_this_cluster_and_a_role_only() -> None:
    for properties in graphs(body()).values():
        assert properties["region"] == "eu-west-1"
        for metric in properties["metrics"]:
            assert metric[0] == "AWS/RDS"
            assert metric[2:6] == ["DBClusterIdentifier", "kc", "Role", metric[5]]
            assert len(metric) == 7  # namespace, name, two dimensions, options


def test_the_limits_are_drawn_in() -> None:
    lines = {title: {a["label"]: a["value"] for a in p.get("annotations", {}).get("horizontal", [])}
             for title, p in graphs(body()).items()}
    assert lines["Connections"] == {"max_connections": 901, "alarm": 720}
    assert lines["DB load (average active sessions)"] == {"vCPUs": 2}
    assert lines["CPU utilization (%)"] == {"alarm": 90}
    assert lines["Freeable memory (bytes)"] == {"alarm": 2147483648}


def test_widgets_are_placed_two_graphs_a_row_without_overlap() -> None:
    cells = set()
    for widget in body()["widgets"]:
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, widget
                cells.add((x, y))
                assert x < 24


def test_serverless_adds_the_capacity_against_its_maximum() -> None:
    found = graphs(body(instance_class="db.serverless", serverless={"max_capacity": 8}))
    capacity = found["Capacity (ACU)"]
    assert capacity["metrics"][0][1] == "ServerlessDatabaseCapacity"
    assert capacity["annotations"]["horizontal"] == [{"label": "max_capacity", "value": 8}]


def test_the_body_is_json() -> None:
    assert json.loads(json.dumps(body())) == body()


def test_the_dashboard_of_the_example_and_its_link(example_stacks: dict[str, dict[str, Any]]) -> None:
    aurora = example_stacks["aurora"]
    dashboard = only(aurora, "aws_cloudwatch_dashboard")
    assert dashboard["dashboard_name"] == "keycloak-aurora-eu-west-1"
    # encoded by Terraform: the limits are read at plan time
    assert dashboard["dashboard_body"].startswith("${jsonencode(")
    # the connections alarm's line: the same expression as the alarm's threshold, from the class
    connections = by_path(aurora, "aws_cloudwatch_metric_alarm")["aurora/alarms/writer-connections"]["threshold"]
    assert connections.startswith("${floor(") and "memory_size" in connections
    assert connections.removeprefix("${").removesuffix("}") in dashboard["dashboard_body"]
    assert aurora["output"]["dashboard_url"]["value"] == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#dashboards/dashboard/keycloak-aurora-eu-west-1"
    )


@pytest.mark.parametrize(("region", "host"), [("eu-west-1", "eu-west-1.console.aws.amazon.com"),
                                              ("cn-north-1", "cn-north-1.console.amazonaws.cn"),
                                              ("us-gov-west-1", "us-gov-west-1.console.amazonaws-us-gov.com")])
def test_the_link_points_at_the_regions_console(region: str, host: str) -> None:
    from modules.naming import dashboard_url

    assert dashboard_url(region, "kc").startswith(f"https://{host}/cloudwatch/home?region={region}#")


def test_dashboard_false_has_none(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["dashboard"] = False
    aurora = synth(config_data)["aurora"]
    assert "aws_cloudwatch_dashboard" not in aurora["resource"]
    assert "dashboard_url" not in aurora["output"]
