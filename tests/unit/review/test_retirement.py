"""The plan review of a retirement: the comment leads with "Retiring <cluster>", naming every
resource its stacks destroy, stack by stack in the order the deploy applies them, and what
Keycloak there loses; once they hold nothing, a note says the entry may go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modules.review.fit import render
from modules.review.markdown import MARKER
from modules.review.plan import retired_cluster, stack_plan

FIXTURES = Path(__file__).parent / "fixtures"
ROLE = "aws_iam_role.keycloak-role_2B28C24F"
POLICY = "aws_iam_role_policy.keycloak-role_policy_AFB308EB"
CONNECTION = "aws_vpc_peering_connection.peering_connection_3C3B9B4A"
ROUTE = 'aws_route.peering_route-to-aurora_FAB375FE["rtb-1"]'


def destroyed(address: str) -> dict[str, Any]:
    resource_type, name = address.split("[")[0].split(".", 1)
    return {"address": address, "mode": "managed", "type": resource_type, "name": name,
            "action_reason": "delete_because_no_resource_config",
            "change": {"actions": ["delete"], "before": {"id": "x"}, "after": None, "after_unknown": {}}}


def retired_plan(cluster: str, *changes: dict[str, Any]) -> dict[str, Any]:
    """A retired stack's plan as `terraform show -json` writes it: its one output names the cluster."""
    return {
        "format_version": "1.2",
        "resource_changes": list(changes),
        "output_changes": {"retired": {"actions": ["create"]}} if changes else {},
        "planned_values": {"outputs": {"retired": {"value": cluster, "type": "string"}}},
        "configuration": {"root_module": {"outputs": {"retired": {"expression": {"constant_value": cluster}}}}},
    }


def live_plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "resource_changes": list(changes)}


def test_a_plan_names_the_retired_cluster_from_its_output() -> None:
    assert retired_cluster(retired_plan("rosa-old")) == "rosa-old"
    assert retired_cluster({"planned_values": {"outputs": {"retired": {"value": "rosa-old"}}}}) == "rosa-old"
    assert retired_cluster(live_plan()) is None
    assert stack_plan("peering-rosa-old", retired_plan("rosa-old", destroyed(CONNECTION))).retired == "rosa-old"


def test_the_comment_leads_with_the_retirement_naming_every_resource_destroyed() -> None:
    # GIVEN the plans of a deployment retiring rosa-old, in the runner's (manifest) order
    plans = {
        "access-rosa-old": retired_plan("rosa-old", destroyed(ROLE), destroyed(POLICY)),
        "aurora": live_plan(),
        "keycloak-rosa-old": retired_plan("rosa-old"),
        "peering-rosa-old": retired_plan("rosa-old", destroyed(ROUTE), destroyed(CONNECTION)),
        "peering-rosa-new": live_plan(),
    }

    lines = render(plans).splitlines()

    # THEN right after the heading, the warning: the cluster, what Keycloak loses, and every
    # resource per stack in the order the deploy applies them (keycloak, access, peering)
    assert lines[:3] == [MARKER, "## Terraform plan: 5 stacks, 2 with changes", ""]
    assert lines[3:14] == [
        "> [!WARNING]",
        "> **Retiring `rosa-old`: 4 resources destroyed.** Keycloak in `rosa-old` loses its database: its way there"
        " (the peering, the routes on both sides, the 5432 rule) and its credentials (its pod roles, its"
        " ServiceAccount and Secrets) go. Apply once that site serves no users; the deploy destroys the stacks in"
        " this order. Then delete the entry from `rosa_clusters`.",
        "> - `keycloak-rosa-old`: holds nothing",
        "> - `access-rosa-old`: 2 to destroy",
        f">   - `{ROLE}`",
        f">   - `{POLICY}`",
        "> - `peering-rosa-old`: 2 to destroy",
        f">   - `{ROUTE}`",
        f">   - `{CONNECTION}`",
        "",
        "> [!CAUTION]",
    ]
    # AND the data-at-risk caution still lists the peering and its route (the safety net stays)
    assert f"> - `peering-rosa-old`: `{CONNECTION}` will be **destroyed** (removed from the configuration)" in lines
    # AND the pod roles going are the retirement's, not a change of Keycloak's credentials
    assert not any("credentials change" in line for line in lines)


def test_a_live_stacks_pod_role_change_still_warns_of_a_credentials_change() -> None:
    text = render({"access-rosa-old": retired_plan("rosa-old", destroyed(ROLE)),
                   "access-rosa-new": live_plan(destroyed("aws_iam_role.secrets-reader-role_1A2B3C4D"))})
    assert "> - `access-rosa-new`: `aws_iam_role.secrets-reader-role_1A2B3C4D` destroyed" in text.splitlines()
    assert f"> - `access-rosa-old`: `{ROLE}` destroyed" not in text.splitlines()


def test_once_its_stacks_hold_nothing_a_note_says_the_entry_may_go() -> None:
    text = render({"keycloak-rosa-old": retired_plan("rosa-old"), "access-rosa-old": retired_plan("rosa-old"),
                   "peering-rosa-old": retired_plan("rosa-old"), "aurora": live_plan()})
    lines = text.splitlines()
    assert lines[3:7] == [
        "> [!NOTE]",
        "> **`rosa-old` is retired and its stacks hold nothing any more** (`keycloak-rosa-old`, `access-rosa-old`,"
        " `peering-rosa-old`): delete its entry from `rosa_clusters`.",
        "",
        "No resource that holds or reaches the data would be destroyed or replaced.",
    ]
    assert "Retiring" not in text


def test_without_a_retired_cluster_there_is_no_such_block() -> None:
    text = render({"aurora": live_plan(), "peering-a": live_plan(destroyed(CONNECTION))})
    assert "Retiring" not in text and "is retired" not in text


def test_the_real_plans_of_a_retirement() -> None:
    # `terraform show -json` of the retirement of the cross-account cluster on moto (the
    # end-to-end scenario of tests/e2e/test_teardown.py), trimmed to what the review reads
    plans = {stack: json.loads((FIXTURES / f"retire-{stack}.plan.json").read_text())
             for stack in ("access-rosa-partner", "peering-rosa-partner")}
    lines = render(plans).splitlines()
    assert lines[3:5] == [
        "> [!WARNING]",
        "> **Retiring `rosa-partner`: 10 resources destroyed.** Keycloak in `rosa-partner` loses its database: its"
        " way there (the peering, the routes on both sides, the 5432 rule) and its credentials (its pod roles, its"
        " ServiceAccount and Secrets) go. Apply once that site serves no users; the deploy destroys the stacks in"
        " this order. Then delete the entry from `rosa_clusters`.",
    ]
    listed = [line for line in lines if line.startswith(">   - ")]
    assert listed == [f">   - `{rc['address']}`" for stack in plans.values() for rc in stack["resource_changes"]]
    assert {rc["change"]["actions"][0] for stack in plans.values() for rc in stack["resource_changes"]} == {"delete"}
    assert "> - `peering-rosa-partner`: 6 to destroy" in lines
