"""Every name, id and derived value that more than one module needs, computed here once.

Pure: no jsii, no AWS call, so the review and render commands, the recovery and preflight
tools and the constructs all agree on them without starting Node.js. Names that AWS
resources carry are an API like Terraform addresses: a changed name replaces the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modules.config import AuroraSpec

# --- stacks ------------------------------------------------------------------------

#: Stack id of the Aurora stack; also its state key `<key_prefix>/aurora.tfstate`.
AURORA_STACK_ID = "aurora"
#: Stack id of the optional state bootstrap stack.
STATE_STACK_ID = "state"


def peering_stack_id(rosa_name: str) -> str:
    """`peering-<name>`: also the stack's state key `<key_prefix>/peering-<name>.tfstate`."""
    return f"peering-{rosa_name}"


def keycloak_stack_id(rosa_name: str) -> str:
    """`keycloak-<name>`: also the stack's state key `<key_prefix>/keycloak-<name>.tfstate`."""
    return f"keycloak-{rosa_name}"


def state_key(key_prefix: str, stack_id: str) -> str:
    """The S3 object key of a stack's state: `<key_prefix>/<stack>.tfstate`."""
    return f"{key_prefix.strip('/')}/{stack_id}.tfstate"


def workspace_name(workspace_prefix: str, stack_id: str) -> str:
    """The HCP Terraform workspace of a stack: `<workspace_prefix>-<stack>`."""
    return f"{workspace_prefix}-{stack_id}"


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


def subnet_group_name(cluster_name: str) -> str:
    """Guide: `aws rds create-db-subnet-group --db-subnet-group-name keycloak-aurora-subnet-group`."""
    return f"{cluster_name}-subnet-group"


def security_group_name(cluster_name: str) -> str:
    """Guide: `aws ec2 create-security-group --group-name keycloak-aurora-security-group`."""
    return f"{cluster_name}-security-group"


def cluster_parameter_group_name(cluster_name: str, engine_major: int) -> str:
    """`<name>-aurora-postgresql<major>`: the cluster parameter group."""
    return f"{cluster_name}-aurora-postgresql{engine_major}"


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


def supports_performance_insights(instance_class: str) -> bool:
    """Aurora PostgreSQL offers Performance Insights on every class but micro and small."""
    return instance_class.rsplit(".", 1)[-1] not in ("micro", "small")


# --- connecting --------------------------------------------------------------------


def jdbc_url(host: str, port: int | str, database: str, parameters: Mapping[str, str] | None = None) -> str:
    """`jdbc:aws-wrapper:postgresql://<host>:<port>/<database>[?k=v&...]`: the URL the guide
    gives Keycloak's `spec.db.url` (the AWS JDBC wrapper). `host` may be a Terraform token.
    Parameter values are written as given: encode them first where needed."""
    url = f"jdbc:aws-wrapper:postgresql://{host}:{port}/{database}"
    if parameters:
        url += "?" + "&".join(f"{key}={value}" for key, value in parameters.items())
    return url
