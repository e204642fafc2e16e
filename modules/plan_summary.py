"""Markdown for a pull-request comment from the Terraform plans of every stack.

Input: one `terraform show -json <planfile>` document per stack. Output, in this order:

1. a stable marker line (`MARKER`), so a workflow finds and updates one comment;
2. a CAUTION block for every stack whose plan failed (`--failed`, or a plan JSON with
   `errored: true`: `terraform plan -out` saves a failed plan too, Terraform 1.11 does,
   and its partial changes are still summarized, so the reviewer sees what was refused);
3. a CAUTION block when a resource that holds or reaches the data (`DATA_RESOURCE_TYPES`)
   would be destroyed or replaced, one line per resource naming stack, address and the
   attribute paths forcing the replacement (the plan's `replace_paths`), else one line
   saying nothing of the kind happens; then a WARNING block when an update gives the
   cluster's master user a new password (`PASSWORD_ATTRIBUTES`), which Keycloak only
   learns when its stacks are applied too;
4. per stack the counts to add, change, replace, destroy (or "no changes");
5. per stack with changes a table: address, action, and for updates and replacements the
   names of the changed top-level attributes;
6. optionally the topology diagram (`modules.topology`).

Attribute *values* are never printed, sensitive or not: only names, and `(sensitive)`
after a name the plan marks sensitive (`before_sensitive` / `after_sensitive`).
Replacements are counted once, under "replace" (Terraform's own "Plan:" line counts
each as one add and one destroy).

The comment stays under GitHub's 65,536-character limit (`DEFAULT_MAX_CHARS`, counted
in UTF-8 bytes, an upper bound of what GitHub counts). When too long, parts are cut in
this order, and a note says what was cut: the resource tables of the least risky stacks
(all but the riskiest stack's), the topology diagram, rows of the remaining table (least
risky rows first), data-at-risk lines beyond the first ones, and as a last resort the
tail of the text.

CLI::

    python -m modules.plan_summary PLAN_JSON... [--config CONFIG_YAML] [--output FILE]
                                   [--failed STACK]... [--max-chars N]

Each PLAN_JSON is named `<stack>.json`; the stack name is the file stem.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.config import ConfigError

#: First line of every comment; a workflow updates the comment that contains it.
MARKER = "<!-- keycloak-aurora-plan-summary -->"

#: GitHub's limit on the body of an issue or pull-request comment.
GITHUB_COMMENT_LIMIT = 65_536

#: Default size budget, in UTF-8 bytes: the GitHub limit minus room for a workflow's additions.
DEFAULT_MAX_CHARS = 64_000

#: Resource types that hold the data or are the path to it, most critical first (the
#: order of the warning lines): destroying or replacing one loses the database, its key
#: or secret, or cuts Keycloak off from it.
DATA_RESOURCE_TYPES = (
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_kms_key",
    "aws_secretsmanager_secret",
    "aws_db_subnet_group",
    "aws_vpc",
    "aws_subnet",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_route",
    "aws_vpc_security_group_ingress_rule",
)
_DATA_RANK = {resource_type: rank for rank, resource_type in enumerate(DATA_RESOURCE_TYPES)}

#: `aws_rds_cluster` attributes whose update gives the master user a new password: a new
#: variable value, or a switch between the RDS-managed secret and the variable (turning
#: management off also makes RDS delete the secret it managed).
PASSWORD_ATTRIBUTES = ("manage_master_user_password", "master_password")

# Readable words for the plan JSON's `action_reason` of a destroy or replacement.
_REASONS = {
    "replace_because_tainted": "the object is tainted",
    "replace_by_request": "replacement requested (-replace)",
    "replace_by_triggers": "replace_triggered_by",
    "delete_because_no_resource_config": "removed from the configuration",
    "delete_because_no_module": "its module was removed",
    "delete_because_wrong_repetition": "count/for_each changed",
    "delete_because_count_index": "count index out of range",
    "delete_because_each_key": "for_each key removed",
    "delete_because_no_move_target": "moved target does not exist",
}

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


# --- reading plans ------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceChange:
    """One managed resource that a plan changes. Holds names only, never values."""

    address: str
    type: str
    action: str  # create, update, replace, delete, forget or import (a no-op import)
    create_first: bool = False  # a replacement that creates before it destroys
    importing: bool = False
    attributes: tuple[str, ...] = ()  # changed top-level attributes (update, replace)
    sensitive: frozenset[str] = frozenset()  # of `attributes`, those marked sensitive
    replace_paths: tuple[str, ...] = ()  # attribute paths forcing a replacement
    reason: str | None = None  # the plan's action_reason, in words

    @property
    def destructive(self) -> bool:
        """True when the current object is destroyed (a destroy or a replacement)."""
        return self.action in ("delete", "replace")

    @property
    def at_risk(self) -> bool:
        """True when a resource that holds or reaches the data is destroyed or replaced."""
        return self.destructive and self.type in _DATA_RANK

    @property
    def password_attributes(self) -> tuple[str, ...]:
        """The `PASSWORD_ATTRIBUTES` an update of the cluster changes; empty otherwise."""
        if self.action != "update" or self.type != "aws_rds_cluster":
            return ()
        return tuple(name for name in PASSWORD_ATTRIBUTES if name in self.attributes)


@dataclass(frozen=True)
class StackPlan:
    """What one stack's plan changes: resource changes and the names of changed outputs."""

    name: str
    changes: tuple[ResourceChange, ...] = ()
    outputs: tuple[str, ...] = ()
    errored: bool = False

    def count(self, action: str) -> int:
        """Resources with `action` (create, update, replace, delete, forget)."""
        return sum(1 for change in self.changes if change.action == action)

    @property
    def imports(self) -> int:
        return sum(1 for change in self.changes if change.importing)

    @property
    def risk(self) -> tuple[int, int, int, int]:
        """Sort key, riskier is larger: data at risk, destroys, updates, the rest."""
        return (
            sum(change.at_risk for change in self.changes),
            sum(change.destructive for change in self.changes),
            self.count("update"),
            len(self.changes),
        )


def _contains_true(marks: Any) -> bool:
    """True if a sensitivity/unknown mark tree (bools, lists, dicts) has any `true`."""
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_contains_true(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_contains_true(v) for v in marks)
    return False


def _mark(marks: Any, name: str) -> Any:
    """The mark tree of top-level attribute `name` (`true` marks the whole object)."""
    if marks is True:
        return True
    return marks.get(name) if isinstance(marks, dict) else None


def format_path(path: Sequence[Any]) -> str:
    """An attribute path of the plan JSON as text: `["a", 0, "b"]` -> `a[0].b`, map keys as `["k"]`."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", str(step)):
            out += f".{step}" if out else str(step)
        else:
            out += f"[{json.dumps(str(step))}]"
    return out


def changed_attributes(
    change: Mapping[str, Any], *, replacement: bool = False
) -> tuple[tuple[str, ...], frozenset[str]]:
    """(names, sensitive names) of the top-level attributes that `change` changes.

    An attribute changes when it forces a replacement (`replace_paths`), or when its
    before and after values differ or its new value is known only after apply. For a
    `replacement` (default no) only new values that are set and known count: the new
    object leaves every unset attribute null and every computed one (id, arn, endpoint,
    ...) unknown, which says nothing. Values are compared, never returned.
    """
    forcing = {str(path[0]) for path in change.get("replace_paths") or [] if path}
    before = change.get("before") if isinstance(change.get("before"), dict) else {}
    after = change.get("after") if isinstance(change.get("after"), dict) else {}
    unknown = change.get("after_unknown")
    names = set(before) | set(after) | (set(unknown) if isinstance(unknown, dict) else set()) | forcing

    def changes(name: str) -> bool:
        if name in forcing:
            return True
        if _contains_true(_mark(unknown, name)):
            return not replacement
        if replacement and after.get(name) is None:
            return False
        return before.get(name) != after.get(name)

    changed = sorted(filter(changes, names))
    sensitive = frozenset(
        name
        for name in changed
        if _contains_true(_mark(change.get("before_sensitive"), name))
        or _contains_true(_mark(change.get("after_sensitive"), name))
    )
    return tuple(changed), sensitive


def _action(actions: Sequence[str], importing: bool) -> str | None:
    """The one action word of a plan's `actions` list; None for no-op and read."""
    kinds = set(actions)
    if "delete" in kinds and "create" in kinds:
        return "replace"
    if "delete" in kinds:
        return "delete"
    if "forget" in kinds:
        return "forget"
    if "create" in kinds:
        return "create"
    if "update" in kinds:
        return "update"
    return "import" if importing else None


def resource_change(entry: Mapping[str, Any]) -> ResourceChange | None:
    """A `resource_changes[]` entry as a `ResourceChange`; None for data sources and no-ops."""
    if entry.get("mode", "managed") != "managed":
        return None
    change = entry.get("change") or {}
    actions = list(change.get("actions") or [])
    importing = bool(change.get("importing"))
    action = _action(actions, importing)
    if action is None:
        return None
    attributes, sensitive = (
        changed_attributes(change, replacement=action == "replace")
        if action in ("update", "replace")
        else ((), frozenset())
    )
    return ResourceChange(
        address=str(entry.get("address", "?")),
        type=str(entry.get("type", "?")),
        action=action,
        create_first=actions[:1] == ["create"] and action == "replace",
        importing=importing,
        attributes=attributes,
        sensitive=sensitive,
        replace_paths=tuple(sorted({format_path(p) for p in change.get("replace_paths") or [] if p})),
        reason=_REASONS.get(str(entry.get("action_reason", ""))),
    )


def stack_plan(name: str, plan: Mapping[str, Any]) -> StackPlan:
    """A `StackPlan` from the `terraform show -json` document of stack `name`."""
    if not isinstance(plan, Mapping) or "format_version" not in plan:
        raise ValueError(f"{name}: not a `terraform show -json` plan document (no format_version)")
    changes = [resource_change(entry) for entry in plan.get("resource_changes") or []]
    outputs = sorted(
        output
        for output, body in (plan.get("output_changes") or {}).items()
        if set((body or {}).get("actions") or ["no-op"]) - {"no-op", "read"}
    )
    return StackPlan(
        name=name,
        changes=tuple(c for c in changes if c is not None),
        outputs=tuple(outputs),
        errored=bool(plan.get("errored")),
    )


# --- Markdown pieces ----------------------------------------------------------------


def code(text: str, *, in_table: bool = False) -> str:
    """`text` as an inline code span on one line; `|` escaped inside tables."""
    text = " ".join(str(text).split()).replace("`", "'")
    return f"`{text.replace('|', chr(92) + '|') if in_table else text}`"


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
    risk = _DATA_RANK[change.type] if change.at_risk else len(_DATA_RANK)
    return (risk, _ACTION_RANK[change.action], change.address)


def ordered_rows(stack: StackPlan) -> list[ResourceChange]:
    """Table rows, most important first (`_importance`)."""
    return sorted(stack.changes, key=_importance)


# --- composing and fitting ----------------------------------------------------------


@dataclass
class _Cuts:
    """What is left out to fit the size budget; empty means nothing."""

    tables: list[str] = field(default_factory=list)  # stacks whose table is left out
    topology: bool = False
    rows_kept: dict[str, int] = field(default_factory=dict)  # stack -> rows kept
    warnings_kept: int | None = None
    hard_cut: bool = False

    def any(self) -> bool:
        return bool(self.tables or self.topology or self.rows_kept or self.warnings_kept is not None or self.hard_cut)


@dataclass(frozen=True)
class _Model:
    stacks: tuple[StackPlan, ...]
    failed: tuple[str, ...]
    topology: str | None

    @property
    def with_changes(self) -> list[StackPlan]:
        return [s for s in self.stacks if s.changes]

    @property
    def at_risk(self) -> list[tuple[str, ResourceChange]]:
        """(stack, change) of every resource at risk, most critical type first."""
        found = [(s.name, c) for s in self.stacks for c in s.changes if c.at_risk]
        return sorted(found, key=lambda item: (_importance(item[1]), item[0]))

    @property
    def password_changes(self) -> list[tuple[str, ResourceChange]]:
        """(stack, change) of every cluster update that changes the master password."""
        return [(s.name, c) for s in self.stacks for c in s.changes if c.password_attributes]


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


def _warning_block(model: _Model, cuts: _Cuts) -> list[str]:
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


def _password_block(model: _Model) -> list[str]:
    changes = model.password_changes
    if not changes:
        return []
    lines = [
        "> [!WARNING]",
        "> **The database password changes.** Keycloak holds the old one until its stacks are"
        " applied: apply every `keycloak-*` stack right after this change, or Keycloak cannot"
        " open new connections.",
    ]
    for stack, change in changes:
        attributes = ", ".join(code(name) for name in change.password_attributes)
        line = f"> - {code(stack)}: {code(change.address)} changes {attributes}"
        if "manage_master_user_password" in change.password_attributes:
            line += " (turning it off makes RDS delete the master secret it managed)"
        lines.append(line)
    return lines + [""]


def _cut_note(model: _Model, cuts: _Cuts) -> list[str]:
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


def _table(stack: StackPlan, cuts: _Cuts) -> list[str]:
    lines = [f"### {code(stack.name)}", ""]
    if stack.name in cuts.tables:
        return lines + [f"_Resource table left out to fit the comment limit ({len(stack.changes)} rows)._", ""]
    rows = ordered_rows(stack)
    kept = rows[: cuts.rows_kept.get(stack.name, len(rows))]
    lines += ["| resource | action | changed attributes |", "|---|---|---|", *(table_row(c) for c in kept)]
    if len(kept) < len(rows):
        lines.append(f"| ... {len(rows) - len(kept)} more rows left out to fit the comment limit | | |")
    return lines + [""]


def _compose(model: _Model, cuts: _Cuts) -> str:
    planned = {stack.name for stack in model.stacks}
    unplanned = [name for name in model.failed if name not in planned]
    total = len(model.stacks) + len(unplanned)
    lines = [
        MARKER,
        f"## Terraform plan: {total} stack{'s' if total != 1 else ''}, {len(model.with_changes)} with changes",
        "",
        *_failure_block(model.failed),
        *_warning_block(model, cuts),
        *_password_block(model),
        *_cut_note(model, cuts),
        "**Changes per stack** (a replacement counts once, under replace):",
        "",
        *(counts_line(stack, failed=stack.name in model.failed) for stack in model.stacks),
        *(f"- {code(name)}: **plan failed**" for name in unplanned),
        "",
    ]
    for stack in model.with_changes:
        lines += _table(stack, cuts)
    if model.topology and not cuts.topology:
        lines += ["<details><summary>Topology</summary>", "", model.topology.rstrip("\n"), "", "</details>", ""]
    return "\n".join(lines)


def size(text: str) -> int:
    """Size as measured against the budget: UTF-8 bytes (never less than GitHub's count)."""
    return len(text.encode("utf-8"))


def _largest_fitting(low: int, high: int, fits) -> int:
    """Largest n in [low, high] with fits(n), assuming fits is monotone; `low` if none."""
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _hard_cut(text: str, max_chars: int) -> str:
    """Cut `text` at a line boundary so that it and a closing line fit `max_chars`."""
    tail = "\n\n_... cut here to fit the comment limit._\n"
    budget = max_chars - size(tail)
    out = text.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")
    return out[: out.rfind("\n") + 1] + tail if "\n" in out else out + tail


def _fit(model: _Model, max_chars: int) -> str:
    """Compose, cutting the least important parts first until the text fits `max_chars`."""
    cuts = _Cuts()
    text = _compose(model, cuts)
    by_risk = sorted(model.with_changes, key=lambda s: (s.risk, s.name))
    for stack in by_risk[:-1]:  # every table but the riskiest stack's, least risky first
        if size(text) <= max_chars:
            break
        cuts.tables.append(stack.name)
        text = _compose(model, cuts)
    if size(text) > max_chars and model.topology:
        cuts.topology = True
        text = _compose(model, cuts)
    if size(text) > max_chars and by_risk:
        top = by_risk[-1].name

        def fits_rows(n: int) -> bool:
            cuts.rows_kept[top] = n
            return size(_compose(model, cuts)) <= max_chars

        cuts.rows_kept[top] = _largest_fitting(0, len(by_risk[-1].changes), fits_rows)
        text = _compose(model, cuts)
    if size(text) > max_chars and model.at_risk:

        def fits_warnings(n: int) -> bool:
            cuts.warnings_kept = n
            return size(_compose(model, cuts)) <= max_chars

        cuts.warnings_kept = _largest_fitting(1, len(model.at_risk), fits_warnings)
        text = _compose(model, cuts)
    if size(text) > max_chars:
        cuts.hard_cut = True
        text = _hard_cut(_compose(model, cuts), max_chars)
    return text


def render(
    plans: Mapping[str, Mapping[str, Any]] | Iterable[tuple[str, Mapping[str, Any]]],
    *,
    failed: Sequence[str] = (),
    topology: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """The PR comment (Markdown) for `plans`, {stack name: `terraform show -json` document}.

    `failed` (default none) names stacks whose plan failed; `topology` (default none) is
    Markdown appended in a collapsed section; the result is at most `max_chars` (default
    `DEFAULT_MAX_CHARS`) UTF-8 bytes. Stacks keep the given order.
    """
    items = plans.items() if isinstance(plans, Mapping) else plans
    stacks = tuple(stack_plan(name, plan) for name, plan in items)
    failed_all = tuple(dict.fromkeys([*failed, *(s.name for s in stacks if s.errored)]))
    return _fit(_Model(stacks=stacks, failed=failed_all, topology=topology), max_chars)


# --- CLI ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m modules.plan_summary",
        description="Write a pull-request comment (Markdown) summarizing the Terraform plans of every stack.",
    )
    parser.add_argument(
        "plans", nargs="*", metavar="PLAN_JSON", help="`terraform show -json` output, named <stack>.json"
    )
    parser.add_argument("--config", metavar="CONFIG_YAML", help="deployment config: append its topology diagram")
    parser.add_argument("--output", metavar="FILE", help="write the Markdown here (default: stdout)")
    parser.add_argument(
        "--failed", action="append", default=[], metavar="STACK", help="a stack whose plan failed (repeatable)"
    )
    parser.add_argument(
        "--max-chars", type=int, default=DEFAULT_MAX_CHARS,
        help=f"size budget in UTF-8 bytes (default {DEFAULT_MAX_CHARS})",
    )
    return parser


def _read_plans(paths: Sequence[str]) -> list[tuple[str, Any]]:
    """[(stack, plan document)] from files named `<stack>.json`; errors name the file."""
    plans: list[tuple[str, Any]] = []
    for path in map(Path, paths):
        if path.stem in (name for name, _ in plans):
            raise ValueError(f"{path}: a second plan for stack {path.stem!r}")
        try:
            plans.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{path}: cannot read a plan: {err}") from None
    return plans


def _topology(config_path: str) -> str:
    """The topology Markdown of the config at `config_path` (imports the constructs' module)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from modules.config import load_config
    from modules.topology import markdown  # imports the constructs (and jsii): only when asked

    return markdown(load_config(config_path))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; 0 on success, 2 on unreadable input (the message on stderr)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.plans and not args.failed:
        parser.error("give at least one PLAN_JSON (or --failed STACK when every plan failed)")
    try:
        plans = _read_plans(args.plans)
        topology = _topology(args.config) if args.config else None
        text = render(plans, failed=args.failed, topology=topology, max_chars=args.max_chars)
    except (ValueError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
