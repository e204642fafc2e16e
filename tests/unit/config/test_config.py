"""The config model: the example loads, and every bad input gets one precise error."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from modules.config import AuroraSpec, ConfigError, PasswordMode, config_advice, load_config, parse_config
from tests.conftest import EXAMPLE_CONFIG, ROOT


def test_example_reproduces_the_guide() -> None:
    config = load_config(EXAMPLE_CONFIG)
    aurora = config.aurora
    assert aurora.name == "keycloak-aurora"
    assert aurora.region == "eu-west-1"
    assert aurora.vpc_cidr == ipaddress.IPv4Network("192.168.0.0/16")
    assert [(s.availability_zone, str(s.cidr)) for s in aurora.subnets] == [
        ("eu-west-1a", "192.168.0.0/19"),
        ("eu-west-1b", "192.168.32.0/19"),
    ]
    assert (aurora.database_name, aurora.master_username) == ("keycloak", "keycloak")
    assert aurora.instance_class == "db.t4g.large"
    assert aurora.reader_count == 1
    assert aurora.master_password is PasswordMode.MANAGED
    assert aurora.engine_major in (15, 16, 17)
    assert len(config.rosa_clusters) == 2


def test_example_keycloak_logs_in_without_a_password(example_data: dict[str, Any]) -> None:
    config = parse_config(example_data)
    assert config.keycloak.credentials == "iam"
    assert config.keycloak.db_user != config.aurora.master_username
    assert all(rosa.oidc_issuer and rosa.oidc_issuer.startswith("https://") for rosa in config.rosa_clusters)


def test_iam_is_the_default_and_verifies_tls(config_data: dict[str, Any]) -> None:
    del config_data["keycloak"]
    keycloak = parse_config(config_data).keycloak
    assert (keycloak.credentials, keycloak.db_user, keycloak.service_account) == ("iam", "keycloak_iam", "keycloak-db")
    assert keycloak.tls is None and keycloak.verify_tls is True and keycloak.uses_pod_roles is True


@pytest.mark.parametrize(("credentials", "tls", "verified"), [("copy", None, False), ("copy", True, True),
                                                              ("external-secrets", None, False), ("iam", True, True)])
def test_tls_verification_follows_the_mode_unless_set(
    config_data: dict[str, Any], credentials: str, tls: bool | None, verified: bool
) -> None:
    config_data["keycloak"] = {"credentials": credentials, **({"tls": tls} if tls is not None else {})}
    assert parse_config(config_data).keycloak.verify_tls is verified


def test_copy_needs_no_oidc_issuer_and_no_pod_roles(config_data: dict[str, Any]) -> None:
    config_data["keycloak"] = {"credentials": "copy"}
    for rosa in config_data["rosa_clusters"]:
        del rosa["oidc_issuer"]
    assert parse_config(config_data).keycloak.uses_pod_roles is False


@pytest.mark.parametrize("issuer", [
    "https://oidc.op1.openshiftapps.com/2kq7r3m9t1vb5xw8n4hc6jd0fgsplz2a",   # ROSA with HCP
    "https://rh-oidc.s3.us-east-1.amazonaws.com/27abcdefghijklmnopqrstuvwxyz12",  # ROSA classic
    "https://oidc.example.org",
])
def test_oidc_issuers_as_rosa_shows_them(config_data: dict[str, Any], issuer: str) -> None:
    config_data["rosa_clusters"][0]["oidc_issuer"] = issuer
    assert parse_config(config_data).rosa_clusters[0].oidc_issuer == issuer


def test_defaults_are_documented_values(config_data: dict[str, Any]) -> None:
    # GIVEN only the required keys
    aurora = config_data["aurora"]
    for key in ("engine_version", "database_name", "master_username", "master_password", "instance_class", "reader_count"):
        aurora.pop(key)
    # WHEN parsed THEN the defaults are the guide's values
    spec = parse_config(config_data).aurora
    assert spec.engine_version == "16.8"
    assert (spec.database_name, spec.master_username) == ("keycloak", "keycloak")
    assert spec.instance_class == "db.t4g.large"
    assert spec.reader_count == 1
    assert spec.port == 5432
    assert spec.auto_minor_version_upgrade is False
    assert spec.master_password is PasswordMode.MANAGED
    # day 2: changes wait for the maintenance window, the writer goes first, no restore
    assert (spec.apply_immediately, spec.readers_first, spec.restore) == (False, False, None)


@pytest.mark.parametrize(
    ("restore", "parsed"),
    [
        ({"snapshot": "keycloak-aurora-final-1a2b3c4d"}, ("keycloak-aurora-final-1a2b3c4d", None, None)),
        (
            {"snapshot": "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:rds:kc-2026-11-28-03-00"},
            ("arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:rds:kc-2026-11-28-03-00", None, None),
        ),
        ({"source_cluster": "kc-old", "point_in_time": "latest"}, (None, "kc-old", "latest")),
        ({"source_cluster": "kc-old", "point_in_time": "2026-11-28T09:30:00Z"}, (None, "kc-old", "2026-11-28T09:30:00Z")),
    ],
)
def test_restore_sources(restore: dict[str, Any], parsed: tuple[Any, ...], config_data: dict[str, Any]) -> None:
    config_data["aurora"]["restore"] = restore
    spec = parse_config(config_data).aurora.restore
    assert spec is not None and (spec.snapshot, spec.source_cluster, spec.point_in_time) == parsed


def test_an_unquoted_utc_time_in_yaml_is_a_restore_time(config_data: dict[str, Any]) -> None:
    # YAML reads 2026-11-28T09:30:00Z as a datetime; the UTC one is what was meant.
    config_data["aurora"]["restore"] = yaml.safe_load("{source_cluster: kc-old, point_in_time: 2026-11-28T09:30:00Z}")
    spec = parse_config(config_data).aurora.restore
    assert spec is not None and spec.point_in_time == "2026-11-28T09:30:00Z"


def _parent(data: dict[str, Any], path: str) -> tuple[Any, Any]:
    """The container holding dotted `path` (list indices as numbers) and the last key."""
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = data
    for part in parents:
        node = node[part]
    return node, last


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets `path` to `value`."""

    def mutate(data: dict[str, Any]) -> None:
        node, last = _parent(data, path)
        node[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    """A mutation that removes `path`."""

    def mutate(data: dict[str, Any]) -> None:
        node, last = _parent(data, path)
        del node[last]

    return mutate


def _three_subnets(data: dict[str, Any]) -> None:
    data["aurora"]["subnets"].append({"availability_zone": "eu-west-1c", "cidr": "192.168.16.0/20"})


def _external_secrets_with_variable_password(data: dict[str, Any]) -> None:
    data["aurora"]["master_password"] = "variable"
    data["keycloak"] = {"credentials": "external-secrets"}


def _external_secrets_without_issuer(data: dict[str, Any]) -> None:
    data["keycloak"] = {"credentials": "external-secrets"}
    del data["rosa_clusters"][0]["oidc_issuer"]


def _owner_role_named_like_the_master(data: dict[str, Any]) -> None:
    data["aurora"]["master_username"] = "kc_owner"
    data["keycloak"]["db_user"] = "kc"


def _serverless(capacity: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Serverless v2 instances with the capacity range `capacity`."""

    def mutate(data: dict[str, Any]) -> None:
        data["aurora"].update(instance_class="db.serverless", serverless=capacity)

    return mutate


# (mutation of the example, the one expected error line)
BAD_INPUTS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "subnet outside the VPC": (
        _set("aurora.subnets.1.cidr", "10.0.0.0/19"),
        "aurora.subnets[1].cidr = '10.0.0.0/19': must lie inside aurora.vpc_cidr 192.168.0.0/16",
    ),
    "overlapping subnets": (
        _three_subnets,
        "aurora.subnets[2].cidr = '192.168.16.0/20': overlaps aurora.subnets[0].cidr 192.168.0.0/19",
    ),
    "duplicate AZ": (
        _set("aurora.subnets.1.availability_zone", "eu-west-1a"),
        "aurora.subnets[1].availability_zone = 'eu-west-1a': duplicate of aurora.subnets[0]; "
        "one subnet per availability zone",
    ),
    "fewer than two AZs": (
        _delete("aurora.subnets.1"),
        "aurora.subnets = 1 subnet(s): need at least two, in different availability zones",
    ),
    "AZ outside the region": (
        _set("aurora.subnets.1.availability_zone", "eu-central-1b"),
        "aurora.subnets[1].availability_zone = 'eu-central-1b': not an availability zone of aurora.region "
        "eu-west-1 (expected eu-west-1a, eu-west-1b, ...)",
    ),
    "identifier with uppercase": (
        _set("aurora.name", "Keycloak"),
        "aurora.name = 'Keycloak': must be 1-63 lowercase letters, digits or hyphens, start with a letter, "
        "and contain no double or trailing hyphen (RDS identifier rules)",
    ),
    "identifier starting with a digit": (
        _set("aurora.name", "1keycloak"),
        "aurora.name = '1keycloak': must be 1-63 lowercase letters, digits or hyphens, start with a letter, and contain no double or trailing hyphen (RDS identifier rules)",
    ),
    "identifier with double hyphen": (
        _set("aurora.name", "keycloak--aurora"),
        "aurora.name = 'keycloak--aurora': must be 1-63 lowercase letters, digits or hyphens, start with a letter, and contain no double or trailing hyphen (RDS identifier rules)",
    ),
    "identifier with trailing hyphen": (
        _set("aurora.name", "keycloak-"),
        "aurora.name = 'keycloak-': must be 1-63 lowercase letters, digits or hyphens, start with a letter, and contain no double or trailing hyphen (RDS identifier rules)",
    ),
    "identifier longer than 63": (
        _set("aurora.name", "k" * 64),
        f"aurora.name = '{'k' * 64}': must be 1-63 lowercase letters, digits or hyphens, start with a letter, "
        "and contain no double or trailing hyphen (RDS identifier rules)",
    ),
    "reader count zero": (
        _set("aurora.reader_count", 0),
        "aurora.reader_count = 0: must be at least 1 (a reader in another AZ is what Aurora promotes "
        "when the writer's AZ fails)",
    ),
    "KMS key given by alias": (
        _set("aurora.kms_key_arn", "alias/keycloak"),
        "aurora.kms_key_arn = 'alias/keycloak': must be a KMS key ARN such as "
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias: RDS and "
        "CloudWatch Logs take the key's ARN)",
    ),
    "KMS key in another region": (
        _set("aurora.kms_key_arn", "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"),
        "aurora.kms_key_arn = 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab': "
        "the key is in us-east-1, not in aurora.region eu-west-1 (RDS takes a key of the cluster's Region)",
    ),
    "tag key this tool reserves": (
        _set("aurora.tags", {"keycloak-aurora:deployment": "other"}),
        "aurora.tags = {'keycloak-aurora:deployment': 'other'}: key 'keycloak-aurora:deployment' is reserved: "
        "keys starting with aws: are AWS's, with keycloak-aurora: this tool's (the deployment and address tags "
        "every resource carries)",
    ),
    "tag key AWS reserves": (
        _set("aurora.tags", {"aws:cloudformation:stack-name": "x"}),
        "aurora.tags = {'aws:cloudformation:stack-name': 'x'}: key 'aws:cloudformation:stack-name' is reserved: "
        "keys starting with aws: are AWS's, with keycloak-aurora: this tool's (the deployment and address tags "
        "every resource carries)",
    ),
    "tag value IAM refuses": (
        _set("aurora.tags", {"Owner": "team#identity"}),
        "aurora.tags = {'Owner': 'team#identity'}: value of 'Owner': a tag value is at most 256 letters, digits, "
        "spaces or _.:/=+-@",
    ),
    "too many tags": (
        _set("aurora.tags", {f"t{i}": "x" for i in range(47)}),
        f"aurora.tags = {({f't{i}': 'x' for i in range(47)})!r}: 47 tags: at most 46 (AWS allows 50 per resource "
        "and this tool adds up to 4)",
    ),
    "unsupported engine major": (
        _set("aurora.engine_version", "14.9"),
        "aurora.engine_version = '14.9': major 14 is not one Keycloak supports (15, 16, 17)",
    ),
    "malformed engine version": (
        _set("aurora.engine_version", "latest"),
        "aurora.engine_version = 'latest': must be an Aurora PostgreSQL version such as 16.8",
    ),
    "unknown key (typo)": (
        _set("aurora.instnace_class", "db.r6g.large"),
        f"aurora.instnace_class: unknown key (allowed: {', '.join(sorted(AuroraSpec.model_fields))}); "
        "did you mean 'instance_class'?",
    ),
    "unknown top-level key": (
        _set("auroa", {}),
        "auroa: unknown key (allowed: aurora, aws, keycloak, rosa_clusters, state); did you mean 'aurora'?",
    ),
    "missing required key": (_delete("aurora.vpc_cidr"), "aurora.vpc_cidr: required key is missing"),
    "CIDR with host bits": (
        _set("aurora.vpc_cidr", "192.168.1.0/16"),
        "aurora.vpc_cidr = '192.168.1.0/16': has host bits set; write the network address, e.g. 192.168.0.0/16",
    ),
    "not a CIDR": (
        _set("aurora.vpc_cidr", "192.168.0.0/33"),
        "aurora.vpc_cidr = '192.168.0.0/33': must be an IPv4 CIDR block such as 192.168.0.0/16",
    ),
    "bad region": (_set("aurora.region", "europe"), "aurora.region = 'europe': must be an AWS region name such as eu-west-1"),
    "database name with hyphen": (
        _set("aurora.database_name", "key-cloak"),
        "aurora.database_name = 'key-cloak': must be 1-63 letters, digits or underscores and start with a letter (Aurora PostgreSQL database name rules)",
    ),
    "bad instance class": (
        _set("aurora.instance_class", "t4g.large"),
        "aurora.instance_class = 't4g.large': must be an RDS instance class such as db.t4g.large",
    ),
    "unknown password mode": (
        _set("aurora.master_password", "secret99"),
        "aurora.master_password = (value not shown): Input should be 'managed' or 'variable'",
    ),
    "s3 backend without bucket section": (
        _delete("state.s3"),
        "state = {'backend': 's3'}: backend 's3' needs an s3 section with at least a bucket",
    ),
    "dynamodb locking without table": (
        _set("state.s3.locking", "dynamodb"),
        "state.s3 = {'bucket': 'my-org-keycloak-aurora-tfstate', 'key_prefix': 'keycloak-aurora', 'locking': 'dynamodb'}: dynamodb_table is given if and only if locking is 'dynamodb'",
    ),
    "unknown endpoint service": (
        _set("aws", {"endpoints": {"ec3": "http://127.0.0.1:5000"}}),
        "aws = {'endpoints': {'ec3': 'http://127.0.0.1:5000'}}: unknown endpoint service(s) ['ec3']; known: ['cloudwatch', 'dynamodb', 'ec2', 'iam', 'kms', 'logs', 'rds', 's3', 'secretsmanager', 'sns', 'sts']",
    ),
    "ROSA machine CIDR overlapping Aurora": (
        _set("rosa_clusters.1.machine_cidr", "192.168.16.0/20"),
        "rosa_clusters[1].machine_cidr = '192.168.16.0/20': overlaps aurora.vpc_cidr 192.168.0.0/16",
    ),
    "ROSA machine CIDRs overlapping each other": (
        _set("rosa_clusters.1.machine_cidr", "10.0.128.0/17"),
        "rosa_clusters[1].machine_cidr = '10.0.128.0/17': overlaps rosa_clusters[0].machine_cidr 10.0.0.0/16 (rosa-site-a)",
    ),
    "a new cluster's machine CIDR overlapping a retired one's": (
        lambda data: (_set("rosa_clusters.1.machine_cidr", "10.0.0.0/16")(data),
                      _set("rosa_clusters.0.retired", True)(data)),
        "rosa_clusters[1].machine_cidr = '10.0.0.0/16': overlaps rosa_clusters[0].machine_cidr 10.0.0.0/16 "
        "(rosa-site-a); rosa-site-a is retired: deploy its retirement and delete its entry first",
    ),
    "retired not a boolean": (
        _set("rosa_clusters.0.retired", "soon"),
        "rosa_clusters[0].retired = 'soon': Input should be a valid boolean, unable to interpret input",
    ),
    "duplicate ROSA names": (
        _set("rosa_clusters.1.name", "rosa-site-a"),
        "rosa_clusters[1].name = 'rosa-site-a': duplicate of rosa_clusters[0].name",
    ),
    "ROSA name that cannot be a stack id": (
        _set("rosa_clusters.0.name", "Rosa_A"),
        "rosa_clusters[0].name = 'Rosa_A': must be 1-40 lowercase letters, digits or hyphens, start with a letter and have no double or trailing hyphen (it becomes part of a stack id)",
    ),
    "VPC finder with two ways": (
        _set("rosa_clusters.0.vpc", {"id": "vpc-0123456789abcdef0", "tags": {"Name": "x"}}),
        "rosa_clusters[0].vpc = {'id': 'vpc-0123456789abcdef0', 'tags': {'Name': 'x'}}: give exactly one of cluster_id, id, tags, node_private_dns (got 2: id, tags)",
    ),
    "VPC finder with none": (
        _set("rosa_clusters.0.vpc", {}),
        'rosa_clusters[0].vpc = {}: give exactly one of cluster_id, id, tags, node_private_dns (got 0: none)',
    ),
    "cluster id tag without a cluster id": (
        _set("rosa_clusters.0.vpc", {"id": "vpc-0123456789abcdef0", "cluster_id_tag": "api.openshift.com/name"}),
        "rosa_clusters[0].vpc = {'id': 'vpc-0123456789abcdef0', 'cluster_id_tag': 'api.openshift.com/name'}: cluster_id_tag is given only with cluster_id",
    ),
    "cluster id that cannot be a tag value": (
        _set("rosa_clusters.0.vpc", {"cluster_id": "2f3c 1a0b"}),
        "rosa_clusters[0].vpc.cluster_id = '2f3c 1a0b': must be a ROSA cluster id such as 2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c",
    ),
    "reserved cluster id tag": (
        _set("rosa_clusters.0.vpc", {"cluster_id": "owned", "cluster_id_tag": "aws:cloudformation:stack-id"}),
        "rosa_clusters[0].vpc.cluster_id_tag = 'aws:cloudformation:stack-id': must be an EC2 tag key (letters, digits, spaces and _.:/=+-@; not aws:)",
    ),
    "bad VPC id": (
        _set("rosa_clusters.0.vpc", {"id": "vpc-xyz"}),
        "rosa_clusters[0].vpc.id = 'vpc-xyz': must be a VPC id such as vpc-0123456789abcdef0",
    ),
    "refresh not shorter than rotation": (
        _set("keycloak", {"credentials": "external-secrets", "refresh_interval": "168h"}),
        "keycloak.refresh_interval = '168h': must be shorter than aurora.secret_rotation_days (7 days)",
    ),
    "malformed refresh interval": (
        _set("keycloak", {"refresh_interval": "1 hour"}),
        "keycloak.refresh_interval = '1 hour': must be a duration such as 1h, 30m or 1h30m",
    ),
    "pool sizes out of order": (
        _set("keycloak", {"pool": {"min_size": 10, "max_size": 5}}),
        "keycloak.pool = {'min_size': 10, 'max_size': 5}: sizes must satisfy min_size <= initial_size <= max_size",
    ),
    "namespace not a Kubernetes name": (
        _set("keycloak", {"namespace": "Keycloak_NS"}),
        "keycloak.namespace = 'Keycloak_NS': must be a Kubernetes name: lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit",
    ),
    "external secrets without a managed password": (
        _external_secrets_with_variable_password,
        "keycloak.credentials = 'external-secrets': needs aurora.master_password: managed (got 'variable'; the operator reads the RDS-managed secret)",
    ),
    "the renamed secret_sync key": (
        _set("keycloak", {"secret_sync": "copy"}),
        "keycloak.secret_sync = 'copy': renamed to keycloak.credentials (same values, `copy` or `external-secrets`; "
        "its default is now `iam`)",
    ),
    "unknown credentials mode": (
        _set("keycloak.credentials", "password"),
        "keycloak.credentials = 'password': Input should be 'iam', 'copy' or 'external-secrets'",
    ),
    "iam without an OIDC issuer": (
        _delete("rosa_clusters.1.oidc_issuer"),
        "rosa_clusters[1].oidc_issuer: required with keycloak.credentials 'iam' (the pod roles trust the cluster's "
        'OIDC provider); `rosa describe cluster -c rosa-site-b` shows it as "OIDC Endpoint URL"',
    ),
    "external-secrets without an OIDC issuer": (
        _external_secrets_without_issuer,
        "rosa_clusters[0].oidc_issuer: required with keycloak.credentials 'external-secrets' (the pod roles trust the "
        'cluster\'s OIDC provider); `rosa describe cluster -c rosa-site-a` shows it as "OIDC Endpoint URL"',
    ),
    "OIDC issuer over plain http": (
        _set("rosa_clusters.0.oidc_issuer", "http://oidc.op1.openshiftapps.com/2kq7r3m9"),
        "rosa_clusters[0].oidc_issuer = 'http://oidc.op1.openshiftapps.com/2kq7r3m9': must be the cluster's OIDC "
        "endpoint URL, https://<host>[/<path>] without port, query or trailing slash (`rosa describe cluster -c "
        '<name>`: "OIDC Endpoint URL")',
    ),
    "OIDC issuer without a scheme": (
        _set("rosa_clusters.0.oidc_issuer", "oidc.op1.openshiftapps.com/2kq7r3m9"),
        "rosa_clusters[0].oidc_issuer = 'oidc.op1.openshiftapps.com/2kq7r3m9': must be the cluster's OIDC "
        "endpoint URL, https://<host>[/<path>] without port, query or trailing slash (`rosa describe cluster -c "
        '<name>`: "OIDC Endpoint URL")',
    ),
    "OIDC issuer with a trailing slash": (
        _set("rosa_clusters.0.oidc_issuer", "https://oidc.op1.openshiftapps.com/2kq7r3m9/"),
        "rosa_clusters[0].oidc_issuer = 'https://oidc.op1.openshiftapps.com/2kq7r3m9/': must be the cluster's OIDC "
        "endpoint URL, https://<host>[/<path>] without port, query or trailing slash (`rosa describe cluster -c "
        '<name>`: "OIDC Endpoint URL")',
    ),
    "OIDC issuer with a dot-dot path segment": (
        _set("rosa_clusters.0.oidc_issuer", "https://oidc.op1.openshiftapps.com/a/../2kq7r3m9"),
        "rosa_clusters[0].oidc_issuer = 'https://oidc.op1.openshiftapps.com/a/../2kq7r3m9': must be the issuer URL "
        "exactly as the cluster's tokens carry it: no `.` or `..` path segments (the IAM OIDC provider and the trust "
        "policy match the issuer literally)",
    ),
    "OIDC issuer with a dot path segment": (
        _set("rosa_clusters.0.oidc_issuer", "https://oidc.op1.openshiftapps.com/./2kq7r3m9"),
        "rosa_clusters[0].oidc_issuer = 'https://oidc.op1.openshiftapps.com/./2kq7r3m9': must be the issuer URL "
        "exactly as the cluster's tokens carry it: no `.` or `..` path segments (the IAM OIDC provider and the trust "
        "policy match the issuer literally)",
    ),
    "role ARN with a short account": (
        _set("rosa_clusters.0.role_arn", "arn:aws:iam::12345:role/keycloak-peering"),
        "rosa_clusters[0].role_arn = 'arn:aws:iam::12345:role/keycloak-peering': must be an IAM role ARN such as "
        "arn:aws:iam::123456789012:role/keycloak-peering (a 12-digit account, role/ and the role's name)",
    ),
    "role ARN of a user": (
        _set("rosa_clusters.0.role_arn", "arn:aws:iam::123456789012:user/deployer"),
        "rosa_clusters[0].role_arn = 'arn:aws:iam::123456789012:user/deployer': must be an IAM role ARN such as "
        "arn:aws:iam::123456789012:role/keycloak-peering (a 12-digit account, role/ and the role's name)",
    ),
    "role given by name": (
        _set("rosa_clusters.0.role_arn", "keycloak-peering"),
        "rosa_clusters[0].role_arn = 'keycloak-peering': must be an IAM role ARN such as "
        "arn:aws:iam::123456789012:role/keycloak-peering (a 12-digit account, role/ and the role's name)",
    ),
    "database user PostgreSQL reserves": (
        _set("keycloak.db_user", "public"),
        "keycloak.db_user = 'public': is reserved by PostgreSQL (public, none and names starting with pg_ cannot be "
        "Keycloak's database user)",
    ),
    "database user in PostgreSQL's pg_ namespace": (
        _set("keycloak.db_user", "pg_keycloak"),
        "keycloak.db_user = 'pg_keycloak': is reserved by PostgreSQL (public, none and names starting with pg_ cannot "
        "be Keycloak's database user)",
    ),
    "database user named like an RDS role": (
        _set("keycloak.db_user", "rds_superuser"),
        "keycloak.db_user = 'rds_superuser': starts with 'rds', like Aurora's own roles (rdsadmin, rds_superuser, "
        "rds_iam, ...): Keycloak's database user would be, or be mistaken for, one of them",
    ),
    "master user that is a reserved word": (
        _set("aurora.master_username", "user"),
        "aurora.master_username = 'user': is a PostgreSQL reserved word, which RDS refuses as the master user",
    ),
    "master user named like Aurora's admin": (
        _set("aurora.master_username", "rdsadmin"),
        "aurora.master_username = 'rdsadmin': starts with 'rds', like Aurora's own roles (rdsadmin, rds_superuser, "
        "rds_iam, ...): the master user would be, or be mistaken for, one of them",
    ),
    "master user longer than 16": (
        _set("aurora.master_username", "keycloak_administrator"),
        "aurora.master_username = 'keycloak_administrator': must be at most 16 characters (CreateDBCluster's limit)",
    ),
    "database every cluster has": (
        _set("aurora.database_name", "postgres"),
        "aurora.database_name = 'postgres': every Aurora PostgreSQL cluster already has it (postgres, rdsadmin, "
        "template0, template1): choose a name of Keycloak's own",
    ),
    "database named by a reserved word": (
        _set("aurora.database_name", "table"),
        "aurora.database_name = 'table': is a PostgreSQL reserved word, which RDS refuses as a database name",
    ),
    "relative CA bundle path": (
        _set("keycloak.tls_ca_path", "conf/rds-ca-bundle.pem"),
        "keycloak.tls_ca_path = 'conf/rds-ca-bundle.pem': must be an absolute path to a file, such as "
        "/opt/keycloak/conf/rds-ca-bundle.pem (no empty, . or .. segments)",
    ),
    "CA bundle path that is a directory": (
        _set("keycloak.tls_ca_path", "/opt/keycloak/conf/"),
        "keycloak.tls_ca_path = '/opt/keycloak/conf/': must be an absolute path to a file, such as "
        "/opt/keycloak/conf/rds-ca-bundle.pem (no empty, . or .. segments)",
    ),
    "endpoint that is not a URL": (
        _set("aws", {"endpoints": {"rds": "127.0.0.1:5000"}}),
        "aws.endpoints.rds = '127.0.0.1:5000': must be an http(s) URL such as http://127.0.0.1:5000",
    ),
    "iam with IAM database authentication off": (
        _set("aurora.iam_database_authentication", False),
        "keycloak.credentials = 'iam': needs aurora.iam_database_authentication: true (RDS refuses IAM tokens while "
        "it is off)",
    ),
    "iam with a variable master password": (
        _set("aurora.master_password", "variable"),
        "keycloak.credentials = 'iam': needs aurora.master_password: managed (got 'variable'; the bootstrap Job "
        "reads the master user from the RDS-managed secret)",
    ),
    "iam with TLS verification off": (
        _set("keycloak.tls", False),
        "keycloak.tls = False: keycloak.credentials 'iam' needs it on (IAM tokens travel only over TLS, verified "
        "against the RDS CA bundle)",
    ),
    "database user equal to the master user": (
        _set("keycloak.db_user", "keycloak"),
        "keycloak.db_user = 'keycloak': must differ from aurora.master_username (the master user keeps its password "
        "login; a member of rds_iam logs in with IAM tokens only)",
    ),
    "database user whose owner role is the master user": (
        _owner_role_named_like_the_master,
        "keycloak.db_user = 'kc': its owner role 'kc_owner' would be aurora.master_username; choose another name",
    ),
    "database user that is not a plain role name": (
        _set("keycloak.db_user", "Keycloak-IAM"),
        "keycloak.db_user = 'Keycloak-IAM': must be 1-57 lowercase letters, digits or underscores and start with a "
        "letter (a PostgreSQL role name that still fits 63 characters with `_owner` appended)",
    ),
    "restore from two sources": (
        _set("aurora.restore", {"snapshot": "kc-final-1a2b3c4d", "source_cluster": "kc-old"}),
        "aurora.restore = {'snapshot': 'kc-final-1a2b3c4d', 'source_cluster': 'kc-old'}: give exactly one of "
        "snapshot, source_cluster",
    ),
    "restore from nothing": (
        _set("aurora.restore", {}),
        "aurora.restore = {}: give exactly one of snapshot, source_cluster",
    ),
    "point-in-time restore without a time": (
        _set("aurora.restore", {"source_cluster": "kc-old"}),
        "aurora.restore = {'source_cluster': 'kc-old'}: point_in_time is given if and only if source_cluster is",
    ),
    "restore time that is no time": (
        _set("aurora.restore", {"source_cluster": "kc-old", "point_in_time": "2026-13-28T09:30:00Z"}),
        "aurora.restore.point_in_time = '2026-13-28T09:30:00Z': must be 'latest' or a UTC time such as "
        "2026-11-28T09:30:00Z",
    ),
    "restore time not in UTC": (
        _set("aurora.restore", {"source_cluster": "kc-old", "point_in_time": "2026-11-28T09:30:00+01:00"}),
        "aurora.restore.point_in_time = '2026-11-28T09:30:00+01:00': must be 'latest' or a UTC time such as "
        "2026-11-28T09:30:00Z",
    ),
    "snapshot that is no snapshot id": (
        _set("aurora.restore", {"snapshot": "s3://bucket/backup"}),
        "aurora.restore.snapshot = 's3://bucket/backup': must be a DB cluster snapshot identifier or ARN",
    ),
    "point-in-time restore from the cluster itself": (
        _set("aurora.restore", {"source_cluster": "keycloak-aurora", "point_in_time": "latest"}),
        "aurora.restore.source_cluster = 'keycloak-aurora': must differ from aurora.name (the source still exists "
        "while the restored cluster is created; restore under a new name)",
    ),
    "rotation of zero days": (
        _set("aurora.secret_rotation_days", 0),
        "aurora.secret_rotation_days = 0: Input should be greater than or equal to 1",
    ),
    # --- watching and tuning (issue #21) ---
    "maintenance window overlapping the backup window": (
        _set("aurora.maintenance_window", "sun:02:30-sun:03:30"),
        "aurora.maintenance_window = 'sun:02:30-sun:03:30': overlaps aurora.backup_window 02:00-03:00 (RDS requires "
        "them apart)",
    ),
    "maintenance window overlapping a backup window across midnight": (
        lambda data: data["aurora"].update(backup_window="23:45-00:30", maintenance_window="mon:00:15-mon:01:15"),
        "aurora.maintenance_window = 'mon:00:15-mon:01:15': overlaps aurora.backup_window 23:45-00:30 (RDS requires "
        "them apart)",
    ),
    "maintenance window shorter than 30 minutes": (
        _set("aurora.maintenance_window", "sun:04:00-sun:04:20"),
        "aurora.maintenance_window = 'sun:04:00-sun:04:20': must be at least 30 minutes long (RDS's minimum)",
    ),
    "maintenance window without days": (
        _set("aurora.maintenance_window", "04:00-05:00"),
        "aurora.maintenance_window = '04:00-05:00': must be ddd:hh24:mi-ddd:hh24:mi in UTC with lowercase days, "
        "e.g. sun:04:00-sun:05:00",
    ),
    "backup window shorter than 30 minutes": (
        _set("aurora.backup_window", "23:50-00:10"),
        "aurora.backup_window = '23:50-00:10': must be at least 30 minutes long (RDS's minimum)",
    ),
    "backup window with a bad hour": (
        _set("aurora.backup_window", "24:00-01:00"),
        "aurora.backup_window = '24:00-01:00': must be hh24:mi-hh24:mi in UTC, e.g. 02:00-03:00",
    ),
    "serverless minimum above its maximum": (
        _serverless({"min_capacity": 8, "max_capacity": 4}),
        "aurora.serverless = {'min_capacity': 8, 'max_capacity': 4}: min_capacity 8 is above max_capacity 4",
    ),
    "serverless auto-pause": (
        _serverless({"min_capacity": 0, "max_capacity": 4}),
        "aurora.serverless.min_capacity = 0: 0 turns on auto-pause, which Keycloak never lets happen (its connection "
        "pool and background jobs keep sessions open) and which, when it does pause, makes the next login wait for "
        "the database to resume (about 15 seconds); use 0.5 or more",
    ),
    "serverless capacity off the half-ACU steps": (
        _serverless({"max_capacity": 4.2}),
        "aurora.serverless.max_capacity = 4.2: must be a number of ACUs from 0.5 to 256 in steps of 0.5",
    ),
    "serverless capacity without serverless instances": (
        _set("aurora.serverless", {"max_capacity": 8}),
        "aurora.serverless = {'min_capacity': 0.5, 'max_capacity': 8.0}: only with aurora.instance_class: "
        "db.serverless (got db.t4g.large)",
    ),
    "plain connections while Keycloak verifies TLS": (
        _set("aurora.cluster_parameters", {"rds.force_ssl": 0}),
        "aurora.cluster_parameters.rds.force_ssl = '0': must stay 1 while keycloak.credentials 'iam' requires TLS "
        "(the database would accept unencrypted connections)",
    ),
    "plain connections while keycloak.tls is on": (
        lambda data: data.update(keycloak={"credentials": "copy", "tls": True})
        or data["aurora"].update(cluster_parameters={"rds.force_ssl": {"value": "0", "apply_method": "immediate"}}),
        "aurora.cluster_parameters.rds.force_ssl = '0': must stay 1 while keycloak.tls requires TLS (the database "
        "would accept unencrypted connections)",
    ),
    "parameter name that is no parameter": (
        _set("aurora.instance_parameters", {"Work-Mem": "64MB"}),
        "aurora.instance_parameters = {'Work-Mem': '64MB'}: parameter 'Work-Mem': names are lowercase letters, "
        "digits, _ and . (a PostgreSQL or Aurora parameter such as log_min_duration_statement or rds.force_ssl)",
    ),
    "parameter apply method RDS does not know": (
        _set("aurora.instance_parameters", {"shared_preload_libraries": {"value": "pg_stat_statements",
                                                                          "apply_method": "on-reboot"}}),
        "aurora.instance_parameters.shared_preload_libraries.apply_method = 'on-reboot': Input should be "
        "'immediate' or 'pending-reboot'",
    ),
    "alarm topic in another region": (
        _set("aurora.alarms", {"topic_arn": "arn:aws:sns:us-east-1:123456789012:db-alarms"}),
        "aurora.alarms.topic_arn = 'arn:aws:sns:us-east-1:123456789012:db-alarms': the topic is in us-east-1, not in "
        "aurora.region eu-west-1 (alarms and RDS events publish only to topics of their own Region)",
    ),
    "alarm topic that is a FIFO topic": (
        _set("aurora.alarms", {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:db-alarms.fifo"}),
        "aurora.alarms.topic_arn = 'arn:aws:sns:eu-west-1:123456789012:db-alarms.fifo': must be the ARN of a "
        "standard SNS topic, e.g. arn:aws:sns:eu-west-1:123456789012:db-alarms (CloudWatch alarms and RDS events "
        "cannot publish to FIFO topics)",
    ),
    "e-mails for a topic managed elsewhere": (
        _set("aurora.alarms", {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:db-alarms", "emails": ["dba@example.org"]}),
        "aurora.alarms = {'topic_arn': 'arn:aws:sns:eu-west-1:123456789012:db-alarms', 'emails': ['dba@example.org']}: "
        "emails are subscribed to the deployment's own topic only; subscribe them to topic_arn where that topic is "
        "managed",
    ),
    "e-mail that is no address": (
        _set("aurora.alarms", {"emails": ["dba at example.org"]}),
        "aurora.alarms.emails = ['dba at example.org']: 'dba at example.org' is not an e-mail address",
    ),
    "alarms left empty": (
        _set("aurora.alarms", None),
        "aurora.alarms = None: must be false (no alarms), true (the defaults) or a section",
    ),
    "alarm threshold above 100 percent": (
        _set("aurora.alarms", {"thresholds": {"cpu_percent": 120}}),
        "aurora.alarms.thresholds.cpu_percent = 120: Input should be less than or equal to 100",
    ),
    "Performance Insights retention RDS refuses": (
        _set("aurora.performance_insights_retention_days", 30),
        "aurora.performance_insights_retention_days = 30: must be 7 (the free tier), a multiple of 31 up to 713 "
        "(1 to 23 months) or 731 (2 years): the retention periods RDS accepts",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_gets_one_precise_error(case: str, config_data: dict[str, Any]) -> None:
    mutate, expected = BAD_INPUTS[case]
    # GIVEN the example with one mistake
    mutate(config_data)
    # WHEN it is parsed THEN exactly one problem is reported, naming field, value and rule
    with pytest.raises(ConfigError) as raised:
        parse_config(config_data)
    assert raised.value.problems == [expected]


@pytest.mark.parametrize(
    ("path", "value"),
    [("aurora.master_password", "secret99"), ("aurora.master_password", {"value": "secret99"}),
     ("aurora.password", "secret99")],
)
def test_a_typed_password_is_never_echoed(config_data: dict[str, Any], path: str, value: Any) -> None:
    # GIVEN a password typed into the config by mistake
    _set(path, value)(config_data)
    # WHEN it is parsed THEN the error names the field and the rule, but not the value
    with pytest.raises(ConfigError) as raised:
        parse_config(config_data)
    assert "secret99" not in str(raised.value)
    assert raised.value.problems[0].startswith(path)


def test_typo_gets_a_suggestion(config_data: dict[str, Any]) -> None:
    config_data["aurora"]["instnace_class"] = config_data["aurora"].pop("instance_class")
    with pytest.raises(ConfigError) as raised:
        parse_config(config_data)
    assert raised.value.problems[0].endswith("did you mean 'instance_class'?")


def test_every_problem_is_listed(config_data: dict[str, Any]) -> None:
    config_data["aurora"]["subnets"][1]["cidr"] = "10.0.0.0/19"
    config_data["aurora"]["reader_count"] = 0
    with pytest.raises(ConfigError) as raised:
        parse_config(config_data)
    assert len(raised.value.problems) == 2


@pytest.mark.parametrize("text", ["", "- a list\n", "aurora: [unclosed\n"])
def test_not_a_config_document(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(path) in str(raised.value)


#: The issue's bad inputs for `iam` (and the first rule ever written): each stops main.py
#: with its one error line before anything is written.
WRITES_NOTHING = [
    "subnet outside the VPC",
    "iam without an OIDC issuer",
    "OIDC issuer over plain http",
    "iam with IAM database authentication off",
    "database user equal to the master user",
]


@pytest.mark.parametrize("case", WRITES_NOTHING)
def test_invalid_config_writes_nothing(case: str, tmp_path: Path, config_data: dict[str, Any]) -> None:
    mutate, expected = BAD_INPUTS[case]
    # GIVEN a config with one mistake
    mutate(config_data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config_data))
    outdir = tmp_path / "cdktf.out"
    # WHEN main.py runs, as `cdktf synth` runs it
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=ROOT,
        env={**__import__("os").environ, "KEYCLOAK_AURORA_CONFIG": str(bad), "CDKTF_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # THEN it exits 2 with the one error, and nothing is written
    assert result.returncode == 2
    assert f"  {expected}\n" in result.stderr
    assert "Traceback" not in result.stderr
    assert not outdir.exists()


def test_a_worker_node_finder_is_advised_against(config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][1] = {
        "name": "rosa-partner", "region": "us-east-1", "role_arn": "arn:aws:iam::222222222222:role/peering",
        "vpc": {"node_private_dns": "ip-10-2-0-5.ec2.internal"},
        "oidc_issuer": "https://oidc.op1.openshiftapps.com/partner",
    }
    assert config_advice(parse_config(config_data)) == [
        "rosa_clusters[1].vpc.node_private_dns = 'ip-10-2-0-5.ec2.internal': finds the VPC through one worker node, "
        "and every plan of peering-rosa-partner fails once ROSA replaces that node (upgrades, scale-downs). Use "
        "vpc.cluster_id (the ID `rosa describe cluster` prints) or vpc.id; `make find-vpc REGION=us-east-1 "
        "ROLE_ARN=arn:aws:iam::222222222222:role/peering NODE=ip-10-2-0-5.ec2.internal` prints the VPC id"
    ]


def test_a_retired_clusters_finder_is_not_advised_against(config_data: dict[str, Any]) -> None:
    # Its VPC is no longer looked up: the node may be gone, and that is fine.
    config_data["rosa_clusters"][1]["vpc"] = {"node_private_dns": "ip-10-1-0-5.eu-west-1.compute.internal"}
    config_data["rosa_clusters"][1]["retired"] = True
    assert config_advice(parse_config(config_data)) == []


def test_retired_clusters_are_kept_but_not_live(config_data: dict[str, Any]) -> None:
    assert [rosa.retired for rosa in parse_config(config_data).rosa_clusters] == [False, False]
    config_data["rosa_clusters"][0]["retired"] = True
    config = parse_config(config_data)
    assert [rosa.name for rosa in config.rosa_clusters] == ["rosa-site-a", "rosa-site-b"]
    assert [rosa.name for rosa in config.live_rosa_clusters] == ["rosa-site-b"]


def test_the_example_needs_no_advice(config_data: dict[str, Any]) -> None:
    assert config_advice(parse_config(config_data)) == []


def test_main_warns_on_stderr_and_synthesizes_anyway(tmp_path: Path, config_data: dict[str, Any]) -> None:
    # GIVEN the guide's way of finding rosa-site-a's VPC
    config_data["rosa_clusters"][0]["vpc"] = {"node_private_dns": "ip-10-0-16-10.eu-west-1.compute.internal"}
    path = tmp_path / "guide.yaml"
    path.write_text(yaml.safe_dump(config_data))
    outdir = tmp_path / "cdktf.out"
    # WHEN main.py runs, as `cdktf synth` runs it
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=ROOT,
        env={**__import__("os").environ, "KEYCLOAK_AURORA_CONFIG": str(path), "CDKTF_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    # THEN it warns once, on stderr, and writes every stack
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: rosa_clusters[0].vpc.node_private_dns = 'ip-10-0-16-10.eu-west-1.compute.internal': ")
    assert (outdir / "stacks" / "peering-rosa-site-a" / "cdk.tf.json").is_file()
