"""`aurora.secondary` (issue #25): a global database's second region. The example for it
loads; each mistake gets one error naming the field, the value and the rule; the
secondary's own spec is the primary's with the secondary's region, network and names."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from modules.config import ConfigError, PasswordMode, load_config, parse_config
from tests.conftest import ROOT

EXAMPLE = ROOT / "config" / "examples" / "global-database.yaml"


@pytest.fixture
def global_data() -> dict[str, Any]:
    """The global-database example as plain data, a private copy."""
    return copy.deepcopy(yaml.safe_load(Path(EXAMPLE).read_text()))


def test_the_example_has_a_secondary_in_another_region() -> None:
    aurora = load_config(EXAMPLE).aurora
    assert aurora.secondary is not None and aurora.secondary.region == "eu-central-1"
    assert aurora.master_password is PasswordMode.VARIABLE


def test_the_secondary_cluster_is_the_primary_moved_to_its_region(global_data: dict[str, Any]) -> None:
    global_data["aurora"]["alarms"] = {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:db-alarms",
                                       "thresholds": {"cpu_percent": 70}}
    global_data["aurora"]["kms_key_arn"] = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    aurora = parse_config(global_data).aurora
    secondary = aurora.secondary_cluster()
    assert (secondary.name, secondary.region) == ("keycloak-aurora-eu-central-1", "eu-central-1")
    assert secondary.vpc_cidr == ipaddress.IPv4Network("172.20.0.0/16")
    assert [s.availability_zone for s in secondary.subnets] == ["eu-central-1a", "eu-central-1b"]
    assert (secondary.instance_class, secondary.reader_count) == ("db.r6g.large", 1)
    # its own key (a new one), its own topic with the primary's thresholds; no restore, no secondary
    assert secondary.kms_key_arn is None and secondary.restore is None and secondary.secondary is None
    assert secondary.alarms is not None and secondary.alarms.topic_arn is None
    assert secondary.alarms.thresholds.cpu_percent == 70
    # what replicates stays the primary's
    assert (secondary.engine_version, secondary.database_name, secondary.port) == (
        aurora.engine_version, aurora.database_name, aurora.port)


def test_a_named_secondary_with_its_own_class(global_data: dict[str, Any]) -> None:
    global_data["aurora"]["secondary"].update(name="kc-frankfurt", instance_class="db.serverless", reader_count=2)
    secondary = parse_config(global_data).aurora.secondary_cluster()
    assert (secondary.name, secondary.instance_class, secondary.reader_count) == ("kc-frankfurt", "db.serverless", 2)


def test_without_a_secondary_there_is_no_secondary_cluster(config_data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="aurora.secondary is not set"):
        parse_config(config_data).aurora.secondary_cluster()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = data
        for part in parents:
            node = node[part]
        node[last] = value

    return mutate


# (mutation of the global-database example, the one expected error line)
BAD_INPUTS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "same region twice": (
        lambda d: d["aurora"]["secondary"].update(region="eu-west-1", subnets=[
            {"availability_zone": "eu-west-1a", "cidr": "172.20.0.0/19"},
            {"availability_zone": "eu-west-1b", "cidr": "172.20.32.0/19"}]),
        "aurora.secondary.region = 'eu-west-1': is aurora.region; a global database's secondary is in another region",
    ),
    "secondary VPC overlapping the primary's": (
        lambda d: d["aurora"]["secondary"].update(vpc_cidr="192.168.0.0/16", subnets=[
            {"availability_zone": "eu-central-1a", "cidr": "192.168.0.0/19"},
            {"availability_zone": "eu-central-1b", "cidr": "192.168.32.0/19"}]),
        "aurora.secondary.vpc_cidr = '192.168.0.0/16': overlaps aurora.vpc_cidr 192.168.0.0/16",
    ),
    "secondary VPC overlapping a ROSA cluster's": (
        lambda d: d["aurora"]["secondary"].update(vpc_cidr="10.0.0.0/16", subnets=[
            {"availability_zone": "eu-central-1a", "cidr": "10.0.0.0/19"},
            {"availability_zone": "eu-central-1b", "cidr": "10.0.32.0/19"}]),
        "aurora.secondary.vpc_cidr = '10.0.0.0/16': overlaps rosa_clusters[0].machine_cidr 10.0.0.0/16 (rosa-dublin)",
    ),
    "secondary AZ outside its region": (
        _set("aurora.secondary.subnets.1.availability_zone", "eu-west-1b"),
        "aurora.secondary.subnets[1].availability_zone = 'eu-west-1b': not an availability zone of "
        "aurora.secondary.region eu-central-1 (expected eu-central-1a, eu-central-1b, ...)",
    ),
    "secondary subnet outside its VPC": (
        _set("aurora.secondary.subnets.1.cidr", "172.21.0.0/19"),
        "aurora.secondary.subnets[1].cidr = '172.21.0.0/19': must lie inside aurora.secondary.vpc_cidr 172.20.0.0/16",
    ),
    "secondary with one subnet": (
        lambda d: d["aurora"]["secondary"]["subnets"].pop(),
        "aurora.secondary.subnets = 1 subnet(s): need at least two, in different availability zones",
    ),
    "secondary subnets overlapping": (
        _set("aurora.secondary.subnets.1.cidr", "172.20.16.0/20"),
        "aurora.secondary.subnets[1].cidr = '172.20.16.0/20': overlaps aurora.secondary.subnets[0].cidr 172.20.0.0/19",
    ),
    "secondary AZ twice": (
        _set("aurora.secondary.subnets.1.availability_zone", "eu-central-1a"),
        "aurora.secondary.subnets[1].availability_zone = 'eu-central-1a': duplicate of aurora.secondary.subnets[0]; "
        "one subnet per availability zone",
    ),
    "secondary named as the primary": (
        _set("aurora.secondary.name", "keycloak-aurora"),
        "aurora.secondary.name = 'keycloak-aurora': is aurora.name; the clusters need names of their own (IAM roles "
        "and log groups are named after them)",
    ),
    "secondary without a reader": (
        _set("aurora.secondary.reader_count", 0),
        "aurora.secondary.reader_count = 0: must be at least 1 (once promoted, the secondary is multi-AZ only with a "
        "second instance in another AZ)",
    ),
    "secondary key of another region": (
        _set("aurora.secondary.kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"),
        "aurora.secondary.kms_key_arn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555': "
        "the key is in eu-west-1, not in aurora.secondary.region eu-central-1 (RDS takes a key of the cluster's Region)",
    ),
    "managed master password": (
        _set("aurora.master_password", "managed"),
        "aurora.master_password = 'managed': not with aurora.secondary; RDS manages no master password in a global "
        "database: use 'variable' (docs/operations.md, \"A second region\")",
    ),
    "burstable class of the primary": (
        _set("aurora.instance_class", "db.t4g.large"),
        "aurora.instance_class = 'db.t4g.large': a global database needs a memory-optimized class (db.r5 and later, "
        "e.g. db.r6g.large) or db.serverless; burstable db.t classes are not supported",
    ),
    "burstable class of the secondary": (
        _set("aurora.secondary.instance_class", "db.t3.medium"),
        "aurora.secondary.instance_class = 'db.t3.medium': a global database needs a memory-optimized class (db.r5 and "
        "later, e.g. db.r6g.large) or db.serverless; burstable db.t classes are not supported",
    ),
    "unknown key in the secondary": (
        _set("aurora.secondary.engine_version", "16.8"),
        "aurora.secondary.engine_version: unknown key (allowed: detached, instance_class, kms_key_arn, name, "
        "reader_count, region, subnets, vpc_cidr)",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_gets_one_precise_error(case: str, global_data: dict[str, Any]) -> None:
    mutate, expected = BAD_INPUTS[case]
    mutate(global_data)
    with pytest.raises(ConfigError) as raised:
        parse_config(global_data)
    assert raised.value.problems == [expected]
