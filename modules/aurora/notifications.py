"""Where alarms and RDS events go: one SNS topic per deployment, and RDS event subscriptions.

The topic is the deployment's own, `<name>-alarms`, encrypted with the deployment's KMS
key (whose policy then lets CloudWatch and RDS events use it: `modules.aws.kms_key`), or
an existing topic named by `aurora.alarms.topic_arn`. Its access policy stays SNS's
default, which lets this account's principals publish: CloudWatch alarms and RDS event
subscriptions of the same account publish with it. E-mail addresses in
`aurora.alarms.emails` are subscribed to the deployment's topic; AWS mails each a
confirmation link, and nothing reaches an address until it is followed.

Two RDS event subscriptions send what RDS itself reports to the same topic: for the
cluster (failover, failure, maintenance, notification) and for its instances
(availability, i.e. restarts and shutdowns; failover, failure, low storage, maintenance,
notification, recovery). A failover at 3 a.m. is an event, not a metric: no alarm would
say it happened.
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from modules import naming
from modules.config import AuroraSpec
from modules.construct_tree import reference
from modules.providers import DbEventSubscription, SnsTopic

#: RDS event categories sent for the cluster (`aws rds describe-event-categories --source-type db-cluster`).
CLUSTER_EVENT_CATEGORIES = ("failover", "failure", "maintenance", "notification")
#: RDS event categories sent for each instance (`--source-type db-instance`).
INSTANCE_EVENT_CATEGORIES = (
    "availability", "failover", "failure", "low storage", "maintenance", "notification", "recovery",
)


class AlarmTopic(Construct):
    """The topic alarms and events go to, its e-mail subscriptions, and the RDS event
    subscriptions of the cluster `cluster_identifier` and its instances `instance_identifiers`
    (references, so the subscriptions follow them).

    Exposes `topic_arn`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: AuroraSpec,
        kms_key_arn: str,
        cluster_identifier: str,
        instance_identifiers: Sequence[str],
    ) -> None:
        super().__init__(scope, id_)
        alarms = spec.alarms
        assert alarms is not None
        if alarms.topic_arn:
            self.topic_arn = alarms.topic_arn
        else:
            topic = SnsTopic(
                self,
                "topic",
                name=naming.alarm_topic_name(spec.name),
                display_name=f"Aurora {spec.name}",
                kms_master_key_id=kms_key_arn,
                tags={"Name": naming.alarm_topic_name(spec.name)},
            )
            self.topic_arn = reference(topic, "arn")
            self._emails(alarms.emails)
        DbEventSubscription(
            self,
            "cluster-events",
            name=naming.event_subscription_name(spec.name, "cluster"),
            sns_topic=self.topic_arn,
            source_type="db-cluster",
            source_ids=[cluster_identifier],
            event_categories=list(CLUSTER_EVENT_CATEGORIES),
            enabled=True,
            tags={"Name": naming.event_subscription_name(spec.name, "cluster")},
        )
        DbEventSubscription(
            self,
            "instance-events",
            name=naming.event_subscription_name(spec.name, "instance"),
            sns_topic=self.topic_arn,
            source_type="db-instance",
            source_ids=list(instance_identifiers),
            event_categories=list(INSTANCE_EVENT_CATEGORIES),
            enabled=True,
            tags={"Name": naming.event_subscription_name(spec.name, "instance")},
        )

    def _emails(self, addresses: Sequence[str]) -> None:
        """One `email` subscription per address, keyed by the address (adding or removing
        one leaves the others, and their confirmations, in place)."""
        if not addresses:
            return
        from modules import providers  # SnsTopicSubscription is on demand: most configs need none

        for address in addresses:
            providers.SnsTopicSubscription(
                self, f"email-{address}", topic_arn=self.topic_arn, protocol="email", endpoint=address
            )
