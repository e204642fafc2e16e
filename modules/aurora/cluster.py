"""The Aurora PostgreSQL cluster: a writer in the first AZ and readers in the others.

Implements the guide's "Create the Aurora DB cluster" (`aws rds create-db-cluster --engine
aurora-postgresql`) and "Create the Aurora DB instances" (`aws rds create-db-instance`,
one writer and one reader, `--no-auto-minor-version-upgrade`). Beyond the guide, the
master password never exists outside AWS: by default RDS generates it and keeps it in
Secrets Manager.

Construct ids are Terraform addresses: `cluster`, `writer`, `reader-1`, `reader-2`, ...
Renaming one replaces a database instance.
"""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aurora.master_password import master_password_variable
from modules.aurora.network import AuroraNetwork
from modules.aws.iam import service_role
from modules.config import AuroraSpec, PasswordMode
from modules.providers import (
    CloudwatchLogGroup,
    IamRolePolicyAttachment,
    RdsCluster,
    RdsClusterInstance,
    RdsClusterParameterGroup,
    SecretsmanagerSecretRotation,
)


class AuroraCluster(Construct):
    """An `aurora-postgresql` cluster and its instances in `network`.

    Exposes `writer_endpoint`, `reader_endpoint`, `port`, `cluster_resource_id` and
    `master_secret_arn` (empty when the password comes from the `master_password` variable).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: AuroraSpec,
        network: AuroraNetwork,
        kms_key_arn: str,
    ) -> None:
        super().__init__(scope, id_)
        self.spec = spec
        # With protection on, Terraform refuses any plan that would destroy or replace the
        # database, before anything is deleted. RDS deletion protection alone is not
        # enough: `terraform destroy` would delete every instance first and only then fail
        # on the cluster (terraform-provider-aws #23572), an outage.
        protect = {"prevent_destroy": True} if spec.deletion_protection else None

        password: dict[str, object]
        if spec.master_password is PasswordMode.MANAGED:
            password = {"manage_master_user_password": True, "master_user_secret_kms_key_id": kms_key_arn}
        else:
            variable = master_password_variable(
                self, description="Master password of the Aurora cluster (set TF_VAR_master_password)."
            )
            password = {"master_password": variable.string_value}

        parameters = self._parameter_group(spec)
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
        self.cluster = RdsCluster(
            self,
            "cluster",
            cluster_identifier=spec.name,
            engine="aurora-postgresql",
            engine_mode="provisioned",
            engine_version=spec.engine_version,
            database_name=spec.database_name,
            master_username=spec.master_username,
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
            lifecycle=protect,
            depends_on=[log_group],
            # The guide's demo has no final snapshot; Keycloak's users and credentials
            # deserve one. AWS refuses a destroy without a name for it.
            skip_final_snapshot=not spec.final_snapshot,
            final_snapshot_identifier=naming.final_snapshot_identifier(spec.name) if spec.final_snapshot else None,
            tags={"Name": spec.name},
            **password,
        )

        monitoring_role_arn = self._monitoring_role(spec) if spec.monitoring_interval else None
        insights = spec.performance_insights and naming.supports_performance_insights(spec.instance_class)

        def instance(id_: str, az: str, tier: int) -> RdsClusterInstance:
            return RdsClusterInstance(
                self,
                id_,
                identifier=naming.instance_identifier(spec.name, id_),
                cluster_identifier=self.cluster.id,
                engine=self.cluster.engine,
                engine_version=self.cluster.engine_version,
                instance_class=spec.instance_class,
                availability_zone=az,
                promotion_tier=tier,
                publicly_accessible=False,
                auto_minor_version_upgrade=spec.auto_minor_version_upgrade,
                db_subnet_group_name=network.subnet_group_name,
                performance_insights_enabled=insights,
                performance_insights_kms_key_id=kms_key_arn if insights else None,
                performance_insights_retention_period=7 if insights else None,
                monitoring_interval=spec.monitoring_interval,
                monitoring_role_arn=monitoring_role_arn,
                copy_tags_to_snapshot=True,
                lifecycle=protect,
                tags={"Name": naming.instance_identifier(spec.name, id_)},
            )

        if spec.master_password is PasswordMode.MANAGED:
            # RDS rotates its managed secret every 7 days unless told otherwise; making the
            # schedule explicit lets Keycloak's copy of the password be kept in step.
            # RDS-managed secrets rotate without a Lambda of ours.
            SecretsmanagerSecretRotation(
                self,
                "master-secret-rotation",
                secret_id=self.master_secret_arn,
                rotation_rules={"automatically_after_days": spec.secret_rotation_days},
            )

        # Promotion tier 0 for the writer: should it be replaced by a reader during a
        # failover and come back, it is the first choice to take over again.
        self.writer = instance(naming.WRITER_ID, spec.subnets[0].availability_zone, 0)
        self.readers = [
            instance(reader_id, az, 1)
            for reader_id, az in zip(naming.reader_ids(spec.reader_count), naming.reader_availability_zones(spec))
        ]

    def _parameter_group(self, spec: AuroraSpec) -> RdsClusterParameterGroup:
        """TLS-only connections, and statement logging that keeps data out of the logs."""
        return RdsClusterParameterGroup(
            self,
            "parameter-group",
            name=naming.cluster_parameter_group_name(spec.name, spec.engine_major),
            family=f"aurora-postgresql{spec.engine_major}",
            description=f"Aurora {spec.name}: TLS only, DDL and slow statement logging",
            parameter=[
                # Refuse unencrypted connections; the AWS JDBC wrapper speaks TLS.
                {"name": "rds.force_ssl", "value": "1"},
                # `ddl`, not `all`: Keycloak's statements carry user data and credential
                # hashes, which do not belong in CloudWatch.
                {"name": "log_statement", "value": "ddl"},
                # Statements slower than a second, for tuning.
                {"name": "log_min_duration_statement", "value": "1000"},
            ],
        )

    def _monitoring_role(self, spec: AuroraSpec) -> str:
        """The role RDS enhanced monitoring publishes OS metrics with (AWS managed policy)."""
        role = service_role(
            self, "monitoring-role", name=naming.monitoring_role_name(spec.name), service="monitoring.rds.amazonaws.com"
        )
        IamRolePolicyAttachment(
            self,
            "monitoring-role-policy",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        return role.arn

    @property
    def writer_endpoint(self) -> str:
        return self.cluster.endpoint

    @property
    def reader_endpoint(self) -> str:
        return self.cluster.reader_endpoint

    @property
    def master_secret_arn(self) -> str:
        if self.spec.master_password is PasswordMode.MANAGED:
            return self.cluster.master_user_secret.get(0).secret_arn
        return ""

    @property
    def cluster_resource_id(self) -> str:
        """`cluster-<26 characters>`: what IAM database authentication grants name."""
        return self.cluster.cluster_resource_id

    @property
    def jdbc_url(self) -> str:
        """`jdbc:aws-wrapper:postgresql://<writer>:<port>/<db>`, what Keycloak's `spec.db.url` takes."""
        return naming.jdbc_url(self.writer_endpoint, self.spec.port, self.spec.database_name)
