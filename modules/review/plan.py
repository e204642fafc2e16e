"""What a stack's Terraform plan changes, read from `terraform show -json`: names only.

A `StackPlan` holds one `ResourceChange` per managed resource the plan creates, updates,
replaces, destroys, forgets or imports, with the names of the changed top-level
attributes, the paths forcing a replacement and the reason Terraform gives, and the
explicit `depends_on` of every configured resource (the order Terraform walks them in).
Attribute *values* are compared, never kept: nothing read here can leak into a comment;
where a notice needs a fact about values (an engine major changes, a cluster is restored),
the fact is kept, not the values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from modules.naming import RETIRED_OUTPUT

#: Resource types that hold the data or are the path to it, most critical first (the
#: order of the warning lines): destroying or replacing one loses the database, its key
#: or secret, or cuts Keycloak off from it.
DATA_RESOURCE_TYPES = (
    "aws_rds_cluster",
    "aws_rds_global_cluster",
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
DATA_RANK = {resource_type: rank for rank, resource_type in enumerate(DATA_RESOURCE_TYPES)}

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
    engine_major_change: bool = False  # a cluster update moving `engine_version` to another major
    restore: str | None = None  # a cluster created from "a snapshot" or "a point in time"

    @property
    def destructive(self) -> bool:
        """True when the current object is destroyed (a destroy or a replacement)."""
        return self.action in ("delete", "replace")

    @property
    def at_risk(self) -> bool:
        """True when a resource that holds or reaches the data is destroyed or replaced."""
        return self.destructive and self.type in DATA_RANK

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
    #: Resources changed outside Terraform since the last apply (the plan's `resource_drift`)
    #: that this plan puts back (`put_back`): "delete" for one deleted outside Terraform,
    #: "update" naming the attributes changed outside that the plan changes again.
    drift: tuple[ResourceChange, ...] = ()
    #: address -> the addresses its configuration `depends_on` (explicit dependencies only)
    depends_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The ROSA cluster a retired cluster's stack belongs to (its `retired` output,
    #: `modules.retire`): everything the plan destroys is the retirement. None otherwise.
    retired: str | None = None

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


def _major(version: Any) -> str | None:
    """The major of an engine version such as `16.8` (None when unset or unknown)."""
    return version.split(".")[0] if isinstance(version, str) and version else None


def _engine_major_change(resource_type: str, action: str, change: Mapping[str, Any]) -> bool:
    """True for an in-place cluster update whose `engine_version` changes major."""
    if resource_type != "aws_rds_cluster" or action != "update":
        return False
    before, after = change.get("before") or {}, change.get("after") or {}
    old, new = _major(before.get("engine_version")), _major(after.get("engine_version"))
    return old is not None and new is not None and old != new


def _restore(resource_type: str, action: str, change: Mapping[str, Any]) -> str | None:
    """What a created (or replacing) cluster is restored from, in words; None otherwise."""
    if resource_type != "aws_rds_cluster" or action not in ("create", "replace"):
        return None
    after = change.get("after") or {}
    if after.get("snapshot_identifier"):
        return "a snapshot"
    if after.get("restore_to_point_in_time"):
        return "a point in time"
    return None


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
    resource_type = str(entry.get("type", "?"))
    return ResourceChange(
        address=str(entry.get("address", "?")),
        type=resource_type,
        action=action,
        create_first=actions[:1] == ["create"] and action == "replace",
        importing=importing,
        attributes=attributes,
        sensitive=sensitive,
        replace_paths=tuple(sorted({format_path(p) for p in change.get("replace_paths") or [] if p})),
        reason=_REASONS.get(str(entry.get("action_reason", ""))),
        engine_major_change=_engine_major_change(resource_type, action, change),
        restore=_restore(resource_type, action, change),
    )


def configured_dependencies(plan: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{address: explicit `depends_on`} of the root module's resources in the plan's
    `configuration` (CDKTF stacks have no modules)."""
    resources = ((plan.get("configuration") or {}).get("root_module") or {}).get("resources") or []
    return {
        str(resource["address"]): tuple(str(dep) for dep in resource.get("depends_on") or ())
        for resource in resources
        if "address" in resource
    }


def retired_cluster(plan: Mapping[str, Any]) -> str | None:
    """The `retired` output a retired cluster's stack declares (the cluster's name), from the
    plan's configuration, else its planned values; None for every other stack."""
    configured = ((plan.get("configuration") or {}).get("root_module") or {}).get("outputs") or {}
    value = ((configured.get(RETIRED_OUTPUT) or {}).get("expression") or {}).get("constant_value")
    if value is None:
        value = (((plan.get("planned_values") or {}).get("outputs") or {}).get(RETIRED_OUTPUT) or {}).get("value")
    return value if isinstance(value, str) else None


def stack_plan(name: str, plan: Mapping[str, Any]) -> StackPlan:
    """A `StackPlan` from the `terraform show -json` document of stack `name`."""
    if not isinstance(plan, Mapping) or "format_version" not in plan:
        raise ValueError(f"{name}: not a `terraform show -json` plan document (no format_version)")
    changes = [change for entry in plan.get("resource_changes") or [] if (change := resource_change(entry))]
    planned = {change.address: change for change in changes}
    # A drift entry reads like a change: "delete" for an object deleted outside Terraform,
    # "update" with the attributes changed outside (before: the state, after: AWS).
    drift = [change for entry in plan.get("resource_drift") or [] if (change := resource_change(entry))]
    outputs = sorted(
        output
        for output, body in (plan.get("output_changes") or {}).items()
        if set((body or {}).get("actions") or ["no-op"]) - {"no-op", "read"}
    )
    return StackPlan(
        name=name,
        changes=tuple(changes),
        outputs=tuple(outputs),
        errored=bool(plan.get("errored")),
        drift=tuple(back for found in drift if (back := put_back(found, planned.get(found.address)))),
        depends_on=configured_dependencies(plan),
        retired=retired_cluster(plan),
    )


def put_back(drift: ResourceChange, change: ResourceChange | None) -> ResourceChange | None:
    """`drift` as far as `change`, the plan's change of the same resource, undoes it; None
    when it does not. A deleted object comes back when the plan creates it (or replaces
    what is left of it); changed attributes when the plan updates them, or replaces the
    resource because of them. Drift the plan leaves alone (attributes the configuration
    does not set, values the provider reads back differently) and changes made for
    another reason (a rename replacing the resource) are not drift put back."""
    if change is None:
        return None
    if drift.action == "delete":
        return drift if change.action in ("create", "replace") else None
    if change.action == "update":
        undone = set(drift.attributes) & set(change.attributes)
    elif change.action == "replace":
        undone = set(drift.attributes) & {re.split(r"[.\[]", path, maxsplit=1)[0] for path in change.replace_paths}
    else:
        undone = set()
    return replace(drift, attributes=tuple(sorted(undone))) if undone else None
