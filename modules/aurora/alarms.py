"""CloudWatch alarms on the Aurora cluster: one set per deployment, on the writer and
reader *roles*.

Every alarm watches an `AWS/RDS` metric with the dimensions `DBClusterIdentifier` and
`Role` (`WRITER` or `READER`), never an instance id: Aurora moves the roles between
instances on a failover, and an alarm on an instance id would then watch the wrong one
(AWS: "For Aurora, use WRITER or READER role metrics to set up alarms"). With several
readers, the `READER` series aggregates them; the alarms read its `Maximum` (or `Minimum`
for what must not fall too low), so one struggling reader is enough.

The set, thresholds and periods follow AWS's recommended alarms for Aurora (CloudWatch
user guide, "Recommended alarms"), each made configurable in `aurora.alarms.thresholds`;
the shares of the instance's memory and connection limit come from `InstanceCapacity`.
Each alarm's name says what happens to Keycloak, its description what to do; the runbook
is docs/operations.md, "Alarms and the dashboard", one section per alarm
(`Watch.runbook`). Alarm and OK actions both notify the topic, so the all-clear arrives
like the alarm. Names carry no threshold: changing one is an in-place update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from modules.aurora.capacity import InstanceCapacity, Number, share, times
from modules.config import AuroraSpec
from modules.config.model import AlarmThresholds
from modules.providers import CloudwatchMetricAlarm

#: Seconds per datapoint: RDS publishes its metrics every minute.
PERIOD_SECONDS = 60
GIB = 1024**3
#: The runbook page and section of every alarm.
RUNBOOK = "docs/operations.md, Alarms and the dashboard"


@dataclass(frozen=True)
class Watch:
    """One alarm of the set: what it watches, when it fires, what it means and what to do."""

    key: str  # construct id, e.g. `writer-cpu`
    role: str  # WRITER or READER
    metric: str  # AWS/RDS metric name
    statistic: str  # Maximum for "too high", Minimum for "too low", Average for DBLoad
    comparison: str  # GreaterThanThreshold or LessThanThreshold
    threshold: Number
    minutes: int  # consecutive breaching one-minute datapoints
    condition: str  # the threshold in words, e.g. "above 90 %"
    effect: str  # what it means for Keycloak: the end of the alarm's name
    action: str  # what to do first
    runbook: str  # the runbook section's title in docs/operations.md
    #: `notBreaching` for metrics published only while there is something to report
    #: (DBLoad, without load); `missing` (CloudWatch's default) otherwise.
    missing_data: str = "missing"

    def name(self, cluster: str) -> str:
        """`<cluster> <role> <effect>`, e.g. `keycloak-aurora writer CPU high: Keycloak slows down`."""
        return f"{cluster} {self.role.lower()} {self.effect}"

    def description(self) -> str:
        """The metric, who, the condition and for how long; what to do; the runbook section."""
        who = (
            "the writer (whichever instance holds the role)"
            if self.role == "WRITER"
            else f"the readers ({self.statistic.lower()} over all of them)"
        )
        minutes = f"{self.minutes} minute{'s' if self.minutes != 1 else ''}"
        return (
            f"{self.metric} of {who} {self.condition} for {minutes}. What to do: {self.action} "
            f"Runbook: {RUNBOOK}, \"{self.runbook}\"."
        )


def watches(spec: AuroraSpec, capacity: InstanceCapacity, thresholds: AlarmThresholds) -> list[Watch]:
    """The alarm set of `spec`, in the order of the runbook."""
    t = thresholds
    high, low = "GreaterThanThreshold", "LessThanThreshold"
    cpu = dict(metric="CPUUtilization", statistic="Maximum", comparison=high, threshold=t.cpu_percent, minutes=5,
               condition=f"above {t.cpu_percent:g} %", runbook="CPU high")
    memory = dict(metric="FreeableMemory", statistic="Minimum", comparison=low,
                  threshold=share(capacity.memory_bytes, t.freeable_memory_percent), minutes=15,
                  condition=f"below {t.freeable_memory_percent:g} % of the instance's memory"
                  + (" at its maximum capacity" if spec.capacity else ""),
                  runbook="Memory low")
    local_storage = dict(metric="FreeLocalStorage", statistic="Minimum", comparison=low,
                         threshold=int(t.free_local_storage_gib * GIB), minutes=5,
                         condition=f"below {t.free_local_storage_gib:g} GiB", runbook="Local storage low")
    found = [
        Watch("writer-cpu", "WRITER", **cpu, effect="CPU high: Keycloak slows down",
              action="find the statements that use it in Performance Insights; scale the class up if it is load."),
        Watch("reader-cpu", "READER", **cpu, effect="CPU high: the failover target is overloaded",
              action="find what queries the readers (Keycloak uses the writer only); a failover would land on a busy "
              "instance."),
        Watch("writer-memory", "WRITER", **memory, effect="memory low: Keycloak's queries may fail",
              action="look for many or idle connections and large sorts; scale the class (or max_capacity) up."),
        Watch("reader-memory", "READER", **memory, effect="memory low: the failover target may restart",
              action="find what runs on the readers; give them the writer's class."),
        Watch("writer-connections", "WRITER", metric="DatabaseConnections", statistic="Maximum", comparison=high,
              threshold=share(capacity.max_connections, t.connections_percent), minutes=5,
              condition=f"above {t.connections_percent:g} % of max_connections",
              effect="connections near the limit: Keycloak logins will fail",
              action="compare with the pool sizes of every Keycloak (keycloak.pool.max_size times pods times "
              "clusters); lower them or scale the class up.", runbook="Connections near the limit"),
        Watch("reader-replica-lag", "READER", metric="AuroraReplicaLag", statistic="Maximum", comparison=high,
              threshold=times(t.replica_lag_seconds, 1000), minutes=5,
              condition=f"above {t.replica_lag_seconds:g} s", effect="lagging: a failover would take longer",
              action="check the readers' CPU and memory and long write transactions on the writer.",
              runbook="Replica lag"),
        Watch("writer-transaction-ids", "WRITER", metric="MaximumUsedTransactionIDs", statistic="Maximum",
              comparison=high, threshold=t.transaction_ids, minutes=1, condition=f"above {t.transaction_ids:,}",
              effect="transaction IDs running out: PostgreSQL will stop writes",
              action="find what blocks autovacuum (long transactions, idle-in-transaction sessions, replication "
              "slots) and let it freeze the oldest tables.", runbook="Transaction IDs running out"),
        Watch("writer-local-storage", "WRITER", **local_storage,
              effect="local storage low: large queries and logging will fail",
              action="look for huge temporary files (log_temp_files) and runaway logging."),
        Watch("reader-local-storage", "READER", **local_storage,
              effect="local storage low: the failover target may fail",
              action="look for huge temporary files of queries on the readers."),
        Watch("writer-buffer-cache", "WRITER", metric="BufferCacheHitRatio", statistic="Minimum", comparison=low,
              threshold=t.buffer_cache_hit_percent, minutes=15, condition=f"below {t.buffer_cache_hit_percent:g} %",
              effect="cache misses: Keycloak's reads go to storage",
              action="expected for a while after a failover or restart; if it lasts, the working set has outgrown "
              "the memory: scale up.", runbook="Cache hit ratio low"),
    ]
    if capacity.vcpus is not None:
        found.insert(5, Watch(
            "writer-db-load", "WRITER", metric="DBLoad", statistic="Average", comparison=high,
            threshold=times(capacity.vcpus, t.db_load_per_vcpu), minutes=15,
            condition=f"above {t.db_load_per_vcpu:g} times the vCPU count",
            effect="load above its vCPUs: Keycloak's requests queue",
            action="open Performance Insights: the top waits and statements say what queues.",
            runbook="Load above the vCPUs", missing_data="notBreaching"))
    if spec.capacity is not None:
        found.append(Watch(
            "writer-capacity", "WRITER", metric="ACUUtilization", statistic="Maximum", comparison=high,
            threshold=t.acu_percent, minutes=15, condition=f"above {t.acu_percent:g} % of serverless.max_capacity",
            effect="at its maximum capacity: Keycloak slows down",
            action="raise aurora.serverless.max_capacity, or find what grew in Performance Insights.",
            runbook="Serverless capacity at its maximum"))
    return found


class AuroraAlarms(Construct):
    """The alarm set of `spec` on cluster `cluster_identifier` (a reference, so the alarms
    follow the cluster), notifying `topic_arn` on ALARM and on OK.

    Exposes `alarms` (construct id -> resource) for the dashboard.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: AuroraSpec,
        cluster_identifier: str,
        capacity: InstanceCapacity,
        topic_arn: str,
    ) -> None:
        super().__init__(scope, id_)
        assert spec.alarms is not None
        self.watches: Sequence[Watch] = watches(spec, capacity, spec.alarms.thresholds)
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for watch in self.watches:
            self.alarms[watch.key] = CloudwatchMetricAlarm(
                self,
                watch.key,
                alarm_name=watch.name(spec.name),
                alarm_description=watch.description(),
                namespace="AWS/RDS",
                metric_name=watch.metric,
                dimensions={"DBClusterIdentifier": cluster_identifier, "Role": watch.role},
                statistic=watch.statistic,
                period=PERIOD_SECONDS,
                evaluation_periods=watch.minutes,
                datapoints_to_alarm=watch.minutes,
                comparison_operator=watch.comparison,
                threshold=watch.threshold,
                treat_missing_data=watch.missing_data,
                alarm_actions=[topic_arn],
                ok_actions=[topic_arn],
            )
