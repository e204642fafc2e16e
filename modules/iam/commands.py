"""The AWS calls of the boto3 commands, as IAM actions: `make preflight` and `make find-vpc`
(read-only) and `make recover` (reads, removes a stale lock, deletes duplicates).

Each list is the set of API calls the command's code makes (`modules/preflight/checks.py`,
`modules/peering/find_vpc.py`, `modules/recover/`); `tests/e2e/test_least_privilege.py`
runs each command with only its policy on moto with IAM enforcement on.
"""

from __future__ import annotations

from modules.iam.actions import UNSCOPED
from modules.iam.policies import Grants
from modules.iam.scopes import Scopes, deployment_tag, partition

#: `make preflight`: credentials, AZs, engine offerings, the state bucket, each ROSA VPC
#: and route tables (in the cluster's account: the ROSA-account role has these), the
#: OIDC providers.
PREFLIGHT = (
    "ec2:DescribeAvailabilityZones", "rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions",
    "ec2:DescribeInstances", "ec2:DescribeVpcs", "ec2:DescribeRouteTables",
    "iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider",
)
#: `make find-vpc`: a node's or a cluster's instances, then their VPC.
FIND_VPC = ("ec2:DescribeInstances", "ec2:DescribeVpcs")
#: `make recover`, reading: every finder of `modules/recover/finders.py` and what
#: `duplicates.py` inspects.
RECOVER_READ = (
    "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules", "ec2:DescribeFlowLogs", "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeInstances", "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways", "ec2:DescribeVpcEndpoints",
    "rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:DescribeDBSubnetGroups",
    "rds:DescribeDBClusterParameterGroups", "rds:DescribeDBParameterGroups", "rds:DescribeEventSubscriptions",
    "rds:DescribeGlobalClusters",
    "rds:ListTagsForResource",
    "logs:DescribeLogGroups", "logs:ListTagsForResource",
    "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
    "kms:ListKeys", "kms:ListResourceTags", "kms:DescribeKey", "kms:ListAliases",
    "secretsmanager:DescribeSecret",
)
#: `make recover --delete-duplicates`: only empty network objects, and only those tagged
#: with the deployment (recovery deletes nothing it found by name).
RECOVER_DELETE = (
    "ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteSecurityGroup", "ec2:DeleteRouteTable",
    "ec2:DisassociateRouteTable", "ec2:DeleteVpcPeeringConnection", "ec2:DeleteFlowLogs",
    "ec2:RevokeSecurityGroupIngress",
)
#: What each deleting action acts on besides the object deleted (both carry the tag).
_DELETE_KINDS = {
    "ec2:DeleteVpc": ("vpc",), "ec2:DeleteSubnet": ("subnet",), "ec2:DeleteSecurityGroup": ("security-group",),
    "ec2:DeleteRouteTable": ("route-table",), "ec2:DisassociateRouteTable": ("route-table", "subnet"),
    "ec2:DeleteVpcPeeringConnection": ("vpc-peering-connection",), "ec2:DeleteFlowLogs": ("vpc-flow-log",),
    "ec2:RevokeSecurityGroupIngress": ("security-group", "security-group-rule"),
}

_RDS_KINDS = ("rds:cluster", "rds:db", "rds:subgrp", "rds:cluster-pg", "rds:pg", "rds:es", "rds:own-global-cluster")


def _read(grants: Grants, actions: tuple[str, ...], scopes: Scopes) -> None:
    """Reads: on `"*"` where AWS has no resource for them, else on the deployment's ARNs."""
    for action in actions:
        if action in UNSCOPED:
            grants.add([action], ["*"])
            continue
        service = action.split(":", 1)[0]
        if service == "rds":
            kinds = _RDS_KINDS
        elif service == "iam" and "OpenIDConnect" in action:
            kinds = ("iam:oidc-provider",)
        else:
            kinds = {"iam": ("iam:role",), "kms": ("kms:key",), "logs": ("logs:log-group",),
                     "secretsmanager": ("secretsmanager:master-secret",)}[service]
        for kind in kinds:
            scope = scopes.scope(kind)
            if scope is not None:
                grants.add([action], scope.resources)


def preflight(scopes: Scopes, *, state_bucket: str | None, role_arns: list[str]) -> Grants:
    grants = Grants()
    _read(grants, PREFLIGHT, scopes)
    if state_bucket:
        # HeadBucket is authorized as s3:ListBucket.
        grants.add(["s3:ListBucket", "s3:GetBucketVersioning"], [f"arn:{scopes.partition}:s3:::{state_bucket}"])
    if role_arns:
        grants.add(["sts:AssumeRole"], role_arns)
    return grants


def find_vpc(role_arns: list[str]) -> Grants:
    grants = Grants()
    grants.add(FIND_VPC, ["*"])
    if role_arns:
        grants.add(["sts:AssumeRole"], role_arns)
    return grants


def recover(scopes: Scopes, *, name: str, state_objects: str | None, lock_table: str | None,
            role_arns: list[str]) -> Grants:
    grants = Grants()
    _read(grants, RECOVER_READ, scopes)
    for action in RECOVER_DELETE:
        resources = [scopes.arn("ec2", f"{kind}/*") for kind in _DELETE_KINDS[action]]
        grants.add([action], resources, deployment_tag(name))
    if state_objects:
        bucket = state_objects.split("/", 1)[0]
        # Reads the state and the lock file; removes a stale lock file; `terraform state rm`
        # writes the state (taking and releasing the lock).
        grants.add(["s3:ListBucket"], [bucket])
        grants.add(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [state_objects])
    if lock_table:
        grants.add(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], [lock_table])
    if role_arns:
        grants.add(["sts:AssumeRole"], role_arns)
    return grants


def switchover(scopes: Scopes, secondary: Scopes) -> Grants:
    """`make switchover` (`aurora.secondary`): read the global cluster, move its writer to
    either member, or detach the secondary (`--detach`). `scopes` are the primary's,
    `secondary` the secondary's (its region and names)."""
    grants = Grants()
    global_cluster = list(scopes.scope("rds:own-global-cluster").resources)
    primary_cluster, secondary_cluster = scopes.scope("rds:cluster").resources, secondary.scope("rds:cluster").resources
    grants.add(["rds:DescribeGlobalClusters"], global_cluster)
    grants.add(["rds:SwitchoverGlobalCluster"], [*global_cluster, *primary_cluster, *secondary_cluster])
    grants.add(["rds:RemoveFromGlobalCluster"], [*global_cluster, *secondary_cluster])
    # the wait for the detached secondary to be available on its own
    grants.add(["rds:DescribeDBClusters"], list(secondary_cluster))
    return grants


def state_arns(scopes: Scopes) -> tuple[str | None, str | None]:
    """(the state objects' ARN pattern, the lock table's ARN) of an S3 backend, else Nones."""
    config = scopes.config
    if config.state.backend != "s3":
        return None, None
    s3 = config.state.s3_settings
    part = partition(config.state_region)
    objects = f"arn:{part}:s3:::{s3.bucket}/{s3.key_prefix.strip('/')}/*"
    table = (f"arn:{part}:dynamodb:{config.state_region}:{scopes.account}:table/{s3.dynamodb_table}"
             if s3.locking == "dynamodb" else None)
    return objects, table
