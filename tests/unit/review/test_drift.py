"""Drift in the summary: resources changed outside Terraform that the plan changes back are
named in a WARNING block (stack, address, attribute names), never their values."""

from __future__ import annotations

import pytest

from modules.review.fit import render
from tests.unit.review.test_summary import change, lines, plan

ROUTE = "aws_route.peering_route-to-rosa_EBF66097"
RULE = "aws_vpc_security_group_ingress_rule.peering_postgresql-ingress_C43FD64B"
HEADING = "> **Changed outside Terraform: 2 resources** (drift since the last apply). This plan puts them back as the configuration says."


def drifted_peering() -> dict:
    """The return route deleted in the console, the 5432 rule's description edited; the plan
    recreates the one and updates the other."""
    return plan(
        change(ROUTE, ["create"], None, {"destination_cidr_block": "10.0.0.0/16"}),
        change(RULE, ["update"], {"description": "edited"}, {"description": "Keycloak"}),
        resource_drift=[
            change(ROUTE, ["delete"], {"destination_cidr_block": "10.0.0.0/16"}, None),
            change(RULE, ["update"], {"description": "Keycloak"}, {"description": "edited"}),
        ],
    )


def test_each_drifted_resource_is_named_with_what_happened_to_it() -> None:
    text = render({"aurora": plan(), "peering-rosa-site-a": drifted_peering()})
    out = lines(text)
    start = out.index(HEADING)
    assert out[start - 1] == "> [!WARNING]"
    assert out[start + 1: start + 3] == [
        f"> - `peering-rosa-site-a`: `{ROUTE}` was deleted",
        f"> - `peering-rosa-site-a`: `{RULE}` was changed: `description`",
    ]
    assert "edited" not in text  # names only
    assert text.index(HEADING) < text.index("**Changes per stack**")
    assert f"| `{ROUTE}` | create |  |" in out


ROLE = "aws_iam_role.aurora_monitoring-role_DB848809"


@pytest.mark.parametrize(
    ("drift", "planned"),
    [
        # an attribute the configuration does not set: the plan has nothing to put back
        (change(RULE, ["update"], {"description": "a"}, {"description": "b"}), []),
        # the plan updates the resource, but not what changed outside
        (change(RULE, ["update"], {"tags": {}}, {"tags": {"x": "y"}}),
         [change(RULE, ["update"], {"description": "a"}, {"description": "b"})]),
        # a value read back differently, on a resource a rename replaces anyway
        (change(ROLE, ["update"], {"max_session_duration": 3600}, {"max_session_duration": 7200}),
         [change(ROLE, ["delete", "create"], {"name": "kc-old"}, {"name": "kc-new"}, replace_paths=[["name"]])]),
    ],
    ids=["not-managed", "other-attribute", "replaced-for-another-reason"],
)
def test_drift_the_plan_does_not_put_back_is_not_reported(drift: dict, planned: list[dict]) -> None:
    text = render({"aurora": plan(*planned, resource_drift=[drift])})
    assert "Changed outside Terraform" not in text


def test_a_replacement_forced_by_what_changed_outside_is_drift_put_back() -> None:
    drifted = plan(
        change(ROLE, ["delete", "create"], {"name": "edited"}, {"name": "kc"}, replace_paths=[["name"]]),
        resource_drift=[change(ROLE, ["update"], {"name": "kc", "tags": {}}, {"name": "edited", "tags": {"a": "b"}})],
    )
    assert f"> - `aurora`: `{ROLE}` was changed: `name`" in lines(render({"aurora": drifted}))


def test_one_drifted_resource_reads_in_the_singular() -> None:
    one = plan(change(ROUTE, ["create"], None, {}), resource_drift=[change(ROUTE, ["delete"], {}, None)])
    assert ("> **Changed outside Terraform: 1 resource** (drift since the last apply). This plan puts it back"
            " as the configuration says.") in lines(render({"peering-rosa-site-a": one}))
