"""The Aurora PostgreSQL cluster: a writer in the first AZ and readers in the others.

Implements the guide's "Create the Aurora DB cluster" (`aws rds create-db-cluster --engine
aurora-postgresql`) and "Create the Aurora DB instances" (`aws rds create-db-instance`,
one writer and one reader, `--no-auto-minor-version-upgrade`). Beyond the guide, the
master password never exists outside AWS: by default RDS generates it and keeps it in
Secrets Manager.

Construct ids are Terraform addresses: `cluster`, `writer`, `reader-1`, `reader-2`, ...
Renaming one replaces a database instance.

Day 2 (docs/operations.md): a major engine upgrade is one in-place apply (the parameter
groups, named after the major, are created before the old ones are deleted, see
`modules.aurora.parameters`); instance changes roll (`readers_first`); every cluster
created gets a final snapshot name of its own; a cluster can be created from a snapshot or
a point in time (`restore`). The cluster and every instance share one maintenance window,
and the cluster has a backup window: both fixed by the config, never chosen by AWS at
random. With `instance_class: db.serverless` the instances are Aurora Serverless v2 and
scale within the cluster's capacity range.

In an Aurora Global Database (`aurora.secondary`, issue #25) the same construct builds both
clusters: the primary, joined to the global cluster by `modules.aurora.global_cluster`
(never by its own `global_cluster_identifier`), and the secondary (`joins`), which has no
database name, master user or password of its own: it replicates the primary's.
"""

from __future__ import annotations

from typing import Any

from cdktf import Fn, Op, Precondition, TerraformProviderGeneratorMetadata, TerraformResource
from constructs import Construct

from modules import naming
from modules.aurora.engine_version import engine_version_preconditions, number
from modules.aurora.master_password import master_password_variable
from modules.aurora.network import AuroraNetwork
from modules.aurora.parameters import cluster_parameter_group, instance_parameter_group
from modules.aws.iam import service_role
from modules.config import AuroraSpec, PasswordMode, RestoreSpec
from modules.construct_tree import reference
from modules.providers import (
    CloudwatchLogGroup,
    IamRolePolicyAttachment,
    RdsCluster,
    RdsClusterInstance,
    SecretsmanagerSecretRotation,
)


class AuroraCluster(Construct):
    """An `aurora-postgresql` cluster and its instances in `network`.

    Exposes `writer_endpoint`, `reader_endpoint`, `port`, `cluster_resource_id` and
    `master_secret_arn` (empty when the password comes from the `master_password` variable).

    `joins` (default none): the identifier of the global cluster this one joins as its
    secondary (the `aurora-secondary` stack).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: AuroraSpec,
        network: AuroraNetwork,
        kms_key_arn: str,
        joins: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.spec = spec
        self.joins = joins
        # With protection on, Terraform refuses any plan that would destroy or replace the
        # database, before anything is deleted. RDS deletion protection alone is not
        # enough: `terraform destroy` would delete every instance first and only then fail
        # on the cluster (terraform-provider-aws #23572), an outage.
        protect: dict[str, Any] = {"prevent_destroy": True} if spec.deletion_protection else {}
        # With auto minor upgrades on, AWS moves the minor version itself; Terraform must
        # not plan it back (AWS refuses a downgrade at apply: "Cannot upgrade
        # aurora-postgresql from 16.9 to 16.8"). `engine_version_preconditions` refuses the
        # upgrades this would hide.
        follow_aws = ["engine_version"] if spec.auto_minor_version_upgrade else []

        # A secondary takes its database, master user and password from the primary.
        credentials: dict[str, object] = (
            {} if joins else {"database_name": spec.database_name, "master_username": spec.master_username}
        )
        password: dict[str, object]
        if joins:
            password = {}
        elif spec.master_password is PasswordMode.MANAGED:
            password = {"manage_master_user_password": True, "master_user_secret_kms_key_id": kms_key_arn}
        else:
            variable = master_password_variable(
                self, description="Master password of the Aurora cluster (set TF_VAR_master_password)."
            )
            password = {"master_password": variable.string_value}

        parameters = cluster_parameter_group(self, spec)
        instance_parameters = instance_parameter_group(self, spec)
        # Every instance names its parameter group: ours, or RDS's default of the major
        # (what RDS gives an instance that names none, so nothing changes where there is no
        # group of ours); see `modules.aurora.parameters`.
        instance_group_name = (
            instance_parameters.name
            if instance_parameters is not None
            else naming.default_instance_parameter_group_name(spec.engine_major)
        )
        # Created here, encrypted and with a retention, before RDS would create it bare.
        log_group = CloudwatchLogGroup(
            self,
            "postgresql-log-group",
            name=naming.postgresql_log_group(spec.name),
            retention_in_days=spec.log_retention_days,
            kms_key_id=kms_key_arn,
        )

        # `availability_zones` is deliberately not set: AWS adds a third AZ of its own
        # choosing to the cluster's storage, so a configured list never matches what it
        # reads back and every plan would replace the cluster. The instances pin the AZs.
        # `allow_major_version_upgrade` only permits a major change of `engine_version`
        # (ModifyDBCluster refuses one without it); it never starts one.
        self.cluster = RdsCluster(
            self,
            "cluster",
            cluster_identifier=spec.name,
            engine="aurora-postgresql",
            engine_mode="provisioned",
            engine_version=spec.engine_version,
            global_cluster_identifier=joins,
            port=spec.port,
            db_subnet_group_name=network.subnet_group_name,
            vpc_security_group_ids=[network.security_group_id],
            db_cluster_parameter_group_name=parameters.name,
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            iam_database_authentication_enabled=spec.iam_database_authentication,
            enabled_cloudwatch_logs_exports=["postgresql"],
            backup_retention_period=spec.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=spec.deletion_protection,
            allow_major_version_upgrade=True,
            # A major upgrade of a cluster whose instances use a custom parameter group must
            # name the new major's group (AWS: "You must explicitly specify a new DB instance
            # parameter group"); the provider sends it with the engine version change only.
            db_instance_parameter_group_name=instance_parameters.name if instance_parameters is not None else None,
            apply_immediately=spec.apply_immediately,
            preferred_maintenance_window=spec.maintenance_window,
            preferred_backup_window=spec.backup_window,
            serverlessv2_scaling_configuration=(
                {"min_capacity": spec.capacity.min_capacity, "max_capacity": spec.capacity.max_capacity}
                if spec.capacity is not None
                else None
            ),
            lifecycle=self._cluster_lifecycle(spec, protect, follow_aws, in_global_database=bool(joins)),
            depends_on=[log_group],
            # The guide's demo has no final snapshot; Keycloak's users and credentials
            # deserve one. AWS refuses a destroy without a name for it.
            skip_final_snapshot=not spec.final_snapshot,
            final_snapshot_identifier=self._final_snapshot_identifier(spec) if spec.final_snapshot else None,
            tags={"Name": spec.name},
            **self._restore_source(spec.restore),
            **credentials,
            **password,
        )

        monitoring_role_arn = self._monitoring_role(spec) if spec.monitoring_interval else None
        insights = spec.performance_insights and naming.supports_performance_insights(spec.instance_class)

        def instance(
            id_: str, az: str, tier: int, preconditions: list[Precondition], after: list[RdsClusterInstance]
        ) -> RdsClusterInstance:
            return RdsClusterInstance(
                self,
                id_,
                identifier=naming.instance_identifier(spec.name, id_),
                cluster_identifier=reference(self.cluster, "id"),
                engine=reference(self.cluster, "engine"),
                engine_version=reference(self.cluster, "engine_version"),
                instance_class=spec.instance_class,
                availability_zone=az,
                promotion_tier=tier,
                publicly_accessible=False,
                auto_minor_version_upgrade=spec.auto_minor_version_upgrade,
                db_subnet_group_name=network.subnet_group_name,
                performance_insights_enabled=insights,
                performance_insights_kms_key_id=kms_key_arn if insights else None,
                performance_insights_retention_period=spec.performance_insights_retention_days if insights else None,
                monitoring_interval=spec.monitoring_interval,
                monitoring_role_arn=monitoring_role_arn,
                copy_tags_to_snapshot=True,
                db_parameter_group_name=instance_group_name,
                preferred_maintenance_window=spec.maintenance_window,
                apply_immediately=spec.apply_immediately,
                depends_on=after or None,
                lifecycle={
                    **protect,
                    **({"ignore_changes": follow_aws} if follow_aws else {}),
                    **({"precondition": preconditions} if preconditions else {}),
                }
                or None,
                tags={"Name": naming.instance_identifier(spec.name, id_)},
            )

        if spec.master_password is PasswordMode.MANAGED and not joins:
            # RDS rotates its managed secret every 7 days unless told otherwise; making the
            # schedule explicit lets Keycloak's copy of the password be kept in step.
            # RDS-managed secrets rotate without a Lambda of ours.
            SecretsmanagerSecretRotation(
                self,
                "master-secret-rotation",
                secret_id=self.master_secret_arn,
                rotation_rules={"automatically_after_days": spec.secret_rotation_days},
            )

        # One dependency between the writer and the readers; its direction is
        # `aurora.readers_first` (see the README, "Day 2"). Terraform walks one graph for
        # creates and updates alike, and they want opposite directions. Creating a
        # cluster, the writer must come first: the first instance created in an Aurora
        # cluster becomes its writer, whatever its name. Changing instances (a class change
        # restarts each), the readers should change first, side by side, and the writer
        # last: never all at once. Nothing in a plan tells the two apart before the graph
        # is built, so the config says which one this deploy is: off (the default, what a
        # new cluster needs) makes each reader wait for the writer; on makes the writer
        # wait for every reader. `depends_on` changes no address and plans no change. On,
        # a reader refuses to be created into a cluster without instances
        # (`_readers_first_guard`), so a forgotten switch cannot make a reader the writer.
        #
        # Promotion tier 0 for the writer: should it be replaced by a reader during a
        # failover and come back, it is the first choice to take over again. Readers are
        # tier 1: with Serverless v2, readers in tiers 0 and 1 scale with the writer, so the
        # one promoted by a failover already has the writer's capacity. The writer carries
        # the engine version check: Terraform decides it while planning (see
        # `modules.aurora.engine_version`), before any resource changes.
        placement = list(zip(naming.reader_ids(spec.reader_count), naming.reader_availability_zones(spec)))
        writer_checks = engine_version_preconditions(
            spec, deployed_version=self.cluster.engine_version_actual,
            global_database=bool(joins) or spec.secondary is not None,
        )
        writer_az = spec.subnets[0].availability_zone
        if spec.readers_first:
            self.readers = [instance(rid, az, 1, self._readers_first_guard(spec), []) for rid, az in placement]
            self.writer = instance(naming.WRITER_ID, writer_az, 0, writer_checks, self.readers)
        else:
            self.writer = instance(naming.WRITER_ID, writer_az, 0, writer_checks, [])
            self.readers = [instance(rid, az, 1, [], [self.writer]) for rid, az in placement]

    def _readers_first_guard(self, spec: AuroraSpec) -> list[Precondition]:
        """With `readers_first`, a reader is created only into a cluster that has instances.

        On an existing cluster `cluster_members` is known while planning and never empty;
        on a new one Terraform checks it after creating the cluster, before the first
        reader, and the check fails: nothing but the empty cluster was created.
        """
        if not spec.readers_first:
            return []
        return [
            Precondition(
                condition=Op.gt(Fn.length_of(self.cluster.cluster_members), number(0)),
                error_message=(
                    f"Refused: aurora.readers_first is on, but cluster {spec.name} has no instance yet. The "
                    "first instance created becomes the writer, and readers_first creates the readers first. "
                    "Deploy a new cluster with aurora.readers_first: false, then turn it on."
                ),
            )
        ]

    @staticmethod
    def _cluster_lifecycle(
        spec: AuroraSpec, protect: dict[str, Any], follow_aws: list[str], *, in_global_database: bool
    ) -> dict[str, Any] | None:
        """`prevent_destroy` with protection; what Terraform must leave as AWS has it."""
        # A point-in-time restore's block is ForceNew: removed from the config, it would
        # replace the cluster. Ignored while the config has no restore, removing
        # `aurora.restore` after the restore changes nothing; a restore added later still
        # plans (and so shows) a new cluster. `snapshot_identifier` needs no such care: the
        # provider suppresses its removal.
        ignore = [*follow_aws, *([] if spec.restore else ["restore_to_point_in_time"])]
        # In a global database (a primary with `secondary`, or the secondary itself), the
        # membership is the global cluster's business and a switchover's: the provider
        # reads both fields back, and a plan setting them as configured would detach the
        # primary (RemoveFromGlobalCluster) or promote the secondary.
        if in_global_database or spec.secondary is not None:
            ignore += ["global_cluster_identifier", "replication_source_identifier"]
        return {**protect, **({"ignore_changes": ignore} if ignore else {})} or None

    @staticmethod
    def _restore_source(restore: RestoreSpec | None) -> dict[str, Any]:
        """The cluster arguments creating it from `restore` (a snapshot, or another
        cluster's backups at a point in time); none without."""
        if restore is None:
            return {}
        if restore.snapshot is not None:
            return {"snapshot_identifier": restore.snapshot}
        when = (
            {"use_latest_restorable_time": True}
            if restore.point_in_time == "latest"
            else {"restore_to_time": restore.point_in_time}
        )
        return {"restore_to_point_in_time": {"source_cluster_identifier": restore.source_cluster, **when}}

    def _final_snapshot_identifier(self, spec: AuroraSpec) -> str:
        """`<name>-final-<8 hex>`, the suffix new for every cluster created.

        A fixed `<name>-final` makes the second destroy of a re-created cluster fail
        (`DBClusterSnapshotAlreadyExists`) and leave the cluster running. The suffix is the
        start of the id (a random UUID) of a built-in `terraform_data` resource: fixed once
        created, new when the stack is created again after a destroy; no provider needed.
        The cluster cannot use its own `cluster_resource_id` (a self-reference). On a
        cluster created before the suffix, the new name is a state-only update (the provider
        sends no ModifyDBCluster for `final_snapshot_identifier`).
        """
        # A plain TerraformResource, not cdktf's DataResource: that class adds a synth-time
        # check that runs `terraform version`, which would make every synth need a terraform
        # binary (and pay for a process); the project already requires Terraform >= 1.4.
        suffix = TerraformResource(
            self,
            "final-snapshot-suffix",
            terraform_resource_type="terraform_data",
            terraform_generator_metadata=TerraformProviderGeneratorMetadata(provider_name="terraform"),
        )
        return naming.final_snapshot_identifier(spec.name, Fn.substr(suffix.get_string_attribute("id"), 0, 8))

    def _monitoring_role(self, spec: AuroraSpec) -> str:
        """The role RDS enhanced monitoring publishes OS metrics with (AWS managed policy)."""
        role = service_role(
            self, "monitoring-role", name=naming.monitoring_role_name(spec.name), service="monitoring.rds.amazonaws.com"
        )
        IamRolePolicyAttachment(
            self,
            "monitoring-role-policy",
            role=reference(role, "name"),
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        return reference(role, "arn")

    @property
    def writer_endpoint(self) -> str:
        return reference(self.cluster, "endpoint")

    @property
    def reader_endpoint(self) -> str:
        return reference(self.cluster, "reader_endpoint")

    @property
    def master_secret_arn(self) -> str:
        if self.spec.master_password is PasswordMode.MANAGED and not self.joins:
            return self.cluster.master_user_secret.get(0).secret_arn
        return ""

    @property
    def cluster_resource_id(self) -> str:
        """`cluster-<26 characters>`: what IAM database authentication grants name."""
        return reference(self.cluster, "cluster_resource_id")

    @property
    def jdbc_url(self) -> str:
        """`jdbc:aws-wrapper:postgresql://<writer>:<port>/<db>`: the guide's URL, without the query
        string Keycloak's `spec.db.url` needs (`make render` writes that one: the wrapper's
        plugins, `iam`, TLS)."""
        return naming.jdbc_url(self.writer_endpoint, self.spec.port, self.spec.database_name)
