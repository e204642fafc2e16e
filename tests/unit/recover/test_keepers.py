"""Choosing one copy per resource from what the resources use (pure: no AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from modules.recover.keepers import Copy, attribute_value, choose_keepers
from modules.recover.stack import OutputRef, ResourceRef

VPC, SUBNET, GROUP, CLUSTER, TABLE = (
    "aws_vpc.vpc", "aws_subnet.subnet", "aws_db_subnet_group.group", "aws_rds_cluster.cluster", "aws_route_table.table",
)
PEERING = "aws_vpc_peering_connection.peering"

#: The references of a small stack, as `SynthesizedStack` reads them.
REFERENCES = {
    SUBNET: {"vpc_id": [ResourceRef(VPC, "id")]},
    TABLE: {"vpc_id": [ResourceRef(VPC, "id")]},
    GROUP: {"subnet_ids": [ResourceRef(SUBNET, "id")]},
    CLUSTER: {"db_subnet_group_name": [ResourceRef(GROUP, "name")]},
    PEERING: {"peer_vpc_id": [OutputRef("aurora-outputs", "vpc_id")]},
}


def copy(address: str, id_: str, *, in_state: bool = False, **attributes: Any) -> Copy:
    return Copy(address, id_, {"id": id_, **attributes}, "state" if in_state else "tag", in_state=in_state)


def no_outputs(ref: OutputRef) -> set[str]:
    return set()


# The case: an interrupted apply left the first network (which the database uses)
# outside the state; a second deploy put an empty second network in it.
FIRST_NETWORK_OUTSIDE_THE_STATE = {
    VPC: [copy(VPC, "vpc-2", in_state=True), copy(VPC, "vpc-1")],
    SUBNET: [copy(SUBNET, "subnet-2", in_state=True, vpc_id="vpc-2"), copy(SUBNET, "subnet-1", vpc_id="vpc-1")],
    TABLE: [copy(TABLE, "rtb-2", in_state=True, vpc_id="vpc-2"), copy(TABLE, "rtb-1", vpc_id="vpc-1")],
    GROUP: [copy(GROUP, "kc-subnet-group", name="kc-subnet-group", subnet_ids=["subnet-1"])],
    CLUSTER: [copy(CLUSTER, "kc", db_subnet_group_name="kc-subnet-group")],
}


@pytest.mark.parametrize(
    ("case", "candidates", "expected", "ambiguous"),
    [
        ("one copy is kept", {VPC: [copy(VPC, "vpc-1")]}, {VPC: "vpc-1"}, set()),
        (
            "the copies the database uses win over the state's (down: group -> subnet -> vpc; up: table -> vpc)",
            FIRST_NETWORK_OUTSIDE_THE_STATE,
            {VPC: "vpc-1", SUBNET: "subnet-1", TABLE: "rtb-1", GROUP: "kc-subnet-group", CLUSTER: "kc"},
            set(),
        ),
        (
            "an empty copy outside the state loses to the state's, which the database uses",
            {VPC: [copy(VPC, "vpc-1", in_state=True), copy(VPC, "vpc-2")],
             SUBNET: [copy(SUBNET, "subnet-1", in_state=True, vpc_id="vpc-1")]},
            {VPC: "vpc-1", SUBNET: "subnet-1"},
            set(),
        ),
        (
            "copies nothing tells apart: the state's, reported as ambiguous",
            {VPC: [copy(VPC, "vpc-a"), copy(VPC, "vpc-b", in_state=True)]},
            {VPC: "vpc-b"},
            {VPC},
        ),
        (
            "copies nothing tells apart and none in the state: the first by id, ambiguous",
            {VPC: [copy(VPC, "vpc-b"), copy(VPC, "vpc-a")]},
            {VPC: "vpc-a"},
            {VPC},
        ),
    ],
)
def test_keepers(case: str, candidates: dict[str, list[Copy]], expected: dict[str, str], ambiguous: set[str]) -> None:
    chosen = choose_keepers(candidates, REFERENCES, no_outputs)
    assert {address: choice.copy.import_id for address, choice in chosen.items()} == expected, case
    assert {address for address, choice in chosen.items() if choice.ambiguous} == ambiguous, case


def test_another_stacks_output_votes_for_the_copy_it_names() -> None:
    # A second peering from a re-run would go to the same Aurora VPC; one to another VPC loses.
    candidates = {PEERING: [copy(PEERING, "pcx-1", peer_vpc_id="vpc-other"), copy(PEERING, "pcx-2", peer_vpc_id="vpc-aurora")]}
    chosen = choose_keepers(candidates, REFERENCES, lambda ref: {"vpc-aurora"} if ref.output == "vpc_id" else set())
    assert chosen[PEERING].copy.import_id == "pcx-2" and chosen[PEERING].votes == 1


def test_choices_made_before_are_kept() -> None:
    fixed = choose_keepers({VPC: [copy(VPC, "vpc-1")]}, REFERENCES, no_outputs)
    candidates = {VPC: [copy(VPC, "vpc-1"), copy(VPC, "vpc-2", in_state=True)],
                  SUBNET: [copy(SUBNET, "subnet-2", in_state=True, vpc_id="vpc-2"), copy(SUBNET, "subnet-1", vpc_id="vpc-1")]}
    chosen = choose_keepers(candidates, REFERENCES, no_outputs, fixed=fixed)
    assert chosen[VPC].copy.import_id == "vpc-1" and chosen[SUBNET].copy.import_id == "subnet-1"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("id", "kc"),
        ("master_user_secret[0].secret_arn", "arn:secret"),
        ("master_user_secret[1].secret_arn", None),
        ("missing.deeper", None),
    ],
)
def test_attribute_paths(path: str, expected: Any) -> None:
    attributes = {"id": "kc", "master_user_secret": [{"secret_arn": "arn:secret"}]}
    assert attribute_value(attributes, path) == expected
