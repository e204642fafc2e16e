"""The deployment's CloudWatch dashboard: the alarms' states on top, then the writer and
the readers side by side in every graph, with the limits that matter drawn in.

Graphs (one-minute datapoints, the `WRITER` and `READER` role series of this cluster, so
they stay right across a failover): CPU, connections against `max_connections` and the
alarm's threshold, replica lag, DB load against the vCPU count, commit latency, freeable
memory against the alarm's threshold, and with Serverless v2 the capacity in ACUs against
`serverless.max_capacity`. Every metric names this cluster only.

Named `<name>-<region>` (dashboard names are per account); its console link is the
`dashboard_url` output of the aurora stack. The body is built here as data and encoded by
Terraform (`jsonencode`), because the limits are read at plan time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import Fn
from constructs import Construct

from modules import naming
from modules.aurora.capacity import Number
from modules.config import AuroraSpec
from modules.providers import CloudwatchDashboard

#: Grid: 24 columns; graphs two to a row.
WIDTH, GRAPH_WIDTH, GRAPH_HEIGHT, ALARMS_HEIGHT = 24, 12, 6, 4
ROLES = (("WRITER", "Writer"), ("READER", "Readers"))


def _graph(
    spec: AuroraSpec,
    title: str,
    metric: str,
    stat: str,
    *,
    roles: Sequence[tuple[str, str]] = ROLES,
    lines: Mapping[str, Number | None] | None = None,
) -> dict[str, Any]:
    """A time series of `metric` for each of `roles`, with horizontal `lines` (label -> value; None: left out)."""
    properties: dict[str, Any] = {
        "title": title,
        "region": spec.region,
        "view": "timeSeries",
        "stacked": False,
        "stat": stat,
        "period": 60,
        "metrics": [
            ["AWS/RDS", metric, "DBClusterIdentifier", spec.name, "Role", role, {"label": label}]
            for role, label in roles
        ],
        "yAxis": {"left": {"min": 0}},
    }
    drawn = [{"label": label, "value": value} for label, value in (lines or {}).items() if value is not None]
    if drawn:
        properties["annotations"] = {"horizontal": drawn}
    return {"type": "metric", "width": GRAPH_WIDTH, "height": GRAPH_HEIGHT, "properties": properties}


def dashboard_body(
    spec: AuroraSpec,
    *,
    max_connections: Number,
    vcpus: Number | None,
    alarm_arns: Sequence[str],
    thresholds: Mapping[str, Number | None],
) -> dict[str, Any]:
    """The dashboard's body as data: alarm states (when there are alarms) and the graphs.
    `thresholds` maps an alarm's key (`writer-cpu`, ...) to its threshold (None: no such alarm)."""
    widgets: list[dict[str, Any]] = []
    if alarm_arns:
        widgets.append({
            "type": "alarm", "width": WIDTH, "height": ALARMS_HEIGHT,
            "properties": {"title": f"Alarms of {spec.name}", "alarms": list(alarm_arns), "sortBy": "stateUpdatedTimestamp"},
        })
    graphs = [
        _graph(spec, "CPU utilization (%)", "CPUUtilization", "Maximum",
               lines={"alarm": thresholds.get("writer-cpu")}),
        _graph(spec, "Connections", "DatabaseConnections", "Maximum",
               lines={"max_connections": max_connections, "alarm": thresholds.get("writer-connections")}),
        _graph(spec, "Replica lag (ms)", "AuroraReplicaLag", "Maximum", roles=ROLES[1:],
               lines={"alarm": thresholds.get("reader-replica-lag")}),
        _graph(spec, "DB load (average active sessions)", "DBLoad", "Average", lines={"vCPUs": vcpus}),
        _graph(spec, "Commit latency (ms)", "CommitLatency", "Average", roles=ROLES[:1]),
        _graph(spec, "Freeable memory (bytes)", "FreeableMemory", "Minimum",
               lines={"alarm": thresholds.get("writer-memory")}),
    ]
    if spec.capacity is not None:
        graphs.append(_graph(spec, "Capacity (ACU)", "ServerlessDatabaseCapacity", "Maximum",
                             lines={"max_capacity": spec.capacity.max_capacity}))
    widgets += graphs
    # Explicit positions: CloudWatch would otherwise place widgets itself and read them
    # back with positions, which the next plan shows as a change.
    y = 0
    for index, widget in enumerate(widgets):
        if widget["type"] == "alarm":
            widget.update(x=0, y=y)
            y += widget["height"]
            continue
        column = (index - (1 if alarm_arns else 0)) % 2
        widget.update(x=column * GRAPH_WIDTH, y=y)
        if column == 1 or widget is widgets[-1]:
            y += GRAPH_HEIGHT
    return {"widgets": widgets}


def dashboard(scope: Construct, id_: str, *, spec: AuroraSpec, body: Mapping[str, Any]) -> CloudwatchDashboard:
    """The dashboard `<name>-<region>` with `body` (see `dashboard_body`)."""
    return CloudwatchDashboard(
        scope,
        id_,
        dashboard_name=naming.dashboard_name(spec.name, spec.region),
        dashboard_body=Fn.jsonencode(body),
    )
