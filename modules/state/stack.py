"""The optional `state` stack: the S3 bucket (and DynamoDB lock table) every other stack
keeps its state in, hardened: versioning, SSE-KMS with a key of its own, no public
access, TLS-only, old versions expired after 90 days.

Its own state cannot live in the bucket it creates, so it is always local
(`state/state.tfstate`): commit nothing of it, keep it safe, or import the bucket later.
Deploy it once, before anything else: `cdktf deploy state`.
"""

from __future__ import annotations

import json

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules import providers
from modules.aws.kms_key import CustomerManagedKey
from modules.aws.provider import aws_provider
from modules.aws.tagging import tag_resources
from modules.config import DeploymentConfig
from modules.naming import STATE_STACK_ID
from modules.state.backend import local_state


class StateStack(TerraformStack):
    """Bucket `state.s3.bucket` in `state.s3.region`, and `state.s3.dynamodb_table` when
    locking is `dynamodb`. The bucket and table are protected by `prevent_destroy`:
    they hold every other stack's state."""

    def __init__(self, scope: Construct, *, config: DeploymentConfig) -> None:
        super().__init__(scope, STATE_STACK_ID)
        s3 = config.state.s3_settings
        local_state(self, STATE_STACK_ID, config)
        aws_provider(self, "aws", region=config.state_region, aws=config.aws)
        keep = {"prevent_destroy": True}

        key = CustomerManagedKey(
            self,
            "key",
            name=f"{s3.bucket}-state",
            description=f"Terraform state in {s3.bucket}",
            region=config.state_region,
            protect=True,
            for_log_groups=False,
        )
        bucket = providers.S3Bucket(self, "bucket", bucket=s3.bucket, lifecycle=keep)
        # Versioning: a bad apply or a corrupted state can be rolled back.
        providers.S3BucketVersioningA(
            self, "versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
        )
        providers.S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket.id,
            rule=[
                providers.S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default={"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
                    bucket_key_enabled=True,
                )
            ],
        )
        providers.S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        providers.S3BucketPolicy(
            self,
            "tls-only",
            bucket=bucket.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket.arn, f"{bucket.arn}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            ),
        )
        providers.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket.id,
            rule=[
                providers.S3BucketLifecycleConfigurationRule(
                    id="expire-old-state-versions",
                    status="Enabled",
                    filter=[providers.S3BucketLifecycleConfigurationRuleFilter()],
                    noncurrent_version_expiration=[
                        providers.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=90)
                    ],
                    abort_incomplete_multipart_upload=[
                        providers.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
                    ],
                )
            ],
        )
        TerraformOutput(self, "bucket_name", value=bucket.id, description="State bucket.")

        if s3.locking == "dynamodb":
            providers.DynamodbTable(
                self,
                "lock-table",
                name=s3.dynamodb_table,
                billing_mode="PAY_PER_REQUEST",
                hash_key="LockID",
                attribute=[{"name": "LockID", "type": "S"}],
                server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
                point_in_time_recovery={"enabled": True},
                lifecycle=keep,
            )

        # Last: it tags the resources created above.
        tag_resources(
            self, deployment=config.aurora.name, defaults=config.aurora.tags, markers={"Purpose": "terraform-state"}
        )
