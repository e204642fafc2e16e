"""The deployment's resources as IAM sees them: each scope kind of `actions.py` as ARN
patterns (and, where AWS evaluates one, the condition that narrows them) built from the
config's names (`modules/naming.py`), a region and an account.

`account` is the 12-digit account, or `*` when the policy is generated without one (an
identity policy grants nothing in other accounts anyway, unless their own resource
policies allow it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modules import naming
from modules.config import AuroraSpec, DeploymentConfig, PasswordMode

#: The tag every taggable resource of a deployment carries (`modules/aws/tagging.py`).
DEPLOYMENT_TAG_KEY = naming.DEPLOYMENT_TAG


def partition(region: str) -> str:
    """The AWS partition of `region`: `aws-cn`, `aws-us-gov` or `aws`."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Scope:
    """ARN patterns, and the IAM condition (operator -> key -> values) that applies to
    them, if any. `tagged` marks the patterns of objects the deployment tags itself."""

    resources: tuple[str, ...]
    condition: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    tagged: bool = False


def deployment_tag(name: str, *, request: bool = False) -> dict[str, dict[str, list[str]]]:
    """`StringEquals` on `aws:ResourceTag/keycloak-aurora:deployment` (or `aws:RequestTag`)."""
    key = f"aws:{'RequestTag' if request else 'ResourceTag'}/{DEPLOYMENT_TAG_KEY}"
    return {"StringEquals": {key: [name]}}


class Scopes:
    """ARN patterns of one deployment, in one region and account.

    `cluster` (default `config.aurora`) is the Aurora cluster whose names the patterns
    take: the `aurora-secondary` stack's resources are named after the secondary
    (`AuroraSpec.secondary_cluster`); every resource carries the deployment's tag,
    `keycloak-aurora:deployment=<aurora.name>`, whichever it is.
    """

    def __init__(self, config: DeploymentConfig, *, region: str, account: str,
                 cluster: AuroraSpec | None = None) -> None:
        self.config = config
        self.region = region
        self.account = account
        self.partition = partition(region)
        self.cluster = cluster or config.aurora
        self.name = self.cluster.name
        self.deployment = config.aurora.name

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account if account else ''}:{resource}")

    def scope(self, kind: str, bodies: Sequence[Mapping[str, Any]] = ()) -> Scope | None:
        """The scope of `kind` (see `actions.py`), or None when the deployment has no such
        resources (no restore source, no master secret with `master_password: variable`)."""
        service, _, what = kind.partition(":")
        if service == "ec2":
            return Scope((self.arn("ec2", f"{what}/*"),), tagged=True)
        method = getattr(self, f"_{service}_{what.replace('-', '_')}")
        return method(bodies)

    # --- logs, IAM ------------------------------------------------------------------------

    def _logs_log_group(self, _: Any) -> Scope:
        groups = (naming.postgresql_log_group(self.name), naming.flow_log_group(self.name))
        return Scope(tuple(self.arn("logs", f"log-group:{g}{suffix}") for g in groups for suffix in ("", ":*")))

    def _iam_role(self, _: Any) -> Scope:
        # Service roles `<name>-flow-logs`, `<name>-rds-monitoring` and pod roles
        # `<name>-<rosa>-<purpose>` (`naming.pod_role_name` keeps the prefix).
        return Scope((self.arn("iam", f"role/{self.name}-*", region=False),))

    def _iam_passed_role(self, _: Any) -> Scope:
        roles = (naming.flow_log_role_name(self.name), naming.monitoring_role_name(self.name))
        return Scope(
            tuple(self.arn("iam", f"role/{role}", region=False) for role in roles),
            {"StringEquals": {"iam:PassedToService": ["monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com"]}},
        )

    def _iam_role_with_policy(self, bodies: Sequence[Mapping[str, Any]]) -> Scope:
        policies = sorted({str(body["policy_arn"]) for body in bodies if "policy_arn" in body})
        return Scope((self.arn("iam", f"role/{self.name}-*", region=False),),
                     {"ArnEquals": {"iam:PolicyARN": policies}})

    def _iam_rds_service_role(self, _: Any) -> Scope:
        return Scope((self.arn("iam", "role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS", region=False),),
                     {"StringEquals": {"iam:AWSServiceName": ["rds.amazonaws.com"]}})

    def _iam_oidc_provider(self, _: Any) -> Scope:
        issuers = sorted({naming.issuer_host_path(str(r.oidc_issuer)) for r in self.config.rosa_clusters
                          if r.oidc_issuer})
        return Scope(tuple(self.arn("iam", f"oidc-provider/{issuer}", region=False) for issuer in issuers))

    # --- KMS --------------------------------------------------------------------------------

    def _kms_key(self, _: Any) -> Scope:
        return Scope((self.arn("kms", "key/*"),), tagged=True)

    def _kms_alias(self, _: Any) -> Scope:
        aliases = [naming.kms_alias(self.name)]
        if self.config.state.s3 is not None and self.config.state.s3.bootstrap:
            aliases.append(naming.kms_alias(f"{self.config.state.s3.bucket}-state"))
        return Scope(tuple(self.arn("kms", alias) for alias in aliases))

    def _kms_key_use(self, _: Any) -> Scope:
        """The key RDS, Secrets Manager and DynamoDB encrypt with on the caller's behalf:
        the one brought with `aurora.kms_key_arn`, else the deployment's own (tagged)."""
        if self.cluster.kms_key_arn:
            return Scope((str(self.cluster.kms_key_arn),))
        return Scope((self.arn("kms", "key/*"),), deployment_tag(self.deployment))

    def _kms_key_via_secretsmanager(self, bodies: Any) -> Scope:
        use = self._kms_key_use(bodies)
        via = {"StringEquals": {**use.condition.get("StringEquals", {}),
                                "kms:ViaService": [f"secretsmanager.{self.region}.amazonaws.com"]}}
        return Scope(use.resources, via)

    # --- RDS, Secrets Manager -----------------------------------------------------------

    def _rds_cluster(self, _: Any) -> Scope:
        return Scope((self.arn("rds", f"cluster:{self.name}"),))

    def _rds_db(self, _: Any) -> Scope:
        return Scope((self.arn("rds", f"db:{self.name}-*"),))

    def _rds_subgrp(self, _: Any) -> Scope:
        return Scope((self.arn("rds", f"subgrp:{naming.subnet_group_name(self.name)}"),))

    def _rds_cluster_pg(self, _: Any) -> Scope:
        # Named after the engine major: a major upgrade creates the next one.
        return Scope((self.arn("rds", f"cluster-pg:{self.name}-aurora-postgresql*"),))

    def _rds_global_cluster(self, _: Any) -> Scope:
        # Global clusters have no region in their ARN. A cluster's refresh lists them all
        # (the provider finds the one the cluster belongs to, if any).
        return Scope((self.arn("rds", "global-cluster:*", region=False),))

    def _rds_own_global_cluster(self, _: Any) -> Scope:
        """The deployment's global cluster (`aurora.secondary`)."""
        return Scope((self.arn("rds", f"global-cluster:{naming.global_cluster_identifier(self.deployment)}",
                               region=False),))

    def _rds_default_pg(self, _: Any) -> Scope:
        # An instance without a parameter group of its own gets the engine's default one.
        return Scope((self.arn("rds", "pg:default.aurora-postgresql*"),))

    def _rds_default_og(self, _: Any) -> Scope:
        return Scope((self.arn("rds", "og:default:aurora-postgresql-*"),))

    def _rds_cluster_snapshot(self, _: Any) -> Scope:
        return Scope((self.arn("rds", f"cluster-snapshot:{naming.final_snapshot_identifier(self.name, '*')}"),))

    def _rds_restore_source(self, _: Any) -> Scope | None:
        restore = self.config.aurora.restore
        if restore is None:
            return None
        if restore.snapshot is not None:
            snapshot = str(restore.snapshot)
            return Scope((snapshot if snapshot.startswith("arn:") else self.arn("rds", f"cluster-snapshot:{snapshot}"),))
        return Scope((self.arn("rds", f"cluster:{restore.source_cluster}"),))

    def _secretsmanager_master_secret(self, _: Any) -> Scope | None:
        if self.config.aurora.master_password is not PasswordMode.MANAGED:
            return None
        # RDS names the secret it manages `rds!cluster-<uuid>`.
        return Scope((self.arn("secretsmanager", "secret:rds!cluster-*"),))

    def _rds_pg(self, _: Any) -> Scope:
        return Scope((self.arn("rds", f"pg:{self.name}-*"),))

    def _rds_es(self, _: Any) -> Scope:
        return Scope((self.arn("rds", f"es:{self.name}-*"),))

    # --- monitoring -------------------------------------------------------------------------

    def _sns_topic(self, _: Any) -> Scope:
        return Scope((self.arn("sns", f"{self.name}-*"),))

    def _cloudwatch_alarm(self, _: Any) -> Scope:
        return Scope((self.arn("cloudwatch", f"alarm:{self.name}-*"),))

    def _cloudwatch_dashboard(self, _: Any) -> Scope:
        # Dashboards are global: no region in their ARN.
        return Scope((self.arn("cloudwatch", f"dashboard/{self.name}-*", region=False),))

    # --- state ----------------------------------------------------------------------------

    def _s3_state_bucket(self, _: Any) -> Scope:
        return Scope((f"arn:{self.partition}:s3:::{self.config.state.s3_settings.bucket}",))

    def _dynamodb_lock_table(self, _: Any) -> Scope:
        return Scope((self.arn("dynamodb", f"table/{self.config.state.s3_settings.dynamodb_table}"),))
