"""The stacks of a retired ROSA cluster (`rosa_clusters[].retired: true`): the same state and
providers as when live, nothing to look up, nothing to keep, applied dependants first; and
nothing else of the deployment changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from modules.naming import RETIRED_OUTPUT
from modules.run.stacks import dependency_order, read_manifest
from tests.conftest import Synth, synth_stacks

PARTNER_ROLE = "arn:aws:iam::222222222222:role/keycloak-aurora-peering"
RETIRED = ("keycloak-rosa-site-b", "access-rosa-site-b", "peering-rosa-site-b")


def with_site_b(config_data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The example with rosa-site-b (its second cluster) in another account and region, changed by `changes`."""
    data = copy.deepcopy(config_data)
    data["rosa_clusters"][1].update(region="us-east-1", role_arn=PARTNER_ROLE, **changes)
    return data


@pytest.fixture
def live(synth: Synth, config_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return synth(with_site_b(config_data))


@pytest.fixture
def retired(synth: Synth, config_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return synth(with_site_b(config_data, retired=True))


def test_the_same_stacks_are_synthesized(live: dict[str, Any], retired: dict[str, Any]) -> None:
    assert sorted(retired) == sorted(live)


@pytest.mark.parametrize("stack", RETIRED)
def test_a_retired_stack_keeps_its_state_and_providers_and_holds_nothing(
    live: dict[str, Any], retired: dict[str, Any], stack: str
) -> None:
    # THEN its state is the one the live stack used, so Terraform plans the destroy of what it holds
    assert retired[stack]["terraform"]["backend"] == live[stack]["terraform"]["backend"]
    # AND its providers are the live stack's (the same aliases, regions and role): each
    # resource in the state is destroyed through the provider that made it
    assert retired[stack]["provider"] == live[stack]["provider"]
    assert retired[stack]["terraform"]["required_providers"] == live[stack]["terraform"]["required_providers"]
    # AND it declares nothing to create or look up: no resource, no data source (the ROSA VPC
    # may be gone), no remote state read, no import, no removed block
    assert set(retired[stack]) == {"//", "output", "provider", "terraform"}
    # AND its one output names the cluster (the plan review and the state say it is retired)
    assert list(retired[stack]["output"]) == [RETIRED_OUTPUT]
    assert retired[stack]["output"][RETIRED_OUTPUT]["value"] == "rosa-site-b"


def test_the_cross_account_peering_still_reaches_both_accounts(retired: dict[str, Any]) -> None:
    providers = retired["peering-rosa-site-b"]["provider"]["aws"]
    rosa_side, aurora_side = providers
    assert rosa_side["region"] == "us-east-1" and rosa_side["assume_role"] == [{"role_arn": PARTNER_ROLE}]
    assert aurora_side == {"alias": "aurora", "region": "eu-west-1"}


def test_nothing_else_of_the_deployment_changes(live: dict[str, Any], retired: dict[str, Any]) -> None:
    # The database and the other cluster: byte for byte what they were (their addresses too)
    for stack in set(live) - set(RETIRED):
        assert json.dumps(retired[stack], sort_keys=True) == json.dumps(live[stack], sort_keys=True), stack


def test_the_deploy_applies_them_dependants_first(config_data: dict[str, Any], tmp_path: Path) -> None:
    # WHEN the app of a config with rosa-site-b retired is synthesized
    synth_stacks(with_site_b(config_data, retired=True), tmp_path / "out")
    stacks = read_manifest(tmp_path / "out")

    # THEN the manifest orders rosa-site-b's stacks the other way round: keycloak, access,
    # peering, each after aurora, so `make deploy` and `cdktf deploy '*'` run them so
    assert set(stacks["keycloak-rosa-site-b"].dependencies) == {"aurora"}
    assert set(stacks["access-rosa-site-b"].dependencies) == {"aurora", "keycloak-rosa-site-b"}
    assert set(stacks["peering-rosa-site-b"].dependencies) == {"aurora", "keycloak-rosa-site-b", "access-rosa-site-b"}
    order = dependency_order(stacks, list(stacks))
    assert [name for name in order if name.endswith("site-b")] == list(RETIRED)
    assert order.index("aurora") < order.index("keycloak-rosa-site-b")
    # AND the live cluster keeps its order: peering and access before keycloak
    assert order.index("peering-rosa-site-a") < order.index("keycloak-rosa-site-a")
    assert order.index("access-rosa-site-a") < order.index("keycloak-rosa-site-a")
    # AND a destroy of everything (the reverse) empties the retired stacks before the database
    assert order[::-1].index("aurora") == len(order) - 1


def test_without_pod_roles_there_is_no_access_stack_to_retire(synth: Synth, config_data: dict[str, Any]) -> None:
    data = with_site_b(config_data, retired=True)
    data["keycloak"] = {"credentials": "copy"}
    data["aurora"]["master_password"] = "managed"
    stacks = synth(data)
    assert "access-rosa-site-b" not in stacks
    assert list(stacks["peering-rosa-site-b"]["output"]) == [RETIRED_OUTPUT]
    assert list(stacks["keycloak-rosa-site-b"]["output"]) == [RETIRED_OUTPUT]
