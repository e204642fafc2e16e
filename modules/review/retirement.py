"""The block a retirement leads the comment with: "Retiring <cluster>".

The stacks of a retired ROSA cluster (`rosa_clusters[].retired`, `modules.retire`) plan the
destroy of everything they hold; their plans carry the `retired` output naming the
cluster (`StackPlan.retired`). The reviewer sees that first: per cluster, every resource
destroyed, stack by stack in the order the deploy applies them (`keycloak-`, `access-`,
then `peering-<name>`), and what it means for Keycloak there: it loses its database. Once
the plans of a retired cluster's stacks change nothing, a NOTE says its entry may go.
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.naming import rosa_stack_ids
from modules.review.plan import StackPlan
from modules.review.text import code


def _in_apply_order(cluster: str, stacks: list[StackPlan]) -> list[StackPlan]:
    order = rosa_stack_ids(cluster)
    return sorted(stacks, key=lambda s: (order.index(s.name) if s.name in order else len(order), s.name))


def retiring(stacks: Sequence[StackPlan]) -> list[str]:
    """A WARNING per retired cluster whose stacks destroy something, a NOTE per retired
    cluster whose stacks hold nothing any more; quoted Markdown lines, each block ending
    with an empty line; nothing without a retired cluster."""
    clusters: dict[str, list[StackPlan]] = {}
    for stack in stacks:
        if stack.retired:
            clusters.setdefault(stack.retired, []).append(stack)
    lines: list[str] = []
    for cluster, plans in clusters.items():
        plans = _in_apply_order(cluster, plans)
        if not any(plan.changes for plan in plans):
            lines += [
                "> [!NOTE]",
                f"> **{code(cluster)} is retired and its stacks hold nothing any more** "
                f"({', '.join(code(p.name) for p in plans)}): delete its entry from `rosa_clusters`.",
                "",
            ]
            continue
        destroyed = sum(plan.count("delete") for plan in plans)
        lines += [
            "> [!WARNING]",
            f"> **Retiring {code(cluster)}: {destroyed} resource{'s' if destroyed != 1 else ''} destroyed.** Keycloak in"
            f" {code(cluster)} loses its database: its way there (the peering, the routes on both sides, the 5432"
            " rule) and its credentials (its pod roles, its ServiceAccount and Secrets) go. Apply once that site serves"
            " no users; the deploy destroys the stacks in this order. Then delete the entry from `rosa_clusters`.",
        ]
        for plan in plans:
            gone = sorted(change.address for change in plan.changes if change.action == "delete")
            others = [change for change in plan.changes if change.action != "delete"]
            if not gone and not others:
                lines.append(f"> - {code(plan.name)}: holds nothing")
                continue
            lines.append(f"> - {code(plan.name)}: {len(gone)} to destroy")
            lines += [f">   - {code(address)}" for address in gone]
            lines += [f">   - {code(change.address)}: {change.action}" for change in others]
        lines.append("")
    return lines
