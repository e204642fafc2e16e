"""The deployment config as typed, validated models: one YAML document, frozen once read.

Every field carries a description and its default; the README's config reference is
generated from them (`python -m modules.config.reference`). Field-level rules (types,
formats, ranges, unknown keys) live here and in `modules.config.fields`; rules relating
several fields (a subnet inside the VPC, overlapping CIDRs, AZs in the region) live in
`modules.config.rules`. The example config, `config/example.yaml`, reproduces the
Keycloak HA guide "Deploy AWS Aurora in multiple availability zones".
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from modules.config.errors import ConfigError
from modules.config.fields import (
    CLUSTER_SNAPSHOT,
    DEFAULT_ENGINE_VERSION,
    ENDPOINT_SERVICES,
    ENGINE_VERSION,
    INSTANCE_CLASS,
    S3_BUCKET,
    TAG_KEY,
    TAG_VALUE,
    TFC_NAME,
    VPC_ID,
    Cidr,
    DatabaseName,
    DbUser,
    DeploymentTags,
    Duration,
    EndpointUrl,
    Hostname,
    K8sName,
    KmsKeyArn,
    LogRetentionDays,
    MasterUsername,
    OidcIssuer,
    PodPath,
    RdsIdentifier,
    Region,
    RestoreTime,
    RoleArn,
    StackName,
    pattern,
)
from modules.config.tuning import (
    DEFAULT_BACKUP_WINDOW,
    DEFAULT_MAINTENANCE_WINDOW,
    BackupWindow,
    Capacity,
    Emails,
    MaintenanceWindow,
    MinCapacity,
    ParameterValue,
    PerformanceInsightsRetention,
    SnsTopicArn,
    parameters,
)
from modules.naming import ROSA_CLUSTER_ID_TAG


def shown_default(text: str) -> dict[str, Any]:
    """`json_schema_extra` for a field whose default is computed: what the reference shows."""
    return {"shown_default": text}


#: `json_schema_extra` of a field whose value may be a secret typed by mistake: its value
#: is never repeated in an error message.
SECRET_INPUT: dict[str, Any] = {"secret_input": True}


#: The instance class of Aurora Serverless v2.
SERVERLESS_CLASS = "db.serverless"


#: Keys that were renamed: old path -> (new path, what the error adds). Reading an old key
#: is an error naming the new one, never a silent reinterpretation.
RENAMED_KEYS: dict[str, tuple[str, str]] = {
    "keycloak.secret_sync": (
        "keycloak.credentials",
        "same values, `copy` or `external-secrets`; its default is now `iam`",
    ),
}


class _Model(BaseModel):
    """Strict base: unknown keys are errors (they are usually typos), models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Aurora ------------------------------------------------------------------------


class SubnetSpec(_Model):
    """One private Aurora subnet; the guide creates one per availability zone."""

    availability_zone: str = Field(description="e.g. `eu-west-1a`; in `aurora.region`, one subnet per AZ")
    cidr: Cidr = Field(description="inside `aurora.vpc_cidr`, overlapping no other subnet")


class PasswordMode(str, Enum):
    """How the master password is handled. Neither puts a password in config or JSON."""

    #: RDS generates it and keeps it in Secrets Manager (`manage_master_user_password`).
    MANAGED = "managed"
    #: A sensitive Terraform variable `master_password` (TF_VAR_master_password).
    VARIABLE = "variable"


class RestoreSpec(_Model):
    """Where a new cluster's data comes from: a cluster snapshot, or another cluster's
    backups at a point in time. Either way RDS creates a new cluster (new endpoints, a new
    master secret); the instances are then created as usual."""

    snapshot: Annotated[
        str, AfterValidator(pattern(CLUSTER_SNAPSHOT, "must be a DB cluster snapshot identifier or ARN"))
    ] | None = Field(
        default=None,
        description="DB cluster snapshot (identifier or ARN) to create the cluster from, e.g. the "
        "`<name>-final-<suffix>` a destroy left; its master username wins (keep `master_username` the same) and "
        "its KMS key must still be usable",
    )
    source_cluster: RdsIdentifier | None = Field(
        default=None,
        description="cluster whose automated backups to restore to `point_in_time`; it must still exist, under "
        "another name than `aurora.name`. Engine version, database name and master username come from it",
    )
    point_in_time: RestoreTime | None = Field(
        default=None,
        description="with `source_cluster`: `latest` (its latest restorable time) or a UTC time "
        "`YYYY-MM-DDTHH:MM:SSZ` within its backup retention",
    )

    @model_validator(mode="after")
    def _one_source(self) -> "RestoreSpec":
        if (self.snapshot is None) == (self.source_cluster is None):
            raise ValueError("give exactly one of snapshot, source_cluster")
        if (self.source_cluster is None) != (self.point_in_time is None):
            raise ValueError("point_in_time is given if and only if source_cluster is")
        return self


# --- Aurora: watching and tuning (alarms, parameters, Serverless v2) ----------------


class AlarmThresholds(_Model):
    """When each alarm fires. Defaults follow AWS's recommended alarms for Aurora (CloudWatch
    user guide, "Recommended alarms"); every alarm looks at one-minute datapoints."""

    cpu_percent: float = Field(default=90, gt=0, le=100, description="CPU above this, 5 minutes in a row")
    freeable_memory_percent: float = Field(
        default=25, gt=0, lt=100,
        description="freeable memory below this share of the instance's memory (Serverless v2: of its maximum "
        "capacity), 15 minutes in a row",
    )
    connections_percent: float = Field(
        default=80, gt=0, le=100,
        description="connections above this share of `max_connections`: the `instance_parameters` value if it "
        "is a number, else Aurora's default `LEAST(memory/9531392, 5000)` computed from the class's full memory "
        "(Aurora reserves some, so the real limit is a little lower); 5 minutes in a row",
    )
    replica_lag_seconds: float = Field(default=2, gt=0, description="a reader behind the writer by more, 5 minutes in a row")
    db_load_per_vcpu: float = Field(
        default=1, gt=0,
        description="average active sessions above the vCPU count times this, 15 minutes in a row (not with "
        "Serverless v2, which has no fixed vCPU count)",
    )
    transaction_ids: int = Field(
        default=1_000_000_000, ge=1, lt=2_147_483_648,
        description="transaction IDs used above this; PostgreSQL stops writes at about 2.1 billion (wraparound)",
    )
    free_local_storage_gib: float = Field(
        default=2, gt=0, description="local storage (temporary files, logs) below this many GiB, 5 minutes in a row"
    )
    buffer_cache_hit_percent: float = Field(
        default=80, gt=0, le=100, description="buffer cache hit ratio below this, 15 minutes in a row"
    )
    acu_percent: float = Field(
        default=90, gt=0, le=100,
        description="with Serverless v2: capacity used above this share of `serverless.max_capacity`, 15 minutes "
        "in a row",
    )


class AlarmsSpec(_Model):
    """CloudWatch alarms on the writer and reader roles, and RDS events, sent to one SNS topic."""

    topic_arn: SnsTopicArn | None = Field(
        default=None,
        description="an existing standard SNS topic in `aurora.region` to send alarms and events to; its policy "
        "must let CloudWatch and RDS events publish, and its KMS key (if any) let them use it "
        "([operations.md](operations.md#alarms-and-the-dashboard))",
        json_schema_extra=shown_default("a topic `<name>-alarms` encrypted with the deployment's key"),
    )
    emails: Emails = Field(
        default_factory=list,
        description="e-mail addresses subscribed to the deployment's topic (each confirms once, from the message "
        "AWS sends); not with `topic_arn`",
    )
    thresholds: AlarmThresholds = Field(default_factory=AlarmThresholds, description="when each alarm fires")

    @model_validator(mode="after")
    def _emails_need_own_topic(self) -> "AlarmsSpec":
        if self.emails and self.topic_arn:
            raise ValueError(
                "emails are subscribed to the deployment's own topic only; subscribe them to topic_arn where "
                "that topic is managed"
            )
        return self


def _alarms_switch(value: Any) -> Any:
    """`alarms: false` turns them off, `true` means the defaults; a section sets them."""
    if value is False:
        return None
    if value is True:
        return {}
    if value is None:
        raise ValueError("must be false (no alarms), true (the defaults) or a section")
    return value


class ParameterSetting(_Model):
    """One engine parameter: its value, and when RDS applies it."""

    value: ParameterValue = Field(description="the value; booleans are written 1 or 0, as RDS spells them")
    apply_method: Literal["immediate", "pending-reboot"] = Field(
        default="immediate",
        description="`immediate` for dynamic parameters; static ones (RDS refuses `immediate` for them) take "
        "`pending-reboot` and apply at the instance's next reboot",
    )


EngineParameters = parameters(ParameterSetting)


class ServerlessSpec(_Model):
    """Aurora Serverless v2 capacity of every instance (`instance_class: db.serverless`)."""

    min_capacity: MinCapacity = Field(
        default=0.5,
        description="ACUs each instance keeps at least (0.5 to 256, steps of 0.5); 0 (auto-pause) is refused: "
        "Keycloak keeps sessions open, so the cluster never pauses, and a resume takes seconds",
    )
    max_capacity: Capacity = Field(
        default=16,
        description="ACUs each instance may grow to; sets max_connections and the memory alarm's scale",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "ServerlessSpec":
        if self.min_capacity > self.max_capacity:
            raise ValueError(f"min_capacity {self.min_capacity:g} is above max_capacity {self.max_capacity:g}")
        return self


class SecondarySpec(_Model):
    """An Aurora Global Database secondary: a read-only cluster in a second region, kept in
    step by Aurora's storage-level replication, that a switchover or failover makes the
    writer when the primary's region is lost. Its network is its own (no peering to the
    primary's VPC: replication does not cross it)."""

    region: Region = Field(description="AWS region of the secondary cluster; not `aurora.region`")
    vpc_cidr: Cidr = Field(
        description="IPv4 CIDR of the secondary's VPC; disjoint from `aurora.vpc_cidr` and every ROSA "
        "`machine_cidr`, so any of them can be peered with it"
    )
    subnets: list[SubnetSpec] = Field(
        description="one private subnet per AZ, at least two; AZs distinct and in `secondary.region`, CIDRs inside "
        "its `vpc_cidr` and disjoint"
    )
    name: RdsIdentifier | None = Field(
        default=None,
        description="the secondary cluster's identifier (and its VPC's `AuroraCluster` tag)",
        json_schema_extra=shown_default("`<aurora.name>-<region>`"),
    )
    instance_class: Annotated[
        str, AfterValidator(pattern(INSTANCE_CLASS, "must be an RDS instance class such as db.r6g.large"))
    ] | None = Field(
        default=None,
        description="class of the secondary's instances: a memory-optimized class (`db.r5` and later) or "
        "`db.serverless`, as a global database needs",
        json_schema_extra=shown_default("`aurora.instance_class`"),
    )
    reader_count: int = Field(
        default=1,
        description="instances besides the first (all are readers until a switchover makes the first the "
        "writer), round-robin over the other AZs; at least 1",
    )
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="customer-managed KMS key of `secondary.region` for the secondary's storage, Performance "
        "Insights and log groups",
        json_schema_extra=shown_default("a new key with rotation on, in that region"),
    )
    detached: bool = Field(
        default=False,
        description="set after an unplanned failover detached the secondary from the global database "
        "(`make switchover ARGS='--detach --yes'`): it is a writable cluster of its own, and `make render` points "
        "Keycloak at its writer endpoint instead of the global one",
    )

    def cluster_name(self, primary: str) -> str:
        """`name`, else `<primary>-<region>` (the primary's name is `aurora.name`)."""
        return self.name or f"{primary}-{self.region}"


class AuroraSpec(_Model):
    """The Aurora cluster and its network (guide: "Create an Aurora cluster")."""

    name: RdsIdentifier = Field(
        description="cluster identifier; the VPC is tagged `AuroraCluster=<name>`. RDS identifier: lowercase "
        "letters, digits, hyphens; a letter first; at most 63; no `--`, no trailing `-`"
    )
    region: Region = Field(description="AWS region of the cluster, e.g. `eu-west-1`")
    vpc_cidr: Cidr = Field(description="IPv4 CIDR of the Aurora VPC in network address form, e.g. `192.168.0.0/16` as in the guide")
    subnets: list[SubnetSpec] = Field(
        description="one private subnet per AZ, at least two; AZs distinct and in `aurora.region`, CIDRs inside "
        "`vpc_cidr` and disjoint. The writer goes in the first"
    )
    engine_version: Annotated[
        str, AfterValidator(pattern(ENGINE_VERSION, "must be an Aurora PostgreSQL version such as 16.8"))
    ] = Field(
        default=DEFAULT_ENGINE_VERSION,
        description="Aurora PostgreSQL version, major 15, 16 or 17 (the ones Keycloak supports); quote it in YAML",
    )
    database_name: DatabaseName = Field(
        default="keycloak",
        description="database Keycloak uses: letters, digits, `_`; a letter first; not a PostgreSQL reserved word "
        "nor a database every cluster has (`postgres`, `template0`, `template1`, `rdsadmin`)",
    )
    master_username: MasterUsername = Field(
        default="keycloak",
        description="master user: at most 16 letters, digits, `_`; a letter first; not a PostgreSQL reserved word, "
        "`public`, `none`, nor starting with `pg_` or `rds` (Aurora's own roles)",
    )
    master_password: PasswordMode = Field(
        default=PasswordMode.MANAGED,
        description="`managed` (RDS generates it and keeps it in Secrets Manager) or `variable` (the sensitive "
        "`TF_VAR_master_password`); never the password itself",
        json_schema_extra=SECRET_INPUT,
    )
    instance_class: Annotated[
        str, AfterValidator(pattern(INSTANCE_CLASS, "must be an RDS instance class such as db.t4g.large"))
    ] = Field(
        default="db.t4g.large",
        description="class of every instance, `db.<family>.<size>`, or `db.serverless` (Aurora Serverless v2, "
        "sized by `serverless`)",
    )
    reader_count: int = Field(default=1, description="readers besides the writer, round-robin over the other AZs; at least 1")
    port: int = Field(default=5432, ge=1150, le=65535, description="PostgreSQL port, 1150-65535")
    auto_minor_version_upgrade: bool = Field(
        default=False,
        description="off, as the guide sets it, so upgrades happen when you choose. On, AWS upgrades minor "
        "versions itself and Terraform ignores `engine_version` (a deployed version newer than the config plans "
        "no change); a major upgrade then needs it off for that apply",
    )
    apply_immediately: bool = Field(
        default=False,
        description="apply engine upgrades, instance class and other cluster or instance changes at deploy "
        "time; off, RDS applies them in the next maintenance window",
    )
    readers_first: bool = Field(
        default=False,
        description="on an existing cluster, modify every reader before the writer (class changes restart each "
        "instance): the writer waits for the readers. Off, the writer goes first. Leave it off to create a "
        "cluster: the first instance created becomes the writer, and with it on the readers come first (the "
        "apply stops before creating one)",
    )
    secret_rotation_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="rotate the RDS-managed master secret every N days (1-365; RDS's default is 7); explicit so "
        "Keycloak's copy can be kept in step",
    )
    deletion_protection: bool = Field(
        default=True,
        description="RDS deletion protection plus Terraform `prevent_destroy` on the cluster, its instances and "
        "its key: a destroy or replacing plan stops before anything is deleted. Set false (and apply) to destroy "
        "on purpose",
    )
    backup_retention_days: int = Field(default=7, ge=1, le=35, description="automated backups kept N days, 1-35")
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="customer-managed KMS key for storage, the master secret, Performance Insights and the log "
        "groups",
        json_schema_extra=shown_default("a new key with rotation on"),
    )
    iam_database_authentication: bool = Field(default=True, description="IAM database authentication")
    performance_insights: bool = Field(
        default=True, description="Performance Insights, where the instance class supports it (not micro, small)"
    )
    monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        default=60, description="enhanced monitoring every 0, 1, 5, 10, 15, 30 or 60 seconds; 0 turns it off"
    )
    log_retention_days: LogRetentionDays = Field(
        default=365, description="retention of the PostgreSQL and VPC flow log groups: one of CloudWatch Logs' periods"
    )
    final_snapshot: bool = Field(
        default=True,
        description="keep snapshot `<name>-final-<suffix>` when the cluster is destroyed (the suffix is new for "
        "every cluster created, so a re-created cluster's snapshot never collides); false deletes the data with "
        "the cluster",
    )
    restore: RestoreSpec | None = Field(
        default=None,
        description="create the cluster from a snapshot or a point in time; changing it later makes a new "
        "cluster, removing it changes nothing",
        json_schema_extra=shown_default("none: an empty database"),
    )
    tags: DeploymentTags = Field(
        default_factory=dict,
        description="added to every taggable resource of every stack (at most 46; keys starting with aws: or "
        "keycloak-aurora: are reserved)",
    )
    # Watching and tuning (issue #21).
    alarms: Annotated[AlarmsSpec | None, BeforeValidator(_alarms_switch)] = Field(
        default_factory=AlarmsSpec,
        description="CloudWatch alarms on the writer and reader roles and RDS event notifications, to one SNS "
        "topic; `false` turns both off",
    )
    dashboard: bool = Field(
        default=True,
        description="a CloudWatch dashboard `<name>-<region>`: writer and readers side by side, the alarms' "
        "states; its link is the `dashboard_url` output",
    )
    maintenance_window: MaintenanceWindow = Field(
        default=DEFAULT_MAINTENANCE_WINDOW,
        description="weekly window (UTC, `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes) of the cluster and every "
        "instance: engine upgrades, class and other changes without `apply_immediately`, and AWS's own "
        "maintenance happen in it; must not overlap `backup_window`",
    )
    backup_window: BackupWindow = Field(
        default=DEFAULT_BACKUP_WINDOW,
        description="daily window (UTC, `hh24:mi-hh24:mi`, at least 30 minutes) of the automated backup snapshot",
    )
    cluster_parameters: EngineParameters = Field(
        default_factory=dict,
        description="cluster parameters, `name: value` or `name: {value, apply_method}`, added to this tool's "
        "own (`rds.force_ssl: 1`, `log_statement: ddl`, `log_min_duration_statement: 1000`, which they may "
        "override; `rds.force_ssl` stays 1 while Keycloak verifies TLS)",
    )
    instance_parameters: EngineParameters = Field(
        default_factory=dict,
        description="instance parameters, as `cluster_parameters`; with any, every instance gets the parameter "
        "group `<name>-instance-aurora-postgresql<major>`, else RDS's default",
    )
    performance_insights_retention_days: PerformanceInsightsRetention = Field(
        default=7,
        description="Performance Insights retention: 7 (free), 31 times 1 to 23 (months) or 731 (two years)",
    )
    serverless: ServerlessSpec | None = Field(
        default=None,
        description="Serverless v2 capacity, with `instance_class: db.serverless` only",
        json_schema_extra=shown_default("with `db.serverless`: 0.5 to 16 ACUs"),
    )
    # Issue #25: a second region.
    secondary: SecondarySpec | None = Field(
        default=None,
        description="an Aurora Global Database secondary in a second region (stack `aurora-secondary`); needs "
        "`master_password: variable` (RDS manages no master password in a global database) and memory-optimized "
        "or Serverless v2 instances ([operations.md](operations.md#a-second-region))",
        json_schema_extra=shown_default("none: one region"),
    )

    @property
    def engine_major(self) -> int:
        return int(self.engine_version.split(".")[0])

    @property
    def serverless_v2(self) -> bool:
        """Whether the instances are Aurora Serverless v2 (`instance_class: db.serverless`)."""
        return self.instance_class == SERVERLESS_CLASS

    @property
    def capacity(self) -> ServerlessSpec | None:
        """The Serverless v2 capacity range (`serverless`, else its defaults); None when provisioned."""
        return (self.serverless or ServerlessSpec()) if self.serverless_v2 else None

    @property
    def engine_minor(self) -> int:
        return int(self.engine_version.split(".")[1])

    def secondary_cluster(self) -> "AuroraSpec":
        """The `aurora-secondary` stack's cluster as a spec of its own: this one with the
        secondary's name, region, network, instances and key; no restore (it replicates the
        primary) and no secondary; alarms to a topic of its own region (with `topic_arn`,
        the primary's topic, a new one without e-mails). Only with `secondary`."""
        secondary = self.secondary
        if secondary is None:
            raise ValueError("aurora.secondary is not set")
        alarms = self.alarms
        if alarms is not None and alarms.topic_arn is not None:
            alarms = AlarmsSpec(thresholds=alarms.thresholds)
        return self.model_copy(update={
            "name": secondary.cluster_name(self.name),
            "region": secondary.region,
            "vpc_cidr": secondary.vpc_cidr,
            "subnets": secondary.subnets,
            "instance_class": secondary.instance_class or self.instance_class,
            "reader_count": secondary.reader_count,
            "kms_key_arn": secondary.kms_key_arn,
            "restore": None,
            "alarms": alarms,
            "secondary": None,
        })


# --- ROSA clusters -----------------------------------------------------------------


class VpcFinder(_Model):
    """How to find a ROSA cluster's VPC: exactly one of the four ways.

    `cluster_id`, `id` and `tags` outlive any node. `node_private_dns` is the guide's way
    and breaks once ROSA replaces that node (upgrades, scale-downs): `main.py` warns, and
    `python -m modules.peering.find_vpc` turns a node name into the VPC id to use instead.
    """

    cluster_id: Annotated[
        str, AfterValidator(pattern(TAG_VALUE, "must be a ROSA cluster id such as 2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"))
    ] | None = Field(
        default=None,
        description="the ROSA cluster's id (`rosa describe cluster -c <name>`: `ID`): the VPC of the running "
        "instances tagged `<cluster_id_tag>=<id>`, which must all be in one VPC. Survives node replacement",
    )
    cluster_id_tag: Annotated[
        str, AfterValidator(pattern(TAG_KEY, "must be an EC2 tag key (letters, digits, spaces and _.:/=+-@; not aws:)"))
    ] | None = Field(
        default=None,
        description="with `cluster_id`: the instance tag that holds it",
        json_schema_extra=shown_default(f"`{ROSA_CLUSTER_ID_TAG}`"),
    )
    id: Annotated[str, AfterValidator(pattern(VPC_ID, "must be a VPC id such as vpc-0123456789abcdef0"))] | None = Field(
        default=None, description="the VPC id"
    )
    tags: dict[str, str] | None = Field(default=None, description="tags the VPC carries (all must match)")
    node_private_dns: str | None = Field(
        default=None,
        description="a worker node's private DNS name, as the guide finds the VPC "
        "(`describe-instances --filters private-dns-name=...`); running nodes only. Breaks once ROSA replaces "
        "that node: prefer `cluster_id` or `id` (`make find-vpc` gives the id)",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> "VpcFinder":
        given = [name for name in FINDERS if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(FINDERS)} (got {len(given)}: {', '.join(given) or 'none'})"
            )
        if self.cluster_id_tag is not None and not self.cluster_id:
            raise ValueError("cluster_id_tag is given only with cluster_id")
        return self

    @property
    def way(self) -> str:
        """The finder given: `cluster_id`, `id`, `tags` or `node_private_dns`."""
        return next(name for name in FINDERS if getattr(self, name))

    @property
    def cluster_tag_key(self) -> str:
        """The instance tag holding `cluster_id`: `cluster_id_tag`, else `api.openshift.com/id`."""
        return self.cluster_id_tag or ROSA_CLUSTER_ID_TAG


#: The ways to find a ROSA VPC, in the order the docs list them.
FINDERS = ("cluster_id", "id", "tags", "node_private_dns")


class RouteTableSelection(_Model):
    """Which ROSA route tables get the route to Aurora."""

    mode: Literal["all", "main", "tags"] = Field(
        default="all",
        description="`all` route tables of the VPC (ROSA nodes sit in private subnets with tables of their own), "
        "`main` only (as the guide does), or `tags`",
    )
    tags: dict[str, str] | None = Field(default=None, description="with `mode: tags`: the tables carrying all these tags")

    @model_validator(mode="after")
    def _tags_iff_mode_tags(self) -> "RouteTableSelection":
        if (self.mode == "tags") != bool(self.tags):
            raise ValueError("tags are given if and only if mode is 'tags'")
        return self


class KubernetesAccess(_Model):
    """How Terraform reaches a ROSA cluster's API server (the kubernetes provider)."""

    config_path: str = Field(
        default="~/.kube/config",
        description="kubeconfig of the `keycloak-<name>` stack and of the printed `oc`/`kubectl` commands",
    )
    context: str | None = Field(
        default=None, description="kubeconfig context", json_schema_extra=shown_default("the cluster's name")
    )


class RosaClusterSpec(_Model):
    """A ROSA cluster running Keycloak; each gets a `peering-<name>` and a `keycloak-<name>` stack,
    and an `access-<name>` stack (its pod roles) unless `keycloak.credentials` is `copy`."""

    name: StackName = Field(
        description="becomes stacks `peering-<name>`, `access-<name>` and `keycloak-<name>`: lowercase letters, "
        "digits, hyphens, at most 40; unique"
    )
    region: Region | None = Field(
        default=None,
        description="region of the ROSA cluster; another region than Aurora's peers through an accepter",
        json_schema_extra=shown_default("`aurora.region`"),
    )
    role_arn: RoleArn | None = Field(
        default=None,
        description="role to assume for a ROSA cluster in another account, "
        "`arn:aws:iam::<12-digit account>:role/<name>`",
    )
    oidc_issuer: OidcIssuer | None = Field(
        default=None,
        description="the cluster's OIDC endpoint URL (`rosa describe cluster -c <name>`: \"OIDC Endpoint URL\"), "
        "e.g. `https://oidc.op1.openshiftapps.com/<id>`; required with `keycloak.credentials` `iam` or "
        "`external-secrets`: the pod roles trust the IAM OIDC provider of this URL, looked up in the database's "
        "account",
    )
    vpc: VpcFinder = Field(
        description="how to find the ROSA VPC: exactly one of `cluster_id`, `id`, `tags`, `node_private_dns`"
    )
    machine_cidr: Cidr | None = Field(
        default=None,
        description="the CIDR allowed to reach Aurora; must not overlap `aurora.vpc_cidr` or another cluster's, and "
        "must lie inside one of the ROSA VPC's CIDR blocks (`make preflight` and every plan check it)",
        json_schema_extra=shown_default("the ROSA VPC's CIDR"),
    )
    route_tables: RouteTableSelection = Field(
        default_factory=RouteTableSelection, description="which ROSA route tables get the route to Aurora"
    )
    kubernetes: KubernetesAccess = Field(
        default_factory=KubernetesAccess, description="how the `keycloak-<name>` stack reaches the cluster's API server"
    )
    retired: bool = Field(
        default=False,
        description="retire the cluster: its stacks keep their state, backend and providers (this entry's region "
        "and `role_arn`) but no resources, so the next `make deploy` destroys everything they hold, "
        "`keycloak-<name>` first and `peering-<name>` last, and the plan review says so. Its VPC is no longer "
        "looked up. Delete the entry once that deploy is done",
    )

    @property
    def kube_context(self) -> str:
        """The kubeconfig context: `kubernetes.context`, else the cluster's name."""
        return self.kubernetes.context or self.name

    @property
    def cross_account(self) -> bool:
        """Whether the cluster is in another account (reached through `role_arn`)."""
        return self.role_arn is not None


# --- Keycloak wiring ---------------------------------------------------------------


class PoolSpec(_Model):
    """Keycloak's database connection pool (`spec.db.pool*Size` of the Keycloak CR)."""

    initial_size: int | None = Field(
        default=None, ge=0, description="`spec.db.poolInitialSize`", json_schema_extra=shown_default("Keycloak's")
    )
    min_size: int | None = Field(
        default=None, ge=0, description="`spec.db.poolMinSize`", json_schema_extra=shown_default("Keycloak's")
    )
    max_size: int | None = Field(
        default=None, ge=1, description="`spec.db.poolMaxSize`; min <= initial <= max",
        json_schema_extra=shown_default("Keycloak's"),
    )

    @model_validator(mode="after")
    def _ordered(self) -> "PoolSpec":
        sizes = [s for s in (self.min_size, self.initial_size, self.max_size) if s is not None]
        if sizes != sorted(sizes):
            raise ValueError("sizes must satisfy min_size <= initial_size <= max_size")
        return self


#: How Keycloak gets its database credentials (`keycloak.credentials`).
Credentials = Literal["iam", "copy", "external-secrets"]


class KeycloakSpec(_Model):
    """How each ROSA cluster's Keycloak reaches the database (guide: "Connecting Aurora
    database with Keycloak"); the same for every cluster."""

    namespace: K8sName = Field(default="keycloak", description="namespace of the Keycloak CR, its ServiceAccount and Secret")
    cr_name: K8sName = Field(default="keycloak", description="the Keycloak CR to patch")
    credentials: Credentials = Field(
        default="iam",
        description="`iam`: no password at all, Keycloak logs in as `db_user` with IAM tokens its pod role signs "
        "(needs `oidc_issuer` on every ROSA cluster and the image of `images/keycloak/`); `copy`: Terraform copies "
        "the RDS-managed master secret into Secret `secret_name` at apply time (stale after each rotation until "
        "re-applied); `external-secrets`: the External Secrets Operator keeps that Secret in step. `copy` and "
        "`external-secrets` use the master user",
    )
    db_user: DbUser = Field(
        default="keycloak_iam",
        description="with `iam`: the database user Keycloak logs in as (created by the bootstrap Job, member of "
        "`rds_iam`; its tables belong to the role `<db_user>_owner`); must differ from `aurora.master_username`; "
        "not `public`, `none`, nor starting with `pg_` or `rds` (reserved by PostgreSQL, or Aurora's own roles)",
    )
    service_account: K8sName = Field(
        default="keycloak-db",
        description="with `iam`: the ServiceAccount Keycloak's pods run as, annotated with its pod role "
        "(`spec.unsupported.podTemplate`: Keycloak 26's CR has no other field for it)",
    )
    secret_name: K8sName = Field(
        default="keycloak-db-secret",
        description="with `copy` and `external-secrets`: the Secret with keys `username` and `password`",
    )
    pool: PoolSpec = Field(default_factory=PoolSpec, description="Keycloak's connection pool sizes")
    tls: bool | None = Field(
        default=None,
        description="`sslmode=verify-full` against the RDS CA bundle at `tls_ca_path` (the bundle must be in the "
        "image or a volume); `iam` requires it",
        json_schema_extra=shown_default("`true` with `iam`, else `false` (as in the guide)"),
    )
    tls_ca_path: PodPath = Field(
        default="/opt/keycloak/conf/rds-ca-bundle.pem",
        description="absolute path of the RDS CA bundle inside the Keycloak pod",
    )
    refresh_interval: Duration = Field(
        default="1h", description="External Secrets refresh; shorter than `aurora.secret_rotation_days`"
    )
    connectivity_check: bool = Field(
        default=False,
        description="run the guide's `psql` check as a Job the apply waits for; with `iam` it logs in as Keycloak "
        "does, with an IAM token under Keycloak's ServiceAccount",
    )

    @property
    def verify_tls(self) -> bool:
        """Whether the JDBC URL verifies the server: `tls`, else on exactly with `iam`."""
        return self.tls if self.tls is not None else self.credentials == "iam"

    @property
    def uses_pod_roles(self) -> bool:
        """Whether pods assume AWS roles (an `access-<name>` stack per cluster): `iam` and
        `external-secrets`; `copy` needs no AWS access from the cluster."""
        return self.credentials != "copy"


# --- state and provider ------------------------------------------------------------


class S3StateSpec(_Model):
    """S3 state: one object per stack at `<key_prefix>/<stack>.tfstate`, encrypted, locked."""

    bucket: Annotated[str, AfterValidator(pattern(S3_BUCKET, "must be an S3 bucket name"))] = Field(
        description="the state bucket (versioning on); create it first, or let the `state` stack do it"
    )
    region: Region | None = Field(
        default=None, description="region of the bucket", json_schema_extra=shown_default("`aurora.region`")
    )
    key_prefix: str = Field(default="keycloak-aurora", min_length=1, description="state at `<key_prefix>/<stack>.tfstate`")
    locking: Literal["lockfile", "dynamodb"] = Field(
        default="lockfile",
        description="`lockfile` (S3 native lock, Terraform >= 1.10) or `dynamodb` with `dynamodb_table`",
    )
    dynamodb_table: str | None = Field(default=None, description="lock table, with `locking: dynamodb`")
    bootstrap: bool = Field(
        default=False,
        description="also synthesize the `state` stack (local state) that creates the bucket, and the DynamoDB "
        "table with `locking: dynamodb`; deploy it once, first",
    )

    @model_validator(mode="after")
    def _table_iff_dynamodb(self) -> "S3StateSpec":
        if (self.locking == "dynamodb") != bool(self.dynamodb_table):
            raise ValueError("dynamodb_table is given if and only if locking is 'dynamodb'")
        return self


class CloudStateSpec(_Model):
    """HCP Terraform / Terraform Enterprise: one workspace per stack, `<workspace_prefix>-<stack>`."""

    organization: Annotated[
        str, AfterValidator(pattern(TFC_NAME, "must be an organization name: letters, digits, '-' and '_'"))
    ] = Field(description="HCP Terraform organization")
    hostname: Hostname = Field(default="app.terraform.io", description="Terraform Enterprise host, or HCP Terraform's")
    project: str | None = Field(
        default=None, description="project of the workspaces", json_schema_extra=shown_default("the organization's default")
    )
    workspace_prefix: Annotated[
        str, AfterValidator(pattern(TFC_NAME, "must be letters, digits, '-' and '_' (a workspace name prefix)"))
    ] = Field(default="keycloak-aurora", description="one workspace per stack: `<workspace_prefix>-<stack>`")


class LocalStateSpec(_Model):
    """Local state for trying things out: `<directory>/<stack>.tfstate`."""

    directory: str = Field(default="state", description="local state at `<directory>/<stack>.tfstate` under the project root")


class StateSpec(_Model):
    """Where every stack keeps its state."""

    backend: Literal["s3", "cloud", "local"] = Field(
        default="s3", description="`s3`, `cloud` (HCP Terraform / Terraform Enterprise) or `local`"
    )
    s3: S3StateSpec | None = Field(default=None, description="S3 state settings; required for `s3`")
    cloud: CloudStateSpec | None = Field(default=None, description="HCP Terraform settings; required for `cloud`")
    local: LocalStateSpec = Field(default_factory=LocalStateSpec, description="local state settings")

    @model_validator(mode="after")
    def _backend_settings(self) -> "StateSpec":
        if self.backend == "s3" and self.s3 is None:
            raise ValueError("backend 's3' needs an s3 section with at least a bucket")
        if self.backend == "cloud" and self.cloud is None:
            raise ValueError("backend 'cloud' needs a cloud section with at least an organization")
        return self

    @property
    def s3_settings(self) -> S3StateSpec:
        """The `state.s3` section; a `ConfigError` when it is absent."""
        if self.s3 is None:
            raise ConfigError([f"state.s3: required key is missing (state.backend is {self.backend!r})"])
        return self.s3

    @property
    def cloud_settings(self) -> CloudStateSpec:
        """The `state.cloud` section; a `ConfigError` when it is absent."""
        if self.cloud is None:
            raise ConfigError([f"state.cloud: required key is missing (state.backend is {self.backend!r})"])
        return self.cloud


class AwsSpec(_Model):
    """AWS provider settings beyond the region; how tests and LocalStack users redirect it."""

    endpoints: dict[str, EndpointUrl] = Field(
        default_factory=dict,
        description="service -> URL for LocalStack or moto (`"
        + "`, `".join(sorted(ENDPOINT_SERVICES))
        + "`)",
    )
    skip_validation: bool = Field(
        default=False, description="skip credential, account-id, region and metadata checks (emulators)"
    )

    @model_validator(mode="after")
    def _known_services(self) -> "AwsSpec":
        unknown = sorted(set(self.endpoints) - ENDPOINT_SERVICES)
        if unknown:
            raise ValueError(f"unknown endpoint service(s) {unknown}; known: {sorted(ENDPOINT_SERVICES)}")
        return self


class DeploymentConfig(_Model):
    """The whole deployment: the Aurora cluster, the ROSA clusters, state and provider."""

    aurora: AuroraSpec = Field(description="the Aurora cluster and its network")
    rosa_clusters: list[RosaClusterSpec] = Field(
        default_factory=list, description="the ROSA clusters running Keycloak, each peered with the Aurora VPC"
    )
    keycloak: KeycloakSpec = Field(default_factory=KeycloakSpec, description="how Keycloak reaches the database")
    state: StateSpec = Field(description="where every stack keeps its Terraform state")
    aws: AwsSpec = Field(default_factory=AwsSpec, description="AWS provider settings for emulators")

    @property
    def live_rosa_clusters(self) -> list[RosaClusterSpec]:
        """The ROSA clusters that are not `retired`: those Keycloak runs in and gets a patch for."""
        return [rosa for rosa in self.rosa_clusters if not rosa.retired]

    def rosa_region(self, rosa: RosaClusterSpec) -> str:
        """The region of `rosa`: its own, else the Aurora region."""
        return rosa.region or self.aurora.region

    @property
    def state_region(self) -> str:
        """The region of the S3 state bucket: `state.s3.region`, else the Aurora region."""
        return self.state.s3_settings.region or self.aurora.region
