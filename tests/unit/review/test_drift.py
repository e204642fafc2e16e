"""Drift in the summary: resources changed outside Terraform that the plan changes back are
named in a WARNING block (stack, address, attribute names), never their values."""

from __future__ import annotations

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


def test_drift_the_plan_leaves_alone_is_not_reported() -> None:
    # e.g. an attribute the configuration does not manage: the plan has nothing to put back
    quiet = plan(resource_drift=[change(RULE, ["update"], {"description": "a"}, {"description": "b"})])
    text = render({"peering-rosa-site-a": quiet})
    assert "Changed outside Terraform" not in text
    assert "- `peering-rosa-site-a`: no changes" in lines(text)


def test_one_drifted_resource_reads_in_the_singular() -> None:
    one = plan(change(ROUTE, ["create"], None, {}), resource_drift=[change(ROUTE, ["delete"], {}, None)])
    assert ("> **Changed outside Terraform: 1 resource** (drift since the last apply). This plan puts it back"
            " as the configuration says.") in lines(render({"peering-rosa-site-a": one}))
