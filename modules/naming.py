"""Every name, id and derived value that more than one module needs, computed here once.

Pure: no jsii, no AWS call, so the review and render commands, the recovery and preflight
tools and the constructs all agree on them without starting Node.js. Names that AWS
resources carry are an API like Terraform addresses: a changed name replaces the resource.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modules.config import AuroraSpec

# --- stacks ------------------------------------------------------------------------

#: Stack id of the Aurora stack; also its state key `<key_prefix>/aurora.tfstate`.
AURORA_STACK_ID = "aurora"
#: Stack id of the optional state bootstrap stack.
STATE_STACK_ID = "state"
#: Stack id of the Aurora Global Database secondary (`aurora.secondary`), in its region.
AURORA_SECONDARY_STACK_ID = "aurora-secondary"


def peering_stack_id(rosa_name: str) -> str:
    """`peering-<name>`: also the stack's state key `<key_prefix>/peering-<name>.tfstate`."""
    return f"peering-{rosa_name}"


def keycloak_stack_id(rosa_name: str) -> str:
    """`keycloak-<name>`: also the stack's state key `<key_prefix>/keycloak-<name>.tfstate`."""
    return f"keycloak-{rosa_name}"


#: Prefix of the AWS-only stack of each ROSA cluster's pod roles (`access-<name>`).
ACCESS_STACK_PREFIX = "access-"


def access_stack_id(rosa_name: str) -> str:
    """`access-<name>`: the AWS-only stack holding the cluster's pod roles; also its state
    key `<key_prefix>/access-<name>.tfstate`."""
    return f"{ACCESS_STACK_PREFIX}{rosa_name}"


def rosa_stack_ids(rosa_name: str) -> tuple[str, str, str]:
    """The stacks of a ROSA cluster, dependants first: `keycloak-`, `access-` and `peering-<name>`
    (the order a retirement destroys them in; `access-` exists only with pod roles)."""
    return keycloak_stack_id(rosa_name), access_stack_id(rosa_name), peering_stack_id(rosa_name)


def rosa_cluster_of(stack_id: str) -> str | None:
    """The ROSA cluster a stack id belongs to (`peering-a` -> `a`), or None for `aurora`,
    `state` and any other name."""
    for prefix in ("keycloak-", ACCESS_STACK_PREFIX, "peering-"):
        if stack_id.startswith(prefix) and len(stack_id) > len(prefix):
            return stack_id[len(prefix):]
    return None


#: The one output of a retired cluster's stacks: the cluster's name. Plans show it (the
#: review names the retirement from it), and the state keeps it once the stack is empty.
RETIRED_OUTPUT = "retired"


def state_key(key_prefix: str, stack_id: str) -> str:
    """The S3 object key of a stack's state: `<key_prefix>/<stack>.tfstate`."""
    return f"{key_prefix.strip('/')}/{stack_id}.tfstate"


def workspace_name(workspace_prefix: str, stack_id: str) -> str:
    """The HCP Terraform workspace of a stack: `<workspace_prefix>-<stack>`."""
    return f"{workspace_prefix}-{stack_id}"


# --- tags every taggable resource carries (modules/aws/tagging.py) -----------------

#: Keys of the tags this tool sets itself start with it; `aurora.tags` may not use it.
OWN_TAG_PREFIX = "keycloak-aurora:"
#: Tag naming the deployment a resource belongs to; its value is `aurora.name`.
DEPLOYMENT_TAG = f"{OWN_TAG_PREFIX}deployment"
#: Tag naming a resource's Terraform address: `<stack>/<type>.<logical id>`.
ADDRESS_TAG = f"{OWN_TAG_PREFIX}address"


# --- Aurora resources (guide: "Create an Aurora cluster") ---------------------------

#: Construct id of the writer instance; readers are `reader-1`, `reader-2`, ...
WRITER_ID = "writer"


def reader_ids(reader_count: int) -> list[str]:
    """Construct ids (and identifier suffixes) of the readers: `reader-1` ... `reader-<n>`."""
    return [f"reader-{n}" for n in range(1, reader_count + 1)]


def reader_availability_zones(spec: AuroraSpec) -> list[str]:
    """The AZ of each reader: round-robin over every AZ but the writer's (the first)."""
    others = [subnet.availability_zone for subnet in spec.subnets[1:]]
    return [others[i % len(others)] for i in range(spec.reader_count)]


def instance_identifier(cluster_name: str, instance_id: str) -> str:
    """`<cluster>-writer`, `<cluster>-reader-1`, ...: the DB instance identifier."""
    return f"{cluster_name}-{instance_id}"


def final_snapshot_identifier(cluster_name: str, suffix: str) -> str:
    """`<name>-final-<suffix>`: the snapshot RDS takes when the cluster is destroyed; the
    suffix (a Terraform expression in the stack) is new for every cluster created."""
    return f"{cluster_name}-final-{suffix}"


def global_cluster_identifier(cluster_name: str) -> str:
    """`<aurora.name>-global`: the Aurora Global Database both clusters belong to."""
    return f"{cluster_name}-global"


def subnet_group_name(cluster_name: str) -> str:
    """Guide: `aws rds create-db-subnet-group --db-subnet-group-name keycloak-aurora-subnet-group`."""
    return f"{cluster_name}-subnet-group"


def security_group_name(cluster_name: str) -> str:
    """Guide: `aws ec2 create-security-group --group-name keycloak-aurora-security-group`."""
    return f"{cluster_name}-security-group"


def cluster_parameter_group_name(cluster_name: str, engine_major: int) -> str:
    """`<name>-aurora-postgresql<major>`: the cluster parameter group."""
    return f"{cluster_name}-aurora-postgresql{engine_major}"


def instance_parameter_group_name(cluster_name: str, engine_major: int) -> str:
    """`<name>-instance-aurora-postgresql<major>`: the instance parameter group, made only
    when `aurora.instance_parameters` names any parameter."""
    return f"{cluster_name}-instance-aurora-postgresql{engine_major}"


def default_instance_parameter_group_name(engine_major: int) -> str:
    """`default.aurora-postgresql<major>`: RDS's own instance parameter group of a major."""
    return f"default.aurora-postgresql{engine_major}"


def postgresql_log_group(cluster_name: str) -> str:
    """The log group RDS exports PostgreSQL logs to (created by us, encrypted)."""
    return f"/aws/rds/cluster/{cluster_name}/postgresql"


def flow_log_group(cluster_name: str) -> str:
    """The log group of the Aurora VPC's flow logs."""
    return f"/aws/vpc/{cluster_name}/flow-logs"


def flow_log_role_name(cluster_name: str) -> str:
    return f"{cluster_name}-flow-logs"


def monitoring_role_name(cluster_name: str) -> str:
    return f"{cluster_name}-rds-monitoring"


def kms_alias(key_name: str) -> str:
    """`alias/<name>` of a customer-managed key."""
    return f"alias/{key_name}"


#: The services that publish to the alarm topic: CloudWatch alarms and RDS event
#: subscriptions. An encrypted topic's key must let them use it (`modules.aws.kms_key`;
#: `make preflight` checks a key the config brings).
NOTIFYING_SERVICES = ("cloudwatch.amazonaws.com", "events.rds.amazonaws.com")


def alarm_topic_name(cluster_name: str) -> str:
    """`<name>-alarms`: the SNS topic alarms and RDS events go to (unless the config names one)."""
    return f"{cluster_name}-alarms"


def event_subscription_name(cluster_name: str, source: str) -> str:
    """`<name>-cluster-events`, `<name>-instance-events`: the RDS event subscriptions."""
    return f"{cluster_name}-{source}-events"


def dashboard_name(cluster_name: str, region: str) -> str:
    """`<name>-<region>`: the CloudWatch dashboard. Dashboard names are unique per account,
    not per Region, and a cluster identifier only per Region."""
    return f"{cluster_name}-{region}"


def console_host(region: str) -> str:
    """The AWS console's host name for `region` (China and GovCloud have their own)."""
    if region.startswith("cn-"):
        return f"{region}.console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return f"{region}.console.amazonaws-us-gov.com"
    return f"{region}.console.aws.amazon.com"


def dashboard_url(region: str, name: str) -> str:
    """The console link of CloudWatch dashboard `name` in `region`."""
    return f"https://{console_host(region)}/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


def supports_performance_insights(instance_class: str) -> bool:
    """Aurora PostgreSQL offers Performance Insights on every class but micro and small."""
    return instance_class.rsplit(".", 1)[-1] not in ("micro", "small")


# --- ROSA ---------------------------------------------------------------------------

#: The EC2 tag ROSA puts on a cluster's worker instances, holding the cluster's id (the
#: `ID` of `rosa describe cluster`); what `rosa_clusters[].vpc.cluster_id` matches by default.
ROSA_CLUSTER_ID_TAG = "api.openshift.com/id"


# --- connecting --------------------------------------------------------------------


def jdbc_url(host: str, port: int | str, database: str, parameters: Mapping[str, str] | None = None) -> str:
    """`jdbc:aws-wrapper:postgresql://<host>:<port>/<database>[?k=v&...]`: the URL the guide
    gives Keycloak's `spec.db.url` (the AWS JDBC wrapper). `host` may be a Terraform token.
    Parameter values are written as given: encode them first where needed."""
    url = f"jdbc:aws-wrapper:postgresql://{host}:{port}/{database}"
    if parameters:
        url += "?" + "&".join(f"{key}={value}" for key, value in parameters.items())
    return url


# --- pod identity (keycloak.credentials: iam, external-secrets) --------------------

#: STS's audience for web identity tokens: the one ROSA's pod identity webhook writes into
#: projected service account tokens (`--token-audience=sts.amazonaws.com`), which every pod
#: role's trust policy requires, and the one GitHub's OIDC tokens carry for the workflows'
#: roles (`modules/iam/github.py`).
WEB_IDENTITY_AUDIENCE = "sts.amazonaws.com"
#: The ServiceAccount annotation ROSA's pod identity webhook reads (the same as EKS's).
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
#: The ServiceAccount of the database user bootstrap Job (reads the master secret).
BOOTSTRAP_SERVICE_ACCOUNT = "keycloak-db-bootstrap"
#: The ServiceAccount the External Secrets Operator's SecretStore authenticates as.
SECRETS_READER_SERVICE_ACCOUNT = "aurora-secrets-reader"
#: The Secret holding only Keycloak's database user name with `credentials: iam` (Keycloak
#: 26's CR takes the user name from a Secret); distinct from `keycloak.secret_name`, so a
#: copied Secret keeps serving Keycloak until the new patch is applied.
DB_USERNAME_SECRET = "keycloak-db-username"
#: IAM role names are at most 64 characters.
_IAM_ROLE_NAME_MAX = 64


def issuer_host_path(issuer_url: str) -> str:
    """The OIDC issuer without `https://` (and without a trailing slash): what IAM names
    the provider by (`arn:...:oidc-provider/<host/path>`) and prefixes condition keys with."""
    return issuer_url.removeprefix("https://").rstrip("/")


def service_account_subject(namespace: str, service_account: str) -> str:
    """`system:serviceaccount:<namespace>:<name>`: the `sub` of the account's tokens."""
    return f"system:serviceaccount:{namespace}:{service_account}"


def pod_role_name(aurora_name: str, rosa_name: str, purpose: str) -> str:
    """`<aurora>-<rosa>-<purpose>`, e.g. `keycloak-aurora-rosa-site-a-keycloak`: a pod role.

    Names longer than IAM's 64 characters keep their first 55 and end in `-` and 8 hex
    digits of the full name's SHA-256, so they stay unique and stable.
    """
    name = f"{aurora_name}-{rosa_name}-{purpose}"
    if len(name) <= _IAM_ROLE_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:_IAM_ROLE_NAME_MAX - 9]}-{digest}"


def db_owner_role(db_user: str) -> str:
    """`<db_user>_owner`: the NOLOGIN role that owns Keycloak's tables; the IAM user acts as
    it (`ALTER ROLE ... SET role`), and the master user is a member of it, never of the user."""
    return f"{db_user}_owner"


def rds_db_user_arn(partition: str, region: str, account: str, cluster_resource_id: str, db_user: str) -> str:
    """The `rds-db:connect` resource of `db_user` on the cluster with `cluster_resource_id`
    (`cluster-...`, not the cluster's name): IAM matches the user name case-sensitively."""
    return f"arn:{partition}:rds-db:{region}:{account}:dbuser:{cluster_resource_id}/{db_user}"
