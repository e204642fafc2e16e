"""The config model: the example loads, and every bad input gets one precise error."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from modules.config import AuroraSpec, ConfigError, PasswordMode, load_config, parse_config
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
    data["keycloak"] = {"secret_sync": "external-secrets"}


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
        "aws = {'endpoints': {'ec3': 'http://127.0.0.1:5000'}}: unknown endpoint service(s) ['ec3']; known: ['cloudwatch', 'dynamodb', 'ec2', 'iam', 'kms', 'logs', 'rds', 's3', 'secretsmanager', 'sts']",
    ),
    "ROSA machine CIDR overlapping Aurora": (
        _set("rosa_clusters.1.machine_cidr", "192.168.16.0/20"),
        "rosa_clusters[1].machine_cidr = '192.168.16.0/20': overlaps aurora.vpc_cidr 192.168.0.0/16",
    ),
    "ROSA machine CIDRs overlapping each other": (
        _set("rosa_clusters.1.machine_cidr", "10.0.128.0/17"),
        "rosa_clusters[1].machine_cidr = '10.0.128.0/17': overlaps rosa_clusters[0].machine_cidr 10.0.0.0/16 (rosa-site-a)",
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
        "rosa_clusters[0].vpc = {'id': 'vpc-0123456789abcdef0', 'tags': {'Name': 'x'}}: give exactly one of id, node_private_dns, tags (got 2: id, tags)",
    ),
    "VPC finder with none": (
        _set("rosa_clusters.0.vpc", {}),
        'rosa_clusters[0].vpc = {}: give exactly one of id, node_private_dns, tags (got 0: none)',
    ),
    "bad VPC id": (
        _set("rosa_clusters.0.vpc", {"id": "vpc-xyz"}),
        "rosa_clusters[0].vpc.id = 'vpc-xyz': must be a VPC id such as vpc-0123456789abcdef0",
    ),
    "refresh not shorter than rotation": (
        _set("keycloak", {"secret_sync": "external-secrets", "refresh_interval": "168h"}),
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
        "keycloak.secret_sync = 'external-secrets': needs aurora.master_password: managed (got 'variable'; the operator reads the RDS-managed secret)",
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


def test_invalid_config_writes_nothing(tmp_path: Path, config_data: dict[str, Any]) -> None:
    # GIVEN a config with a subnet outside the VPC
    config_data["aurora"]["subnets"][1]["cidr"] = "10.0.0.0/19"
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
    assert "aurora.subnets[1].cidr = '10.0.0.0/19': must lie inside aurora.vpc_cidr 192.168.0.0/16" in result.stderr
    assert "Traceback" not in result.stderr
    assert not outdir.exists()
