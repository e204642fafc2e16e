"""The customer-managed KMS key of an Aurora deployment (beyond the guide, which encrypts
nothing): cluster storage, the RDS-managed master secret, Performance Insights and the
CloudWatch log groups. Rotation is on; the key policy lets CloudWatch Logs in the region
use it for this account's log groups, and the account's IAM policies do the rest.
"""

from __future__ import annotations

import json

from constructs import Construct

from modules.providers import DataAwsCallerIdentity, DataAwsPartition, KmsAlias, KmsKey


class AuroraKey(Construct):
    """A symmetric KMS key with rotation on and alias `alias/<name>`.

    `protect` (default: the cluster's `deletion_protection`) adds `prevent_destroy`: losing
    the key makes every snapshot, final one included, unreadable. Exposes `arn`.
    """

    def __init__(self, scope: Construct, id_: str, *, name: str, region: str, protect: bool, tags: dict[str, str]) -> None:
        super().__init__(scope, id_)
        account = DataAwsCallerIdentity(self, "account").account_id
        partition = DataAwsPartition(self, "partition").partition
        root = f"arn:{partition}:iam::{account}:root"
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    # Without this the key is unmanageable; IAM policies grant the rest.
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": root},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    # Encrypted log groups need the Logs service to use the key, limited to
                    # this account's log groups in this region.
                    "Sid": "CloudWatchLogsEncrypts",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"}
                    },
                },
            ],
        }
        self.key = KmsKey(
            self,
            "key",
            description=f"Aurora {name}: storage, master secret, Performance Insights, logs",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(policy),
            lifecycle={"prevent_destroy": True} if protect else None,
            tags={**tags, "Name": f"{name}-key", "AuroraCluster": name},
        )
        KmsAlias(self, "alias", name=f"alias/{name}", target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        return self.key.arn
