"""The one module that imports provider bindings.

Every other module takes provider classes from here, so moving to a maintained CDKTF fork
or regenerated bindings is a change to this file alone. The imports are the documented,
per-submodule ones; `modules.fastsynth.install()`, which the entry points (`main.py`, the
benchmark, the test session) call before anything imports cdktf, makes them cheap. A struct passed directly as an argument may be a dict with snake_case
keys; structs inside lists must be struct classes (jsii converts only the former), so
those classes are imported here too.

Names only some configs use are in `ON_DEMAND`: imported on first access (PEP 562),
since importing them costs time. Among them the Kubernetes Job binding (about 100 ms, the
costliest submodule here): the example needs it (with `keycloak.credentials: iam`, the
default, and `keycloak.connectivity_check`, every `keycloak-<name>` stack runs a Job), a
config with neither does not.
Modules that use them refer to them as ``providers.<Name>`` where they build the
resource, so importing those modules stays cheap; ``from modules.providers import
<Name>`` works too, and imports the submodule at once.
"""

import importlib

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_ec2_instance_type import DataAwsEc2InstanceType
from cdktf_cdktf_provider_aws.data_aws_iam_openid_connect_provider import DataAwsIamOpenidConnectProvider
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.data_aws_instance import DataAwsInstance, DataAwsInstanceFilter
from cdktf_cdktf_provider_aws.data_aws_instances import DataAwsInstances, DataAwsInstancesFilter
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_route_tables import DataAwsRouteTables, DataAwsRouteTablesFilter
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret_versions import DataAwsSecretsmanagerSecretVersions
from cdktf_cdktf_provider_aws.data_aws_subnet import DataAwsSubnet
from cdktf_cdktf_provider_aws.data_aws_vpc import DataAwsVpc
from cdktf_cdktf_provider_aws.data_aws_vpcs import DataAwsVpcs, DataAwsVpcsFilter
from cdktf_cdktf_provider_aws.db_event_subscription import DbEventSubscription
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderAssumeRole, AwsProviderEndpoints
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.secretsmanager_secret_rotation import SecretsmanagerSecretRotation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_peering_connection import VpcPeeringConnection
from cdktf_cdktf_provider_aws.vpc_peering_connection_accepter import VpcPeeringConnectionAccepterA
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cdktf_cdktf_provider_kubernetes.config_map_v1 import ConfigMapV1
from cdktf_cdktf_provider_kubernetes.manifest import Manifest
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider
from cdktf_cdktf_provider_kubernetes.secret_v1 import SecretV1
from cdktf_cdktf_provider_kubernetes.service_account_v1 import ServiceAccountV1

#: Submodule -> its names that are imported on first access (see the docstring).
_ON_DEMAND_BY_SUBMODULE: dict[str, tuple[str, ...]] = {
    # aurora.instance_parameters and aurora.alarms.emails.
    "cdktf_cdktf_provider_aws.db_parameter_group": ("DbParameterGroup", "DbParameterGroupParameter"),
    "cdktf_cdktf_provider_aws.sns_topic_subscription": ("SnsTopicSubscription",),
    # aurora.secondary: the Aurora Global Database.
    "cdktf_cdktf_provider_aws.rds_global_cluster": ("RdsGlobalCluster",),
    # The database bootstrap (keycloak.credentials: iam) and keycloak.connectivity_check.
    "cdktf_cdktf_provider_kubernetes.job_v1": ("JobV1",),
    # The state bootstrap stack (state.bootstrap).
    "cdktf_cdktf_provider_aws.dynamodb_table": ("DynamodbTable",),
    "cdktf_cdktf_provider_aws.s3_bucket": ("S3Bucket",),
    "cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration": (
        "S3BucketLifecycleConfiguration",
        "S3BucketLifecycleConfigurationRule",
        "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
        "S3BucketLifecycleConfigurationRuleFilter",
        "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    ),
    "cdktf_cdktf_provider_aws.s3_bucket_policy": ("S3BucketPolicy",),
    "cdktf_cdktf_provider_aws.s3_bucket_public_access_block": ("S3BucketPublicAccessBlock",),
    "cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration": (
        "S3BucketServerSideEncryptionConfigurationA",
        "S3BucketServerSideEncryptionConfigurationRuleA",
    ),
    "cdktf_cdktf_provider_aws.s3_bucket_versioning": ("S3BucketVersioningA",),
}

#: Name -> submodule, for the names imported on first access.
ON_DEMAND: dict[str, str] = {
    name: submodule for submodule, names in _ON_DEMAND_BY_SUBMODULE.items() for name in names
}


def __getattr__(name: str):
    """Import an `ON_DEMAND` name on first access; later accesses find it in globals()."""
    submodule = ON_DEMAND.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(submodule), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(ON_DEMAND))


__all__ = [
    "AwsProvider",
    "AwsProviderAssumeRole",
    "AwsProviderEndpoints",
    "CloudwatchDashboard",
    "CloudwatchLogGroup",
    "CloudwatchMetricAlarm",
    "ConfigMapV1",
    "DataAwsCallerIdentity",
    "DataAwsEc2InstanceType",
    "DataAwsIamOpenidConnectProvider",
    "DataAwsIamPolicyDocument",
    "DataAwsInstance",
    "DataAwsInstanceFilter",
    "DataAwsInstances",
    "DataAwsInstancesFilter",
    "DataAwsPartition",
    "DataAwsRouteTables",
    "DataAwsRouteTablesFilter",
    "DataAwsSecretsmanagerSecretVersions",
    "DataAwsSubnet",
    "DataAwsVpc",
    "DataAwsVpcs",
    "DataAwsVpcsFilter",
    "DbEventSubscription",
    "DbParameterGroup",
    "DbParameterGroupParameter",
    "DbSubnetGroup",
    "DefaultSecurityGroup",
    "DynamodbTable",
    "FlowLog",
    "IamRole",
    "IamRolePolicy",
    "IamRolePolicyAttachment",
    "JobV1",
    "KmsAlias",
    "KmsKey",
    "KubernetesProvider",
    "Manifest",
    "RdsCluster",
    "RdsClusterInstance",
    "RdsClusterParameterGroup",
    "RdsClusterParameterGroupParameter",
    "RdsGlobalCluster",
    "Route",
    "RouteTable",
    "RouteTableAssociation",
    "S3Bucket",
    "S3BucketLifecycleConfiguration",
    "S3BucketLifecycleConfigurationRule",
    "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
    "S3BucketLifecycleConfigurationRuleFilter",
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    "S3BucketPolicy",
    "S3BucketPublicAccessBlock",
    "S3BucketServerSideEncryptionConfigurationA",
    "S3BucketServerSideEncryptionConfigurationRuleA",
    "S3BucketVersioningA",
    "SecretV1",
    "SecretsmanagerSecretRotation",
    "SecurityGroup",
    "ServiceAccountV1",
    "SnsTopic",
    "SnsTopicSubscription",
    "Subnet",
    "Vpc",
    "VpcPeeringConnection",
    "VpcPeeringConnectionAccepterA",
    "VpcSecurityGroupIngressRule",
]
