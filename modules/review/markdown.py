"""The pull-request comment, in Markdown, from the plans of every stack.

Input: one `terraform show -json <planfile>` document per stack. Output, in this order:

1. a stable marker line (`MARKER`), so a workflow finds and updates one comment;
   then, for each retired ROSA cluster, a WARNING "Retiring <cluster>" naming every
   resource its stacks destroy (`modules.review.retirement`);
2. a NOTE naming the stacks not planned because a stack they depend on holds nothing yet
   (before the first deploy) or failed (`waiting`), then a CAUTION block for every stack
   whose plan failed (`--failed`, or a plan JSON with
   `errored: true`: `terraform plan -out` saves a failed plan too, Terraform 1.11 does,
   and its partial changes are still summarized, so the reviewer sees what was refused);
3. a CAUTION block when a resource that holds or reaches the data (`DATA_RESOURCE_TYPES`)
   would be destroyed or replaced, one line per resource naming stack, address and the
   attribute paths forcing the replacement (the plan's `replace_paths`), else one line
   saying nothing of the kind happens; then a WARNING block for each kind of risky change
   a reviewer must act on (`modules.review.notices`), e.g. a new master password, which
   Keycloak only learns when its stacks are applied too, or resources changed outside
   Terraform (drift) that the plan puts back;
4. per stack the counts to add, change, replace, destroy (or "no changes");
5. per stack with changes a table: address, action, and for updates and replacements the
   names of the changed top-level attributes;
6. optionally the topology diagram (`modules.review.topology`).

Attribute *values* are never printed, sensitive or not: only names, and `(sensitive)`
after a name the plan marks sensitive (`before_sensitive` / `after_sensitive`).
Replacements are counted once, under "replace" (Terraform's own "Plan:" line counts
each as one add and one destroy).

`compose` writes the comment leaving out what `Cuts` names; `modules.review.fit` decides
what to cut so that it stays under GitHub's comment limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from modules.review.notices import NOTICES
from modules.review.plan import DATA_RANK, ResourceChange, StackPlan
from modules.review.retirement import retiring
from modules.review.text import code

#: First line of every comment; a workflow updates the comment that contains it.
MARKER = "<!-- keycloak-aurora-plan-summary -->"

#: GitHub's limit on the body of an issue or pull-request comment.
GITHUB_COMMENT_LIMIT = 65_536

# Table rows, most important first; rows are cut from the end of this order.
_ACTION_RANK = {"replace": 0, "delete": 1, "update": 2, "forget": 3, "import": 4, "create": 5}
_ACTION_WORDS = {
    "create": "create",
    "update": "update",
    "replace": "**replace**",
    "delete": "**destroy**",
    "forget": "forget (stays in AWS)",
    "import": "import",
}



def counts_line(stack: StackPlan, *, failed: bool = False) -> str:
    """`- `aurora`: 1 to add, 0 to change, 0 to replace, 0 to destroy` or `- `aurora`: no changes`;
    for a `failed` plan (default no) `- `aurora`: **plan failed**; planned before failing: ...`."""
    if failed:
        return f"- {code(stack.name)}: **plan failed**" + (
            "; planned before failing: " + counts_line(stack).split(": ", 1)[1] if stack.changes else ""
        )
    if not stack.changes:
        text = "no changes" if not stack.outputs else "no resource changes"
    else:
        parts = [
            f"{stack.count('create')} to add",
            f"{stack.count('update')} to change",
            f"{stack.count('replace')} to replace",
            f"{stack.count('delete')} to destroy",
        ]
        if stack.imports:
            parts.append(f"{stack.imports} to import")
        if stack.count("forget"):
            parts.append(f"{stack.count('forget')} to forget")
        text = ", ".join(parts)
    if stack.outputs:
        text += "; outputs change: " + ", ".join(code(o) for o in stack.outputs)
    return f"- {code(stack.name)}: {text}"


def warning_line(stack: str, change: ResourceChange) -> str:
    """One data-at-risk line (without the `> ` quote prefix), e.g.
    ``- `aurora`: `aws_rds_cluster.x` will be **replaced**, forced by `cluster_identifier` ``."""
    verb = "**replaced**" if change.action == "replace" else "**destroyed**"
    line = f"- {code(stack)}: {code(change.address)} will be {verb}"
    if change.replace_paths:
        line += ", forced by " + ", ".join(code(p) for p in change.replace_paths)
    elif change.reason:
        line += f" ({change.reason})"
    return line


def _attributes_cell(change: ResourceChange) -> str:
    """Changed attribute names, forcing ones and sensitive ones marked; never values."""
    forcing = {re.split(r"[.\[]", path, maxsplit=1)[0] for path in change.replace_paths}
    cells = []
    for name in change.attributes:
        notes = [note for note, on in (("forces replacement", name in forcing), ("sensitive", name in change.sensitive))
                 if on]
        cells.append(code(name, in_table=True) + (f" ({', '.join(notes)})" if notes else ""))
    return ", ".join(cells)


def table_row(change: ResourceChange) -> str:
    """`| `address` | action | changed attributes |`."""
    action = _ACTION_WORDS[change.action]
    if change.action == "replace" and change.create_first:
        action += " (create first)"
    if change.importing and change.action != "import":
        action = f"import, {action}"
    if change.reason and change.destructive and not change.replace_paths:
        action += f" ({change.reason})"
    return f"| {code(change.address, in_table=True)} | {action} | {_attributes_cell(change)} |"


def _importance(change: ResourceChange) -> tuple[int, int, str]:
    """Sort key, most important first: data at risk by `DATA_RESOURCE_TYPES` order, then
    the action (replace, destroy, update, forget, import, create), then the address."""
    risk = DATA_RANK[change.type] if change.at_risk else len(DATA_RANK)
    return (risk, _ACTION_RANK[change.action], change.address)


def ordered_rows(stack: StackPlan) -> list[ResourceChange]:
    """Table rows, most important first (`_importance`)."""
    return sorted(stack.changes, key=_importance)


@dataclass
class Cuts:
    """What is left out to fit the size budget; empty means nothing."""

    tables: list[str] = field(default_factory=list)  # stacks whose table is left out
    topology: bool = False
    rows_kept: dict[str, int] = field(default_factory=dict)  # stack -> rows kept
    warnings_kept: int | None = None
    hard_cut: bool = False

    def any(self) -> bool:
        return bool(self.tables or self.topology or self.rows_kept or self.warnings_kept is not None or self.hard_cut)


@dataclass(frozen=True)
class SummaryModel:
    stacks: tuple[StackPlan, ...]
    failed: tuple[str, ...]
    topology: str | None
    #: (stack, the dependencies it waits for) of every stack not planned because of them.
    waiting: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def with_changes(self) -> list[StackPlan]:
        return [s for s in self.stacks if s.changes]

    @property
    def at_risk(self) -> list[tuple[str, ResourceChange]]:
        """(stack, change) of every resource at risk, most critical type first."""
        found = [(s.name, c) for s in self.stacks for c in s.changes if c.at_risk]
        return sorted(found, key=lambda item: (_importance(item[1]), item[0]))



def _waiting_block(waiting: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
    if not waiting:
        return []
    by_dependencies: dict[tuple[str, ...], list[str]] = {}
    for stack, dependencies in waiting:
        by_dependencies.setdefault(dependencies, []).append(stack)
    parts = [
        f"{', '.join(code(s) for s in stacks)} wait{'s' if len(stacks) == 1 else ''} for "
        + " and ".join(code(d) for d in dependencies)
        for dependencies, stacks in by_dependencies.items()
    ]
    return [
        "> [!NOTE]",
        f"> **Not planned yet: {'; '.join(parts)}.** They read outputs of the stacks they wait for, which"
        " hold nothing yet (they are deployed for the first time by this change) or could not be planned."
        " Once those are deployed (`make deploy STACKS=<stack>`), the next plan includes them.",
        "",
    ]


def _failure_block(failed: Sequence[str]) -> list[str]:
    if not failed:
        return []
    names = ", ".join(code(name) for name in failed)
    return [
        "> [!CAUTION]",
        f"> **The plan failed for {names}.** What this comment shows of {'them' if len(failed) > 1 else 'it'}"
        " is incomplete at best; read the job log.",
        "> A plan fails this way, for example, when it would destroy or replace a resource under"
        " `prevent_destroy` (the database, its instances and its key while `aurora.deletion_protection` is on).",
        "",
    ]


def _warning_block(model: SummaryModel, cuts: Cuts) -> list[str]:
    risky = model.at_risk
    if not risky:
        unsure = " by the plans that succeeded" if model.failed else ""
        return [f"No resource that holds or reaches the data would be destroyed or replaced{unsure}.", ""]
    n = len(risky)
    lines = [
        "> [!CAUTION]",
        f"> **Data at risk: {n} resource{'s' if n != 1 else ''} holding or reaching the data would be"
        " destroyed or replaced.** A replaced cluster or instance is a new, empty database or an outage;"
        " a replaced network, peering, route or rule cuts Keycloak off from it.",
    ]
    kept = risky if cuts.warnings_kept is None else risky[: cuts.warnings_kept]
    lines += ["> " + warning_line(stack, change) for stack, change in kept]
    if len(kept) < n:
        lines.append(f"> - ... and {n - len(kept)} more (left out to fit the comment limit)")
    return lines + [""]


def _cut_note(model: SummaryModel, cuts: Cuts) -> list[str]:
    if not cuts.any():
        return []
    rows = {s.name: len(s.changes) for s in model.stacks}
    parts = []
    if cuts.tables:
        parts.append(
            "the resource tables of " + ", ".join(f"{code(name)} ({rows[name]} rows)" for name in cuts.tables)
        )
    if cuts.topology:
        parts.append("the topology diagram")
    for name, kept in cuts.rows_kept.items():
        parts.append(f"{rows[name] - kept} of {rows[name]} rows of the table of {code(name)} (the least risky)")
    if cuts.warnings_kept is not None:
        parts.append(f"{len(model.at_risk) - cuts.warnings_kept} data-at-risk lines")
    if cuts.hard_cut:
        parts.append("the end of this comment")
    return [
        "> [!NOTE]",
        f"> **Shortened to fit GitHub's {GITHUB_COMMENT_LIMIT:,}-character comment limit.** Left out: "
        + "; ".join(parts)
        + ". `terraform show` of the plan files shows everything.",
        "",
    ]


def _table(stack: StackPlan, cuts: Cuts) -> list[str]:
    lines = [f"### {code(stack.name)}", ""]
    if stack.name in cuts.tables:
        return lines + [f"_Resource table left out to fit the comment limit ({len(stack.changes)} rows)._", ""]
    rows = ordered_rows(stack)
    kept = rows[: cuts.rows_kept.get(stack.name, len(rows))]
    lines += ["| resource | action | changed attributes |", "|---|---|---|", *(table_row(c) for c in kept)]
    if len(kept) < len(rows):
        lines.append(f"| ... {len(rows) - len(kept)} more rows left out to fit the comment limit | | |")
    return lines + [""]


def compose(model: SummaryModel, cuts: Cuts) -> str:
    planned = {stack.name for stack in model.stacks}
    unplanned = [name for name in model.failed if name not in planned]
    total = len(model.stacks) + len(unplanned) + len(model.waiting)
    lines = [
        MARKER,
        f"## Terraform plan: {total} stack{'s' if total != 1 else ''}, {len(model.with_changes)} with changes",
        "",
        *retiring(model.stacks),
        *_waiting_block(model.waiting),
        *_failure_block(model.failed),
        *_warning_block(model, cuts),
        *(line for notice in NOTICES for line in notice(model.stacks)),
        *_cut_note(model, cuts),
        "**Changes per stack** (a replacement counts once, under replace):",
        "",
        *(counts_line(stack, failed=stack.name in model.failed) for stack in model.stacks),
        *(f"- {code(name)}: **plan failed**" for name in unplanned),
        *(f"- {code(name)}: not planned, waits for {', '.join(code(d) for d in deps)}" for name, deps in model.waiting),
        "",
    ]
    for stack in model.with_changes:
        lines += _table(stack, cuts)
    if model.topology and not cuts.topology:
        lines += ["<details><summary>Topology</summary>", "", model.topology.rstrip("\n"), "", "</details>", ""]
    return "\n".join(lines)
