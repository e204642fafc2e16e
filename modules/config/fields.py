"""Field-level rules of the deployment config: formats, ranges and the constants they use.

Each validator raises `ValueError` with the rule in words; `modules.config.load` turns it
into a line naming the field and the value.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from modules.naming import OWN_TAG_PREFIX

#: Aurora PostgreSQL majors that Keycloak supports (Keycloak 26 "Configuring the database").
SUPPORTED_ENGINE_MAJORS = (15, 16, 17)
#: A current Aurora PostgreSQL release of a supported major; what the guide deploys.
DEFAULT_ENGINE_VERSION = "16.8"

#: Services the AWS provider may be pointed at a custom endpoint for (LocalStack, moto):
#: the provider's `endpoints` block keys that this project's stacks call.
ENDPOINT_SERVICES = frozenset(
    {"ec2", "rds", "s3", "sts", "iam", "kms", "secretsmanager", "dynamodb", "logs", "cloudwatch", "sns"}
)
#: Of those, the ones Terraform's S3 backend accepts in its own `endpoints` block.
BACKEND_ENDPOINT_SERVICES = frozenset({"s3", "sts", "iam", "dynamodb"})

#: Retention periods CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)

_RDS_IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DURATION = re.compile(r"^(\d+h)?(\d+m)?(\d+s)?$")
_DB_USER = re.compile(r"^[a-z][a-z0-9_]{0,56}$")
# https://<host>[/<path>]: what `rosa describe cluster` shows as "OIDC Endpoint URL"
# (the `iss` of the cluster's service account tokens); no port, query or trailing slash.
_OIDC_ISSUER = re.compile(r"^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(/[A-Za-z0-9._~-]+)*$")

#: An IAM role ARN: partition, a 12-digit account, an optional path, a name of 1-64 of
#: letters, digits and `+=,.@_-` (IAM's rules).
ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
#: An http(s) URL of an emulator or a private endpoint (scheme, host, optional port and path).
_ENDPOINT_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$")
#: A DNS host name (Terraform Enterprise's).
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")

#: PostgreSQL's reserved key words (PostgreSQL 15-17, Appendix C: "reserved" and "reserved
#: (can be function or type)"): RDS refuses them as a master user or database name.
POSTGRES_RESERVED_WORDS = frozenset("""
all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
column concurrently constraint create cross current_catalog current_date current_role current_schema current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
returning right select session_user similar some symmetric system_user table tablesample then to trailing true union
unique user using variadic verbose when where window with
""".split())
#: Role names PostgreSQL refuses even quoted (`role name "public" is reserved`); names
#: starting with `pg_` are refused too.
POSTGRES_RESERVED_ROLES = frozenset({"public", "none"})
#: Databases every Aurora PostgreSQL cluster already has.
EXISTING_DATABASES = frozenset({"postgres", "template0", "template1", "rdsadmin"})
#: Aurora's own roles (rdsadmin, rds_superuser, rds_iam, rds_replication, rds_password,
#: rdstopmgr, ...) start with it: a user of that name would be an existing RDS role.
RDS_ROLE_PREFIX = "rds"
#: CreateDBCluster's limit on the master user name.
MASTER_USERNAME_MAX = 16

VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
#: A provisioned class (`db.<family>.<size>`) or Aurora Serverless v2's `db.serverless`.
INSTANCE_CLASS = re.compile(r"^db\.([a-z0-9]+\.[a-z0-9]+|serverless)$")
ENGINE_VERSION = re.compile(r"^(\d+)\.(\d+)(\.\d+)?$")
#: A DB cluster snapshot: its identifier (automated ones start with `rds:`) or its ARN.
CLUSTER_SNAPSHOT = re.compile(r"^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:)?(rds:)?[A-Za-z][A-Za-z0-9-]{0,254}$")
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TFC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,90}$")
#: EC2 tag keys and values: letters, digits and `_.:/=+-@` (keys also spaces), at most
#: 128 and 256; keys never start with `aws:` (reserved).
TAG_KEY = re.compile(r"^(?!aws:)[\w.:/=+\-@ ]{1,128}$")
TAG_VALUE = re.compile(r"^[\w.:/=+\-@]{1,256}$")
#: A tag value every service this tool tags accepts (IAM's and CloudWatch Logs' rule, the
#: strictest of EC2, RDS, IAM, KMS and Logs): may be empty, may contain spaces.
_ANY_TAG_VALUE = re.compile(r"^[\w.:/=+\-@ ]{0,256}$")
#: AWS allows 50 tags per resource; this tool adds up to four of its own (Name, a stack
#: marker such as AuroraCluster, the deployment and address tags).
MAX_DEPLOYMENT_TAGS = 46
#: A KMS key by its ARN (RDS, Secrets Manager and CloudWatch Logs all take the key ARN; an
#: alias is not one): a key id (a UUID) or a multi-Region key id (mrk-...).
KMS_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/"
    r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


def pattern(regex: re.Pattern[str], rule: str):
    """A validator accepting strings that match `regex`, refusing others with `rule`."""

    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(rule)
        return value

    return check


def _rds_identifier(value: str) -> str:
    """RDS identifiers: letters, digits, hyphens; a letter first; at most 63; no '--' or trailing '-'."""
    if not _RDS_IDENTIFIER.match(value) or "--" in value or value.endswith("-"):
        raise ValueError(
            "must be 1-63 lowercase letters, digits or hyphens, start with a letter, "
            "and contain no double or trailing hyphen (RDS identifier rules)"
        )
    return value


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


def _duration(value: str) -> str:
    if not value or not _DURATION.match(value):
        raise ValueError("must be a duration such as 1h, 30m or 1h30m")
    return value


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


def _db_user(value: str) -> str:
    if not _DB_USER.match(value):
        raise ValueError(
            "must be 1-57 lowercase letters, digits or underscores and start with a letter "
            "(a PostgreSQL role name that still fits 63 characters with `_owner` appended)"
        )
    return value


def _oidc_issuer(value: str) -> str:
    if not _OIDC_ISSUER.match(value):
        raise ValueError(
            "must be the cluster's OIDC endpoint URL, https://<host>[/<path>] without port, query or trailing "
            "slash (`rosa describe cluster -c <name>`: \"OIDC Endpoint URL\")"
        )
    if any(segment in (".", "..") for segment in value.split("/")[3:]):
        raise ValueError(
            "must be the issuer URL exactly as the cluster's tokens carry it: no `.` or `..` path segments (the IAM "
            "OIDC provider and the trust policy match the issuer literally)"
        )
    return value


def _role_name(value: str, *, what: str) -> str:
    """Refuse role names PostgreSQL or RDS reserve: `public`, `none`, `pg_...`, `rds...`."""
    if value in POSTGRES_RESERVED_ROLES or value.startswith("pg_"):
        raise ValueError(f"is reserved by PostgreSQL (public, none and names starting with pg_ cannot be {what})")
    if value.startswith(RDS_ROLE_PREFIX):
        raise ValueError(
            f"starts with {RDS_ROLE_PREFIX!r}, like Aurora's own roles (rdsadmin, rds_superuser, rds_iam, ...): "
            f"{what} would be, or be mistaken for, one of them"
        )
    return value


def _master_username(value: str) -> str:
    if len(value) > MASTER_USERNAME_MAX:
        raise ValueError(f"must be at most {MASTER_USERNAME_MAX} characters (CreateDBCluster's limit)")
    if value.lower() in POSTGRES_RESERVED_WORDS:
        raise ValueError("is a PostgreSQL reserved word, which RDS refuses as the master user")
    return _role_name(value, what="the master user")


def _database_name(value: str) -> str:
    if value.lower() in POSTGRES_RESERVED_WORDS:
        raise ValueError("is a PostgreSQL reserved word, which RDS refuses as a database name")
    if value.lower() in EXISTING_DATABASES:
        raise ValueError(f"every Aurora PostgreSQL cluster already has it ({', '.join(sorted(EXISTING_DATABASES))}): "
                         "choose a name of Keycloak's own")
    return value


def _db_user_role(value: str) -> str:
    return _role_name(value, what="Keycloak's database user")


def _pod_path(value: str) -> str:
    """An absolute file path in a container: the JDBC driver opens it from the pod's root,
    whatever the working directory."""
    parts = value.split("/")
    if not value.startswith("/") or value.endswith("/") or any(p in ("", ".", "..") for p in parts[1:]) \
            or any(not c.isprintable() for c in value):
        raise ValueError("must be an absolute path to a file, such as /opt/keycloak/conf/rds-ca-bundle.pem "
                         "(no empty, . or .. segments)")
    return value


def _endpoint_url(value: str) -> str:
    if not _ENDPOINT_URL.match(value):
        raise ValueError("must be an http(s) URL such as http://127.0.0.1:5000")
    return value


def _hostname(value: str) -> str:
    if not _HOSTNAME.match(value):
        raise ValueError("must be a host name such as app.terraform.io (no scheme, port or path)")
    return value


def _restore_time(value: Any) -> str:
    """`latest`, or a UTC time as RDS takes it (`2026-11-28T09:30:00Z`). YAML reads an
    unquoted timestamp as a datetime: one in UTC is accepted and written back the same way."""
    rule = "must be 'latest' or a UTC time such as 2026-11-28T09:30:00Z"
    if isinstance(value, datetime):
        if value.utcoffset() is None or value.utcoffset().total_seconds() != 0:
            raise ValueError(rule)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if value == "latest":
        return value
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        raise ValueError(rule) from None
    return value


def _deployment_tags(value: dict[str, str]) -> dict[str, str]:
    """Tags for every resource: EC2-style keys and values that IAM and Logs accept too, no
    key AWS or this tool reserves, at most MAX_DEPLOYMENT_TAGS."""
    for key, text in value.items():
        if key.startswith(("aws:", OWN_TAG_PREFIX)):
            raise ValueError(
                f"key {key!r} is reserved: keys starting with aws: are AWS's, with {OWN_TAG_PREFIX} this tool's "
                "(the deployment and address tags every resource carries)"
            )
        if not TAG_KEY.match(key):
            raise ValueError(f"key {key!r}: a tag key is 1-128 letters, digits, spaces or _.:/=+-@")
        if not _ANY_TAG_VALUE.match(text):
            raise ValueError(f"value of {key!r}: a tag value is at most 256 letters, digits, spaces or _.:/=+-@")
    if len(value) > MAX_DEPLOYMENT_TAGS:
        raise ValueError(
            f"{len(value)} tags: at most {MAX_DEPLOYMENT_TAGS} (AWS allows 50 per resource and this tool adds up to 4)"
        )
    return value


def duration_seconds(value: str) -> int:
    """Seconds of a Go-style duration such as 1h30m (hours, minutes, seconds only)."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(number) * units[unit] for number, unit in re.findall(r"(\d+)([hms])", value))


RdsIdentifier = Annotated[str, AfterValidator(_rds_identifier)]
Region = Annotated[str, AfterValidator(_region)]
StackName = Annotated[str, AfterValidator(_stack_name)]
DbName = Annotated[str, AfterValidator(_db_name)]
Duration = Annotated[str, AfterValidator(_duration)]
DbUser = Annotated[str, AfterValidator(_db_user), AfterValidator(_db_user_role)]
MasterUsername = Annotated[str, AfterValidator(_db_name), AfterValidator(_master_username)]
DatabaseName = Annotated[str, AfterValidator(_db_name), AfterValidator(_database_name)]
RoleArn = Annotated[
    str,
    AfterValidator(pattern(ROLE_ARN, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/keycloak-peering "
                                     "(a 12-digit account, role/ and the role's name)")),
]
PodPath = Annotated[str, AfterValidator(_pod_path)]
EndpointUrl = Annotated[str, AfterValidator(_endpoint_url)]
Hostname = Annotated[str, AfterValidator(_hostname)]
OidcIssuer = Annotated[str, AfterValidator(_oidc_issuer)]
LogRetentionDays = Annotated[int, AfterValidator(_log_retention)]
RestoreTime = Annotated[str, BeforeValidator(_restore_time)]
Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_ipv4_network)]
DeploymentTags = Annotated[dict[str, str], AfterValidator(_deployment_tags)]
KmsKeyArn = Annotated[
    str,
    AfterValidator(
        pattern(
            KMS_KEY_ARN,
            "must be a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab "
            "(not an alias: RDS and CloudWatch Logs take the key's ARN)",
        )
    ),
]
K8sName = Annotated[
    str,
    AfterValidator(
        pattern(_K8S_NAME, "must be a Kubernetes name: lowercase letters, digits and '-', at most 63, "
                "starting and ending with a letter or digit")
    ),
]
