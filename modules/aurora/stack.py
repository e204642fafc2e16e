"""The `aurora` stack: network, cluster, state and the outputs other stacks and people use;
and, with `aurora.secondary`, the `aurora-secondary` stack: the same in the second region,
its cluster the global database's secondary."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules import naming
from modules.aurora.alarms import AuroraAlarms
from modules.aurora.capacity import InstanceCapacity
from modules.aurora.cluster import AuroraCluster
from modules.aurora.dashboard import dashboard, dashboard_body
from modules.aurora.global_cluster import GlobalCluster
from modules.aurora.network import AuroraNetwork
from modules.aurora.notifications import AlarmTopic
from modules.aws.kms_key import CustomerManagedKey
from modules.aws.provider import aws_provider
from modules.aws.tagging import tag_resources
from modules.config import AuroraSpec, DeploymentConfig
from modules.construct_tree import reference
from modules.naming import AURORA_SECONDARY_STACK_ID, AURORA_STACK_ID
from modules.state.backend import configure_state


class AuroraStack(TerraformStack):
    """Everything the database needs in one state: VPC, subnets, security group, cluster,
    and what watches it: alarms, the topic they and RDS events go to, the dashboard.

    Outputs: `writer_endpoint`, `reader_endpoint`, `port`, `jdbc_url`, `database_name`,
    `vpc_id`, `vpc_cidr`, `route_table_id`, `security_group_id`, `master_secret_arn`,
    `cluster_resource_id` and `kms_key_arn` (what the `access-<name>` stacks grant on);
    `alarm_topic_arn` with alarms, `dashboard_url` with the dashboard; with
    `aurora.secondary`, `global_cluster_identifier` and `global_writer_endpoint`.

    With `primary` (default none) this is the `aurora-secondary` stack: the same resources in
    `aurora.secondary.region` (`AuroraSpec.secondary_cluster`), its cluster joining the
    primary's global cluster, deployed after it; its outputs are the same but the global
    ones (`writer_endpoint` is the secondary's own cluster endpoint: read-only until a
    switchover makes it the writer).
    """

    def __init__(self, scope: Construct, *, config: DeploymentConfig, primary: "AuroraStack | None" = None) -> None:
        stack_id = AURORA_STACK_ID if primary is None else AURORA_SECONDARY_STACK_ID
        super().__init__(scope, stack_id)
        spec = config.aurora if primary is None else config.aurora.secondary_cluster()
        configure_state(self, stack_id, config)
        aws_provider(self, "aws", region=spec.region, aws=config.aws)
        # Beyond the guide: one customer-managed key for storage, secret, insights and logs,
        # and for the alarm topic when the deployment has its own.
        own_topic = spec.alarms is not None and spec.alarms.topic_arn is None
        kms_key_arn = spec.kms_key_arn or CustomerManagedKey(
            self,
            "key",
            name=spec.name,
            description=f"Aurora {spec.name}: storage, master secret, Performance Insights, logs",
            region=spec.region,
            protect=spec.deletion_protection,
            for_log_groups=True,
            for_notifications=own_topic,
        ).arn
        self.network = AuroraNetwork(self, "network", spec=spec, kms_key_arn=kms_key_arn)
        # The secondary joins the global cluster by name: no output of the aurora stack is
        # read, and the stack dependency deploys the primary (and its instances) first.
        joins = naming.global_cluster_identifier(config.aurora.name) if primary is not None else None
        self.cluster = AuroraCluster(
            self, "aurora", spec=spec, network=self.network, kms_key_arn=kms_key_arn, joins=joins
        )
        if primary is not None:
            self.add_dependency(primary)
        watched = self._watch(spec, kms_key_arn)

        outputs = {
            "writer_endpoint": (self.cluster.writer_endpoint, "Writer (cluster) endpoint: what Keycloak connects to."),
            "reader_endpoint": (self.cluster.reader_endpoint, "Reader endpoint, load-balanced over the readers."),
            "port": (spec.port, "PostgreSQL port."),
            "database_name": (spec.database_name, "Database Keycloak uses."),
            "jdbc_url": (
                self.cluster.jdbc_url,
                "The writer's AWS JDBC wrapper URL, without parameters; make render writes Keycloak's spec.db.url.",
            ),
            "vpc_id": (self.network.vpc_id, "Aurora VPC id (tagged AuroraCluster=<name>)."),
            "vpc_cidr": (self.network.vpc_cidr, "Aurora VPC CIDR: each ROSA cluster routes it to the peering."),
            "route_table_id": (self.network.route_table_id, "Route table of the Aurora subnets: peering stacks add return routes."),
            "security_group_id": (self.network.security_group_id, "Aurora security group: peering stacks add 5432 rules."),
            "master_secret_arn": (
                self.cluster.master_secret_arn,
                "Secrets Manager ARN of the RDS-managed master secret (empty with master_password: variable).",
            ),
            "cluster_resource_id": (
                self.cluster.cluster_resource_id,
                "The cluster's resource id (cluster-...): rds-db:connect grants name it, not the cluster's name.",
            ),
            "kms_key_arn": (kms_key_arn, "KMS key of storage and the master secret: readers of the secret need kms:Decrypt on it."),
        }
        outputs.update(watched)
        if spec.secondary is not None:
            global_cluster = GlobalCluster(
                self, "global-cluster", spec=spec, source_cluster_arn=reference(self.cluster.cluster, "arn")
            )
            outputs["global_cluster_identifier"] = (
                global_cluster.identifier, "The Aurora Global Database both clusters belong to.")
            outputs["global_writer_endpoint"] = (
                global_cluster.writer_endpoint,
                "The global writer endpoint: the writer of whichever cluster is primary, across switchovers.",
            )
        for name, (value, description) in outputs.items():
            TerraformOutput(self, name, value=value, description=description)

        # Guide: the VPC is tagged AuroraCluster=<name>; here every resource of the stack is
        # (last: it tags the resources created above).
        tag_resources(self, deployment=config.aurora.name, defaults=spec.tags, markers={"AuroraCluster": spec.name})

    def _watch(self, spec: AuroraSpec, kms_key_arn: str) -> dict[str, tuple[str, str]]:
        """Alarms, their topic and RDS events (unless `aurora.alarms: false`) and the dashboard
        (unless `aurora.dashboard: false`); returns the outputs they add."""
        outputs: dict[str, tuple[str, str]] = {}
        if spec.alarms is None and not spec.dashboard:
            return outputs
        capacity = InstanceCapacity(self, "capacity", spec=spec)
        alarms = None
        if spec.alarms is not None:
            cluster = self.cluster
            topic = AlarmTopic(
                self,
                "notifications",
                spec=spec,
                kms_key_arn=kms_key_arn,
                cluster_identifier=reference(cluster.cluster, "cluster_identifier"),
                instance_identifiers=[reference(instance, "identifier") for instance in (cluster.writer, *cluster.readers)],
            )
            alarms = AuroraAlarms(
                self,
                "alarms",
                spec=spec,
                cluster_identifier=reference(cluster.cluster, "cluster_identifier"),
                capacity=capacity,
                topic_arn=topic.topic_arn,
            )
            outputs["alarm_topic_arn"] = (topic.topic_arn, "SNS topic the alarms and RDS events notify.")
        if spec.dashboard:
            body = dashboard_body(
                spec,
                max_connections=capacity.max_connections,
                vcpus=capacity.vcpus,
                alarm_arns=[alarm.arn for alarm in alarms.alarms.values()] if alarms else [],
                thresholds={watch.key: watch.threshold for watch in alarms.watches} if alarms else {},
            )
            dashboard(self, "dashboard", spec=spec, body=body)
            url = naming.dashboard_url(spec.region, naming.dashboard_name(spec.name, spec.region))
            outputs["dashboard_url"] = (url, "CloudWatch dashboard of the cluster: writer and readers, the alarms.")
        return outputs
