"""Cross-field rules of the deployment config, one small function per rule.

Each rule takes the typed config and yields problems as `field = value: rule` lines, the
same shape `modules.config.load` gives field-level errors, e.g.::

    rosa_clusters[1].machine_cidr = '192.168.16.0/20': overlaps aurora.vpc_cidr 192.168.0.0/16

Rules run only on a config that passed the field rules, so they may trust types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from ipaddress import IPv4Network

from modules.config.fields import KMS_KEY_ARN, SUPPORTED_ENGINE_MAJORS, duration_seconds
from modules.config.model import SERVERLESS_CLASS, DeploymentConfig, PasswordMode, SubnetSpec
from modules.config.tuning import SNS_TOPIC_ARN, windows_overlap
from modules.naming import db_owner_role

Rule = Callable[[DeploymentConfig], Iterator[str]]


def _networks(config: DeploymentConfig) -> Iterator[tuple[str, str, IPv4Network, list[SubnetSpec]]]:
    """(config path, region, VPC CIDR, subnets) of each Aurora network: the primary's
    (`aurora`) and the secondary's (`aurora.secondary`), which follow the same rules."""
    aurora = config.aurora
    yield "aurora", aurora.region, aurora.vpc_cidr, aurora.subnets
    if aurora.secondary is not None:
        secondary = aurora.secondary
        yield "aurora.secondary", secondary.region, secondary.vpc_cidr, secondary.subnets


def _subnets_at_least_two(config: DeploymentConfig) -> Iterator[str]:
    # Guide: "Create a subnet for each availability zone" - multi-AZ needs two or more.
    for path, _, _, subnets in _networks(config):
        if len(subnets) < 2:
            yield f"{path}.subnets = {len(subnets)} subnet(s): need at least two, in different availability zones"


def _availability_zones_in_region(config: DeploymentConfig) -> Iterator[str]:
    for path, region, _, subnets in _networks(config):
        pattern = re.compile(rf"^{re.escape(region)}[a-z]$")
        for i, subnet in enumerate(subnets):
            if not pattern.match(subnet.availability_zone):
                yield (
                    f"{path}.subnets[{i}].availability_zone = {subnet.availability_zone!r}: "
                    f"not an availability zone of {path}.region {region} (expected {region}a, {region}b, ...)"
                )


def _availability_zones_unique(config: DeploymentConfig) -> Iterator[str]:
    for path, _, _, subnets in _networks(config):
        seen: dict[str, int] = {}
        for i, subnet in enumerate(subnets):
            first = seen.setdefault(subnet.availability_zone, i)
            if first != i:
                yield (
                    f"{path}.subnets[{i}].availability_zone = {subnet.availability_zone!r}: "
                    f"duplicate of {path}.subnets[{first}]; one subnet per availability zone"
                )


def _subnets_inside_vpc(config: DeploymentConfig) -> Iterator[str]:
    for path, _, vpc, subnets in _networks(config):
        for i, subnet in enumerate(subnets):
            if not subnet.cidr.subnet_of(vpc):
                yield f"{path}.subnets[{i}].cidr = '{subnet.cidr}': must lie inside {path}.vpc_cidr {vpc}"


def _subnets_disjoint(config: DeploymentConfig) -> Iterator[str]:
    for path, _, _, subnets in _networks(config):
        for i, subnet in enumerate(subnets):
            for j in range(i):
                if subnet.cidr.overlaps(subnets[j].cidr):
                    yield (
                        f"{path}.subnets[{i}].cidr = '{subnet.cidr}': "
                        f"overlaps {path}.subnets[{j}].cidr {subnets[j].cidr}"
                    )


def _reader_count(config: DeploymentConfig) -> Iterator[str]:
    # A writer alone is not multi-AZ: failover needs a reader in another zone to promote.
    if config.aurora.reader_count < 1:
        yield (
            f"aurora.reader_count = {config.aurora.reader_count}: must be at least 1 "
            "(a reader in another AZ is what Aurora promotes when the writer's AZ fails)"
        )


def _engine_major_supported(config: DeploymentConfig) -> Iterator[str]:
    if config.aurora.engine_major not in SUPPORTED_ENGINE_MAJORS:
        majors = ", ".join(map(str, SUPPORTED_ENGINE_MAJORS))
        yield (
            f"aurora.engine_version = {config.aurora.engine_version!r}: "
            f"major {config.aurora.engine_major} is not one Keycloak supports ({majors})"
        )


def _kms_key_in_the_cluster_region(config: DeploymentConfig) -> Iterator[str]:
    # RDS encrypts a cluster only with a key of its own Region (a multi-Region key is used
    # through its replica there, which has its own ARN); the secondary's key is of its own.
    keys = [("aurora", config.aurora.region, config.aurora.kms_key_arn)]
    if config.aurora.secondary is not None:
        keys.append(("aurora.secondary", config.aurora.secondary.region, config.aurora.secondary.kms_key_arn))
    for path, region, arn in keys:
        match = KMS_KEY_ARN.match(arn) if arn else None
        if match and match["region"] != region:
            yield (
                f"{path}.kms_key_arn = {arn!r}: the key is in {match['region']}, not in {path}.region "
                f"{region} (RDS takes a key of the cluster's Region)"
            )


def _restore_from_another_cluster(config: DeploymentConfig) -> Iterator[str]:
    # A point-in-time restore reads the source's backups while creating the new cluster:
    # both exist at once, so they cannot share an identifier.
    restore = config.aurora.restore
    if restore is not None and restore.source_cluster == config.aurora.name:
        yield (
            f"aurora.restore.source_cluster = {restore.source_cluster!r}: must differ from aurora.name "
            "(the source still exists while the restored cluster is created; restore under a new name)"
        )


def _rosa_names_unique(config: DeploymentConfig) -> Iterator[str]:
    seen: dict[str, int] = {}
    for i, cluster in enumerate(config.rosa_clusters):
        first = seen.setdefault(cluster.name, i)
        if first != i:
            yield f"rosa_clusters[{i}].name = {cluster.name!r}: duplicate of rosa_clusters[{first}].name"


def _machine_cidrs_disjoint(config: DeploymentConfig) -> Iterator[str]:
    # Peered VPCs must not overlap: AWS refuses the peering, and routes would be ambiguous.
    vpc = config.aurora.vpc_cidr
    clusters = config.rosa_clusters
    for i, cluster in enumerate(clusters):
        cidr = cluster.machine_cidr
        if cidr is None:
            continue
        if cidr.overlaps(vpc):
            yield f"rosa_clusters[{i}].machine_cidr = '{cidr}': overlaps aurora.vpc_cidr {vpc}"
        for j in range(i):
            other = clusters[j].machine_cidr
            if other is not None and cidr.overlaps(other):
                # A retired cluster's route and 5432 rule stay until its retirement is applied.
                retired = [c.name for c in (clusters[j], cluster) if c.retired]
                yield (
                    f"rosa_clusters[{i}].machine_cidr = '{cidr}': "
                    f"overlaps rosa_clusters[{j}].machine_cidr {other} ({clusters[j].name})"
                    + (f"; {retired[0]} is retired: deploy its retirement and delete its entry first" if retired else "")
                )


def _refresh_shorter_than_rotation(config: DeploymentConfig) -> Iterator[str]:
    # A Secret refreshed less often than the password rotates is stale part of the time.
    keycloak = config.keycloak
    if keycloak.credentials != "external-secrets":
        return
    rotation_seconds = config.aurora.secret_rotation_days * 86400
    if duration_seconds(keycloak.refresh_interval) >= rotation_seconds:
        yield (
            f"keycloak.refresh_interval = {keycloak.refresh_interval!r}: must be shorter than "
            f"aurora.secret_rotation_days ({config.aurora.secret_rotation_days} days)"
        )


# Why each mode that reads the RDS-managed master secret needs one.
_READS_MASTER_SECRET = {
    "external-secrets": "the operator reads the RDS-managed secret",
    "iam": "the bootstrap Job reads the master user from the RDS-managed secret",
}


def _credentials_need_managed_password(config: DeploymentConfig) -> Iterator[str]:
    # A variable password has no secret in Secrets Manager to read.
    # The one place this rule is checked: constructs and the render command get valid configs.
    mode = config.keycloak.credentials
    if mode in _READS_MASTER_SECRET and config.aurora.master_password is not PasswordMode.MANAGED:
        yield (
            f"keycloak.credentials = {mode!r}: needs aurora.master_password: managed "
            f"(got {config.aurora.master_password.value!r}; {_READS_MASTER_SECRET[mode]})"
        )


def _iam_needs_iam_database_authentication(config: DeploymentConfig) -> Iterator[str]:
    # RDS accepts IAM tokens only from a cluster with IAM database authentication on.
    if config.keycloak.credentials == "iam" and not config.aurora.iam_database_authentication:
        yield (
            "keycloak.credentials = 'iam': needs aurora.iam_database_authentication: true "
            "(RDS refuses IAM tokens while it is off)"
        )


def _iam_verifies_tls(config: DeploymentConfig) -> Iterator[str]:
    # IAM authentication requires TLS, and a token sent to an unverified server is a token lost.
    keycloak = config.keycloak
    if keycloak.credentials == "iam" and keycloak.tls is False:
        yield (
            "keycloak.tls = False: keycloak.credentials 'iam' needs it on (IAM tokens travel only over TLS, "
            "verified against the RDS CA bundle)"
        )


def _pod_roles_need_an_oidc_issuer(config: DeploymentConfig) -> Iterator[str]:
    # The pod roles trust the cluster's OIDC provider, found by its URL.
    mode = config.keycloak.credentials
    if not config.keycloak.uses_pod_roles:
        return
    for i, cluster in enumerate(config.rosa_clusters):
        if cluster.oidc_issuer is None:
            yield (
                f"rosa_clusters[{i}].oidc_issuer: required with keycloak.credentials {mode!r} (the pod roles trust "
                f"the cluster's OIDC provider); `rosa describe cluster -c {cluster.name}` shows it as "
                "\"OIDC Endpoint URL\""
            )


def _db_user_is_not_the_master(config: DeploymentConfig) -> Iterator[str]:
    # The IAM user joins rds_iam, which turns password login off: never the master user,
    # which keeps its password for break-glass use. Its owner role must not be the master either.
    if config.keycloak.credentials != "iam":
        return
    db_user, master = config.keycloak.db_user, config.aurora.master_username
    if db_user == master:
        yield (
            f"keycloak.db_user = {db_user!r}: must differ from aurora.master_username (the master user keeps its "
            "password login; a member of rds_iam logs in with IAM tokens only)"
        )
    elif db_owner_role(db_user) == master:
        yield (
            f"keycloak.db_user = {db_user!r}: its owner role {db_owner_role(db_user)!r} would be "
            "aurora.master_username; choose another name"
        )


# --- watching and tuning (issue #21) ------------------------------------------------


def _windows_apart(config: DeploymentConfig) -> Iterator[str]:
    # RDS refuses a maintenance window that overlaps the backup window.
    aurora = config.aurora
    if windows_overlap(aurora.maintenance_window, aurora.backup_window):
        yield (
            f"aurora.maintenance_window = {aurora.maintenance_window!r}: overlaps aurora.backup_window "
            f"{aurora.backup_window} (RDS requires them apart)"
        )


def _serverless_capacity_needs_serverless_instances(config: DeploymentConfig) -> Iterator[str]:
    # A capacity range on a cluster of provisioned instances scales nothing.
    aurora = config.aurora
    if aurora.serverless is not None and not aurora.serverless_v2:
        yield (
            f"aurora.serverless = {aurora.serverless.model_dump()}: only with aurora.instance_class: "
            f"{SERVERLESS_CLASS} (got {aurora.instance_class})"
        )


def _alarm_topic_in_the_cluster_region(config: DeploymentConfig) -> Iterator[str]:
    # CloudWatch alarm actions and RDS event subscriptions take topics of their own Region.
    alarms = config.aurora.alarms
    match = SNS_TOPIC_ARN.match(alarms.topic_arn) if alarms and alarms.topic_arn else None
    if match and match["region"] != config.aurora.region:
        yield (
            f"aurora.alarms.topic_arn = {alarms.topic_arn!r}: the topic is in {match['region']}, not in aurora.region "
            f"{config.aurora.region} (alarms and RDS events publish only to topics of their own Region)"
        )


def _secondary_in_another_region(config: DeploymentConfig) -> Iterator[str]:
    # A global database spans Regions: its secondary protects against the primary's Region.
    secondary = config.aurora.secondary
    if secondary is not None and secondary.region == config.aurora.region:
        yield (
            f"aurora.secondary.region = {secondary.region!r}: is aurora.region; a global database's secondary is "
            "in another region"
        )


def _secondary_vpc_disjoint(config: DeploymentConfig) -> Iterator[str]:
    # ROSA clusters of either region may be peered with either VPC: none may overlap.
    secondary = config.aurora.secondary
    if secondary is None:
        return
    vpc = secondary.vpc_cidr
    if vpc.overlaps(config.aurora.vpc_cidr):
        yield f"aurora.secondary.vpc_cidr = '{vpc}': overlaps aurora.vpc_cidr {config.aurora.vpc_cidr}"
    for i, rosa in enumerate(config.rosa_clusters):
        if rosa.machine_cidr is not None and vpc.overlaps(rosa.machine_cidr):
            yield (
                f"aurora.secondary.vpc_cidr = '{vpc}': overlaps rosa_clusters[{i}].machine_cidr {rosa.machine_cidr} "
                f"({rosa.name})"
            )


def _secondary_named_apart(config: DeploymentConfig) -> Iterator[str]:
    # Per-cluster names outside RDS (IAM roles, log groups, the dashboard) are global or
    # would mix the two clusters up.
    secondary = config.aurora.secondary
    if secondary is not None and secondary.cluster_name(config.aurora.name) == config.aurora.name:
        yield (
            f"aurora.secondary.name = {secondary.name!r}: is aurora.name; the clusters need names of their own "
            "(IAM roles and log groups are named after them)"
        )


def _secondary_reader_count(config: DeploymentConfig) -> Iterator[str]:
    secondary = config.aurora.secondary
    if secondary is not None and secondary.reader_count < 1:
        yield (
            f"aurora.secondary.reader_count = {secondary.reader_count}: must be at least 1 (once promoted, the "
            "secondary is multi-AZ only with a second instance in another AZ)"
        )


def _global_database_password(config: DeploymentConfig) -> Iterator[str]:
    # AWS: "Managing master user passwords with Secrets Manager isn't supported for DB
    # clusters that are part of an Aurora global database" (rds-secrets-manager.html).
    if config.aurora.secondary is not None and config.aurora.master_password is PasswordMode.MANAGED:
        yield (
            "aurora.master_password = 'managed': not with aurora.secondary; RDS manages no master password in a "
            "global database: use 'variable' (docs/operations.md, \"A second region\")"
        )


def _global_database_instance_classes(config: DeploymentConfig) -> Iterator[str]:
    # Aurora global databases run on memory-optimized classes (db.r5 and later) and
    # Serverless v2; burstable db.t* classes are refused at create time.
    secondary = config.aurora.secondary
    if secondary is None:
        return
    classes = {"aurora.instance_class": config.aurora.instance_class,
               "aurora.secondary.instance_class": secondary.instance_class}
    for path, instance_class in classes.items():
        if instance_class is not None and instance_class.startswith("db.t"):
            yield (
                f"{path} = {instance_class!r}: a global database needs a memory-optimized class (db.r5 and later, "
                "e.g. db.r6g.large) or db.serverless; burstable db.t classes are not supported"
            )


def _tls_keeps_force_ssl(config: DeploymentConfig) -> Iterator[str]:
    # Keycloak verifying the server means the server must refuse plain connections too.
    if not config.keycloak.verify_tls:
        return
    why = "keycloak.credentials 'iam'" if config.keycloak.credentials == "iam" else "keycloak.tls"
    for field in ("cluster_parameters", "instance_parameters"):
        setting = getattr(config.aurora, field).get("rds.force_ssl")
        if setting is not None and setting.value != "1":
            yield (
                f"aurora.{field}.rds.force_ssl = {setting.value!r}: must stay 1 while {why} requires TLS (the "
                "database would accept unencrypted connections)"
            )


RULES: tuple[Rule, ...] = (
    _subnets_at_least_two,
    _availability_zones_in_region,
    _availability_zones_unique,
    _subnets_inside_vpc,
    _subnets_disjoint,
    _reader_count,
    _engine_major_supported,
    _kms_key_in_the_cluster_region,
    _restore_from_another_cluster,
    _rosa_names_unique,
    _machine_cidrs_disjoint,
    _refresh_shorter_than_rotation,
    _credentials_need_managed_password,
    _iam_needs_iam_database_authentication,
    _iam_verifies_tls,
    _pod_roles_need_an_oidc_issuer,
    _db_user_is_not_the_master,
    _windows_apart,
    _serverless_capacity_needs_serverless_instances,
    _alarm_topic_in_the_cluster_region,
    _tls_keeps_force_ssl,
    _secondary_in_another_region,
    _secondary_vpc_disjoint,
    _secondary_named_apart,
    _secondary_reader_count,
    _global_database_password,
    _global_database_instance_classes,
)


def cross_field_problems(config: DeploymentConfig) -> list[str]:
    """Every cross-field problem of `config`, in rule order; empty when valid."""
    return [problem for rule in RULES for problem in rule(config)]
