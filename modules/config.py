"""The deployment config: one YAML document parsed into a typed, validated model.

Data flows one way: config file -> `DeploymentConfig` -> constructs -> Terraform JSON.
This module owns the first arrow. Field-level rules (types, formats, ranges, unknown
keys) live on the pydantic models below; rules that relate several fields (a subnet
inside the VPC, overlapping CIDRs, AZs in the region) live in `modules.validation`.
Both report through `ConfigError`, whose every line names the field path, the value and
the rule, e.g.::

    aurora.subnets[1].cidr = '10.0.0.0/19': must lie inside aurora.vpc_cidr 192.168.0.0/16

The example config, `config/example.yaml`, reproduces the Keycloak HA guide
"Deploy AWS Aurora in multiple availability zones".
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BeforeValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

#: Aurora PostgreSQL majors that Keycloak supports (Keycloak 26 "Configuring the database").
SUPPORTED_ENGINE_MAJORS = (15, 16, 17)
#: A current Aurora PostgreSQL release of a supported major; what the guide deploys.
DEFAULT_ENGINE_VERSION = "16.8"

# Services the AWS provider may be pointed at a custom endpoint for (LocalStack, moto).
# These are the provider's `endpoints` block keys that this project's stacks call.
ENDPOINT_SERVICES = frozenset(
    {"ec2", "rds", "s3", "sts", "iam", "kms", "secretsmanager", "dynamodb", "logs", "cloudwatch"}
)
# Of those, the ones Terraform's S3 backend accepts in its own `endpoints` block.
BACKEND_ENDPOINT_SERVICES = frozenset({"s3", "sts", "iam", "dynamodb"})

_RDS_IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_ENGINE_VERSION = re.compile(r"^(\d+)\.(\d+)(\.\d+)?$")
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class ConfigError(Exception):
    """Invalid deployment config: one line per problem, each naming field, value and rule."""

    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"invalid config{where}:\n" + "\n".join(f"  {p}" for p in problems))


# --- field rules -------------------------------------------------------------------


def _rds_identifier(value: str) -> str:
    """RDS identifiers: letters, digits, hyphens; a letter first; at most 63; no '--' or trailing '-'."""
    if not _RDS_IDENTIFIER.match(value) or "--" in value or value.endswith("-"):
        raise ValueError(
            "must be 1-63 lowercase letters, digits or hyphens, start with a letter, "
            "and contain no double or trailing hyphen (RDS identifier rules)"
        )
    return value


#: Retention periods CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of CloudWatch Logs' retention periods: {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return value


def _region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError("must be an AWS region name such as eu-west-1")
    return value


def _stack_name(value: str) -> str:
    if not _STACK_NAME.match(value) or "--" in value or value.endswith("-"):
        raise ValueError(
            "must be 1-40 lowercase letters, digits or hyphens, start with a letter and have "
            "no double or trailing hyphen (it becomes part of a stack id)"
        )
    return value


def _db_name(value: str) -> str:
    if not _DB_NAME.match(value):
        raise ValueError(
            "must be 1-63 letters, digits or underscores and start with a letter "
            "(Aurora PostgreSQL database name rules)"
        )
    return value


def _pattern(regex: re.Pattern[str], rule: str):
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(rule)
        return value

    return check


def _ipv4_network(value: Any) -> ipaddress.IPv4Network:
    """A CIDR block given in canonical form (host bits zero), e.g. 192.168.0.0/16."""
    if not isinstance(value, str):
        raise ValueError("must be an IPv4 CIDR block such as 192.168.0.0/16")
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as err:
        if "has host bits set" in str(err):
            raise ValueError("has host bits set; write the network address, e.g. "
                             f"{ipaddress.IPv4Network(value, strict=False)}") from None
        raise ValueError("must be an IPv4 CIDR block such as 192.168.0.0/16") from None


RdsIdentifier = Annotated[str, AfterValidator(_rds_identifier)]
Region = Annotated[str, AfterValidator(_region)]
StackName = Annotated[str, AfterValidator(_stack_name)]
Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_ipv4_network)]


class _Model(BaseModel):
    """Strict base: unknown keys are errors (they are usually typos), models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Aurora ------------------------------------------------------------------------


class SubnetSpec(_Model):
    """One private Aurora subnet; the guide creates one per availability zone."""

    availability_zone: str = Field(description="e.g. eu-west-1a; must be in aurora.region")
    cidr: Cidr = Field(description="inside aurora.vpc_cidr, overlapping no other subnet")


class PasswordMode(str, Enum):
    """How the master password is handled. Neither puts a password in config or JSON."""

    #: RDS generates it and keeps it in Secrets Manager (`manage_master_user_password`).
    MANAGED = "managed"
    #: A sensitive Terraform variable `master_password` (TF_VAR_master_password).
    VARIABLE = "variable"


class AuroraSpec(_Model):
    """The Aurora cluster and its network (guide: "Create an Aurora cluster")."""

    name: RdsIdentifier = Field(description="cluster identifier; the VPC is tagged AuroraCluster=<name>")
    region: Region
    vpc_cidr: Cidr = Field(description="e.g. 192.168.0.0/16 as in the guide")
    subnets: list[SubnetSpec] = Field(description="one per AZ, at least two; the writer goes in the first")
    engine_version: Annotated[
        str, AfterValidator(_pattern(_ENGINE_VERSION, "must be an Aurora PostgreSQL version such as 16.8"))
    ] = Field(default=DEFAULT_ENGINE_VERSION, description=f"default {DEFAULT_ENGINE_VERSION}")
    database_name: Annotated[str, AfterValidator(_db_name)] = Field(default="keycloak")
    master_username: Annotated[str, AfterValidator(_db_name)] = Field(default="keycloak")
    master_password: PasswordMode = Field(default=PasswordMode.MANAGED)
    instance_class: Annotated[
        str, AfterValidator(_pattern(_INSTANCE_CLASS, "must be an RDS instance class such as db.t4g.large"))
    ] = Field(default="db.t4g.large")
    reader_count: int = Field(default=1, description="readers besides the writer; at least one")
    port: int = Field(default=5432, ge=1150, le=65535, description="default 5432")
    auto_minor_version_upgrade: bool = Field(
        default=False, description="off, as the guide sets it, so upgrades happen when you choose"
    )
    secret_rotation_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="rotate the RDS-managed master secret every N days (RDS's default: 7); "
        "explicit so Keycloak's copy can be kept in step",
    )
    deletion_protection: bool = Field(
        default=True,
        description="RDS deletion protection plus Terraform prevent_destroy on the cluster, its "
        "instances and its key: a destroy or replacing plan stops before anything is deleted. "
        "Set false (and apply) to destroy on purpose",
    )
    backup_retention_days: int = Field(default=7, ge=1, le=35, description="automated backups; default 7")
    kms_key_arn: str | None = Field(
        default=None,
        description="customer-managed KMS key for storage, the master secret, Performance Insights "
        "and log groups; default: a new key with rotation on",
    )
    iam_database_authentication: bool = Field(default=True, description="IAM database authentication; default on")
    performance_insights: bool = Field(
        default=True, description="Performance Insights where the instance class supports it; default on"
    )
    monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = Field(
        default=60, description="enhanced monitoring every N seconds (0 = off); default 60"
    )
    log_retention_days: Annotated[int, AfterValidator(_log_retention)] = Field(
        default=365, description="retention of the PostgreSQL and VPC flow log groups; default 365"
    )
    final_snapshot: bool = Field(
        default=True,
        description="on destroy, keep a final snapshot named <name>-final (default); "
        "false deletes the data with the cluster",
    )
    tags: dict[str, str] = Field(default_factory=dict, description="added to every resource")

    @property
    def engine_major(self) -> int:
        return int(self.engine_version.split(".")[0])


# --- ROSA clusters -----------------------------------------------------------------


class VpcFinder(_Model):
    """How to find a ROSA cluster's VPC: exactly one of the three ways."""

    id: Annotated[str, AfterValidator(_pattern(_VPC_ID, "must be a VPC id such as vpc-0123456789abcdef0"))] | None = None
    node_private_dns: str | None = Field(
        default=None,
        description="a worker node's private DNS name, as the guide finds the VPC "
        "(describe-instances --filters private-dns-name=...)",
    )
    tags: dict[str, str] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "VpcFinder":
        given = [name for name in ("id", "node_private_dns", "tags") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of id, node_private_dns, tags (got {len(given)}: {', '.join(given) or 'none'})"
            )
        return self


class RouteTableSelection(_Model):
    """Which ROSA route tables get the route to Aurora.

    `all` (default): every route table of the VPC (ROSA nodes sit in private subnets with
    their own route tables); `main`: only the main one, as the guide does; `tags`: those
    matching all the given tags.
    """

    mode: Literal["all", "main", "tags"] = "all"
    tags: dict[str, str] | None = None

    @model_validator(mode="after")
    def _tags_iff_mode_tags(self) -> "RouteTableSelection":
        if (self.mode == "tags") != bool(self.tags):
            raise ValueError("tags are given if and only if mode is 'tags'")
        return self


_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_K8S_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_DURATION = re.compile(r"^(\d+h)?(\d+m)?(\d+s)?$")

K8sName = Annotated[
    str,
    AfterValidator(
        _pattern(_K8S_NAME, "must be a Kubernetes name: lowercase letters, digits and '-', at most 63, "
                 "starting and ending with a letter or digit")
    ),
]


def _duration(value: str) -> str:
    if not value or not _DURATION.match(value):
        raise ValueError("must be a duration such as 1h, 30m or 1h30m")
    return value


class KubernetesAccess(_Model):
    """How Terraform reaches a ROSA cluster's API server (the kubernetes provider)."""

    config_path: str = Field(default="~/.kube/config", description="kubeconfig file; default ~/.kube/config")
    context: str | None = Field(default=None, description="kubeconfig context; default: the cluster's name")


class RosaClusterSpec(_Model):
    """A ROSA cluster running Keycloak; each gets a `peering-<name>` and a `keycloak-<name>` stack."""

    name: StackName
    region: Region | None = Field(default=None, description="default: aurora.region")
    role_arn: str | None = Field(default=None, description="role to assume when the cluster is in another account")
    vpc: VpcFinder
    machine_cidr: Cidr | None = Field(default=None, description="default: the ROSA VPC's CIDR")
    route_tables: RouteTableSelection = Field(default_factory=RouteTableSelection)
    kubernetes: KubernetesAccess = Field(default_factory=KubernetesAccess)


# --- Keycloak wiring ---------------------------------------------------------------


class PoolSpec(_Model):
    """Keycloak's database connection pool (`spec.db.pool*Size` of the Keycloak CR)."""

    initial_size: int | None = Field(default=None, ge=0, description="default: Keycloak's")
    min_size: int | None = Field(default=None, ge=0, description="default: Keycloak's")
    max_size: int | None = Field(default=None, ge=1, description="default: Keycloak's")

    @model_validator(mode="after")
    def _ordered(self) -> "PoolSpec":
        sizes = [s for s in (self.min_size, self.initial_size, self.max_size) if s is not None]
        if sizes != sorted(sizes):
            raise ValueError("sizes must satisfy min_size <= initial_size <= max_size")
        return self


class KeycloakSpec(_Model):
    """How each ROSA cluster's Keycloak reaches the database (guide: "Connecting Aurora
    database with Keycloak"); the same for every cluster."""

    namespace: K8sName = Field(default="keycloak", description="where the Keycloak CR runs; default keycloak")
    cr_name: K8sName = Field(default="keycloak", description="name of the Keycloak CR to patch; default keycloak")
    secret_name: K8sName = Field(default="keycloak-db-secret", description="Secret with keys username and password")
    pool: PoolSpec = Field(default_factory=PoolSpec)
    tls: bool = Field(
        default=False,
        description="sslmode=verify-full against the RDS CA bundle mounted at tls_ca_path (the bundle must be "
        "in the image or a volume); default off, as in the guide",
    )
    tls_ca_path: str = Field(default="/opt/keycloak/conf/rds-ca-bundle.pem")
    secret_sync: Literal["copy", "external-secrets"] = Field(
        default="copy",
        description="copy: Terraform copies the RDS-managed secret into the Secret at apply time; "
        "external-secrets: the External Secrets Operator keeps it in step with Secrets Manager",
    )
    refresh_interval: Annotated[str, AfterValidator(_duration)] = Field(
        default="1h", description="External Secrets refresh; must be shorter than the rotation period"
    )
    connectivity_check: bool = Field(
        default=False, description="run a psql Job against the writer after apply, as the guide's psql pod does"
    )


# --- state and provider ------------------------------------------------------------


class S3StateSpec(_Model):
    """S3 state: one object per stack at `<key_prefix>/<stack>.tfstate`, encrypted, locked."""

    bucket: Annotated[str, AfterValidator(_pattern(_S3_BUCKET, "must be an S3 bucket name"))]
    region: Region | None = Field(default=None, description="default: aurora.region")
    key_prefix: str = Field(default="keycloak-aurora", min_length=1)
    locking: Literal["lockfile", "dynamodb"] = Field(
        default="lockfile", description="S3 native lock file (Terraform >= 1.10) or a DynamoDB table"
    )
    dynamodb_table: str | None = None
    bootstrap: bool = Field(
        default=False,
        description="synthesize a `state` stack (local state) that creates the bucket, and the "
        "DynamoDB table when locking is dynamodb; deploy it once, first",
    )

    @model_validator(mode="after")
    def _table_iff_dynamodb(self) -> "S3StateSpec":
        if (self.locking == "dynamodb") != bool(self.dynamodb_table):
            raise ValueError("dynamodb_table is given if and only if locking is 'dynamodb'")
        return self


_TFC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,90}$")


class CloudStateSpec(_Model):
    """HCP Terraform / Terraform Enterprise: one workspace per stack, `<workspace_prefix>-<stack>`."""

    organization: Annotated[
        str, AfterValidator(_pattern(_TFC_NAME, "must be an organization name: letters, digits, '-' and '_'"))
    ]
    hostname: str = Field(default="app.terraform.io", description="default app.terraform.io (HCP Terraform)")
    project: str | None = Field(default=None, description="project of the workspaces; default: the organization's default")
    workspace_prefix: Annotated[
        str, AfterValidator(_pattern(_TFC_NAME, "must be letters, digits, '-' and '_' (a workspace name prefix)"))
    ] = Field(default="keycloak-aurora", description="workspaces are named <workspace_prefix>-<stack>")


class LocalStateSpec(_Model):
    """Local state for trying things out: `<directory>/<stack>.tfstate`."""

    directory: str = Field(default="state", description="relative to the project root; default 'state'")


class StateSpec(_Model):
    """Where every stack keeps its state: `s3` (default), `cloud` (HCP Terraform) or `local`."""

    backend: Literal["s3", "cloud", "local"] = "s3"
    s3: S3StateSpec | None = None
    cloud: CloudStateSpec | None = None
    local: LocalStateSpec = Field(default_factory=LocalStateSpec)

    @model_validator(mode="after")
    def _backend_settings(self) -> "StateSpec":
        if self.backend == "s3" and self.s3 is None:
            raise ValueError("backend 's3' needs an s3 section with at least a bucket")
        if self.backend == "cloud" and self.cloud is None:
            raise ValueError("backend 'cloud' needs a cloud section with at least an organization")
        return self


class AwsSpec(_Model):
    """AWS provider settings beyond the region; how tests and LocalStack users redirect it."""

    endpoints: dict[str, str] = Field(default_factory=dict, description="service -> URL, e.g. {ec2: http://127.0.0.1:5000}")
    skip_validation: bool = Field(
        default=False,
        description="skip credential, account-id, region and metadata checks (needed by emulators)",
    )

    @model_validator(mode="after")
    def _known_services(self) -> "AwsSpec":
        unknown = sorted(set(self.endpoints) - ENDPOINT_SERVICES)
        if unknown:
            raise ValueError(f"unknown endpoint service(s) {unknown}; known: {sorted(ENDPOINT_SERVICES)}")
        return self


class DeploymentConfig(_Model):
    """The whole deployment: the Aurora cluster, the ROSA clusters, state and provider."""

    aurora: AuroraSpec
    rosa_clusters: list[RosaClusterSpec] = Field(default_factory=list)
    keycloak: KeycloakSpec = Field(default_factory=KeycloakSpec)
    state: StateSpec
    aws: AwsSpec = Field(default_factory=AwsSpec)


# --- loading -----------------------------------------------------------------------


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose field set applies at `loc` (for typo suggestions)."""
    model: Any = DeploymentConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    model = inner
                    break
        else:
            return None
    return model


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        return f"{_path(loc)}: unknown key (allowed: {', '.join(allowed)}){suggestion}"
    if kind == "missing":
        return f"{_path(loc)}: required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{_path(loc)} = {error.get('input')!r}: {message}"


def parse_config(data: Any, source: str | None = None) -> DeploymentConfig:
    """Validate a config mapping (already parsed from YAML) into a `DeploymentConfig`.

    Raises `ConfigError` listing every problem; field rules first, then cross-field rules.
    """
    from modules.validation import cross_field_problems

    if not isinstance(data, dict):
        raise ConfigError([f"(top level) = {data!r}: must be a mapping with aurora, state, ..."], source)
    try:
        config = DeploymentConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError([_describe(e) for e in err.errors()], source) from None
    problems = cross_field_problems(config)
    if problems:
        raise ConfigError(problems, source)
    return config


#: The config synthesized when nothing else is named.
DEFAULT_CONFIG = "config/example.yaml"


def selected_config_path() -> str:
    """The config to use: `$KEYCLOAK_AURORA_CONFIG`, else cdktf.json's context `config`
    (read from the working directory), else `config/example.yaml`."""
    from_env = os.environ.get("KEYCLOAK_AURORA_CONFIG")
    if from_env:
        return from_env
    try:
        with open("cdktf.json", encoding="utf-8") as handle:
            return json.load(handle).get("context", {}).get("config", DEFAULT_CONFIG)
    except FileNotFoundError:
        return DEFAULT_CONFIG


def load_config(path: str | Path) -> DeploymentConfig:
    """Read and validate the YAML deployment config at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError([f"cannot read config file: {err.strerror}"], str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError([f"not valid YAML: {err}"], str(path)) from None
    return parse_config(data, str(path))
