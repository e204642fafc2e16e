"""Customer-managed KMS keys (beyond the guide, which encrypts nothing).

The Aurora stack's key encrypts cluster storage, the RDS-managed master secret,
Performance Insights, the CloudWatch log groups and the alarm topic; the state stack's key
the state bucket and lock table. Rotation is on; the key policy leaves administration to
the account's IAM policies and, where asked, lets CloudWatch Logs in the region use the
key for this account's log groups, and CloudWatch alarms and RDS events publish to a topic
encrypted with it (`NOTIFYING_SERVICES`).
"""

from __future__ import annotations

import json

from constructs import Construct

from modules.construct_tree import reference
from modules.naming import NOTIFYING_SERVICES, kms_alias
from modules.providers import DataAwsCallerIdentity, DataAwsPartition, KmsAlias, KmsKey


def notifying_services_statement() -> dict[str, object]:
    """The key policy statement letting `NOTIFYING_SERVICES` (CloudWatch alarms, RDS event
    subscriptions) publish to a topic encrypted with the key. A publisher to an encrypted
    topic needs a data key of the topic's KMS key (SNS developer guide, "Enable
    compatibility between event sources from AWS services and encrypted topics"); without
    the grant SNS drops every message silently. A key brought with `aurora.kms_key_arn`
    needs the same statement (docs/security.md).
    Unconditioned, as SNS documents it: the services act only through topics whose own
    policy lets them publish, and the alarm topic's lets this account's alarms and events
    only (the default topic policy)."""
    return {
        "Sid": "AlarmsAndRdsEventsPublish",
        "Effect": "Allow",
        "Principal": {"Service": list(NOTIFYING_SERVICES)},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
    }


class CustomerManagedKey(Construct):
    """A symmetric KMS key with rotation on and alias `alias/<name>`.

    `protect` adds `prevent_destroy` (the Aurora stack passes the cluster's
    `deletion_protection`: losing the key makes every snapshot, the final one included,
    unreadable). `for_log_groups` lets CloudWatch Logs in `region` use it; `for_notifications`
    (default off) lets CloudWatch alarms and RDS events publish to a topic it encrypts.
    Exposes `arn`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        description: str,
        region: str,
        protect: bool,
        for_log_groups: bool,
        for_notifications: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        account = reference(DataAwsCallerIdentity(self, "account"), "account_id")
        partition = reference(DataAwsPartition(self, "partition"), "partition")
        root = f"arn:{partition}:iam::{account}:root"
        statements: list[dict[str, object]] = [
            {
                # Without this the key is unmanageable; IAM policies grant the rest.
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
        if for_log_groups:
            statements.append(
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
                }
            )
        if for_notifications:
            statements.append(notifying_services_statement())
        self.key = KmsKey(
            self,
            "key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            lifecycle={"prevent_destroy": True} if protect else None,
            tags={"Name": f"{name}-key"},
        )
        KmsAlias(self, "alias", name=kms_alias(name), target_key_id=reference(self.key, "key_id"))

    @property
    def arn(self) -> str:
        return reference(self.key, "arn")
