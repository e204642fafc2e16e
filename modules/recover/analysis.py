"""What AWS holds of one stack, against its state: for each resource, the copy to keep and
what to do about it (nothing, import, or replace the state's copy), the duplicates, the
conflicts, and what could not be searched for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG
from modules.recover.backend import State
from modules.recover.finders import PARENT_TYPES, SEARCHABLE, Finder, Found, output_values
from modules.recover.keepers import Choice, Copy, attribute_value, base_address, choose_keepers, values
from modules.recover.stack import EachValue, OutputRef, Reference, ResourceRef, SynthesizedStack


def state_import_id(rtype: str, attributes: Mapping[str, Any]) -> str:
    """The import id of a resource in the state (most types: its `id`)."""
    if rtype == "aws_route_table_association":
        return f"{attributes.get('subnet_id') or attributes.get('gateway_id')}/{attributes.get('route_table_id')}"
    if rtype == "aws_iam_role_policy_attachment":
        return f"{attributes.get('role')}/{attributes.get('policy_arn')}"
    if rtype == "aws_route":
        return f"{attributes.get('route_table_id')}_{attributes.get('destination_cidr_block')}"
    return str(attributes.get("id"))


@dataclass(frozen=True)
class Conflict:
    """An object with a resource's unique name that carries another address or deployment."""

    address: str
    found: Found
    reason: str


@dataclass(frozen=True)
class Decision:
    """One address: the copy kept, the state's copy, every other copy found."""

    address: str
    keeper: Choice
    state_copy: Copy | None
    others: tuple[Copy, ...]

    @property
    def action(self) -> str:
        """`keep` (the state's copy), `import` (nothing in the state), or `replace` (the
        state holds another copy: `terraform state rm` it, then import the keeper)."""
        if self.keeper.copy.in_state:
            return "keep"
        return "import" if self.state_copy is None else "replace"

    @property
    def duplicates(self) -> tuple[Copy, ...]:
        """Copies nothing will manage: found outside the state and not kept."""
        return tuple(c for c in self.others if not c.in_state)


@dataclass(frozen=True)
class Analysis:
    stack: str
    decisions: dict[str, Decision] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    not_searched: list[str] = field(default_factory=list)

    def by_action(self, action: str) -> list[Decision]:
        return [d for d in self.decisions.values() if d.action == action]

    def import_blocks(self) -> list[dict[str, str]]:
        """`{"to": address, "id": import id}` for every copy to import (or to put in place
        of the state's), in address order."""
        return [
            {"to": d.address, "id": d.keeper.copy.import_id}
            for d in sorted(self.decisions.values(), key=lambda d: d.address)
            if d.action in ("import", "replace")
        ]


def analyze(
    stack: SynthesizedStack,
    state: State,
    finder: Finder,
    deployment: str,
    outputs: Mapping[str, Mapping[str, Any]],
) -> Analysis:
    """Find every copy of the stack's resources and choose one per address.

    `outputs`: {remote state name: its outputs} of the stacks this one reads.
    """
    references = {resource.address: resource.references() for resource in stack.resources}
    wanted = {resource.address for resource in stack.resources}
    candidates: dict[str, list[Copy]] = {}
    conflicts: list[Conflict] = []

    def add(copy: Copy) -> None:
        copies = candidates.setdefault(copy.address, [])
        for i, other in enumerate(copies):
            if other.import_id == copy.import_id:
                copies[i] = _merge(other, copy)
                return
        copies.append(copy)

    for address, resource in state.resources.items():
        if base_address(address) in wanted:
            add(Copy(address, state_import_id(resource.type, resource.attributes), resource.attributes, "state",
                     in_state=True))

    def outputs_of(ref: OutputRef) -> set[str]:
        return output_values(outputs, ref)

    not_searched = []
    for resource in stack.resources:
        if resource.type not in SEARCHABLE:
            if not any(base_address(a) == resource.address for a in state.resources):
                not_searched.append(resource.address)
            continue
        expected = resource.tags.get(ADDRESS_TAG)
        for found in finder.by_tag(resource):
            add(_copy(resource.address, found, "tag"))
        for found in finder.by_name(resource):
            reason = _conflict(found, expected, deployment)
            if reason:
                conflicts.append(Conflict(resource.address, found, reason))
            else:
                add(_copy(resource.address, found, "name"))

    # First the resources found by tag or name; the children (found through them) have
    # only their state copies yet, which must not vote for their parents' state copies.
    children = {r.address for r in stack.resources if r.type in PARENT_TYPES}
    first = {a: copies for a, copies in candidates.items() if base_address(a) not in children}
    chosen = choose_keepers(first, references, outputs_of)

    def resolve(ref: Reference) -> set[str] | None:
        if isinstance(ref, ResourceRef):
            choice = chosen.get(ref.address)
            return values(attribute_value(choice.copy.attributes, ref.attribute)) if choice else None
        if isinstance(ref, OutputRef):
            return outputs_of(ref) or None
        assert isinstance(ref, EachValue)
        return None

    for resource in stack.resources:
        if resource.type in PARENT_TYPES:
            for found in finder.by_parent(resource, resolve):
                add(_copy(resource.address, found, "parent"))
    # What the parents settled stays; the children (and anything undecided) are chosen
    # with the copies found through their parents.
    settled = {a: c for a, c in chosen.items() if not c.ambiguous}
    chosen = choose_keepers(candidates, references, outputs_of, fixed=settled)

    decisions = {}
    for address, copies in candidates.items():
        keeper = chosen[address]
        state_copy = next((c for c in copies if c.in_state), None)
        others = tuple(c for c in copies if c.import_id != keeper.copy.import_id)
        decisions[address] = Decision(address, keeper, state_copy, others)
    return Analysis(stack.name, decisions, conflicts, not_searched)


def _copy(address: str, found: Found, how: str) -> Copy:
    return Copy(
        f"{address}[{_quoted(found.key)}]" if found.key is not None else address,
        found.import_id, found.attributes, how, tags=found.tags, label=found.label,
    )


def _quoted(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _merge(first: Copy, second: Copy) -> Copy:
    """One object found twice (in the state and by tag, by tag and by name): AWS's
    attributes over the state's, the strongest way of finding it, in the state if either is."""
    in_aws = [c for c in (first, second) if c.found_by != "state"]
    attributes: dict[str, Any] = {}
    for copy in [c for c in (first, second) if c.found_by == "state"] + in_aws:
        attributes.update(copy.attributes)
    base = min(in_aws, key=lambda c: _FINDING_ORDER.index(c.found_by)) if in_aws else first
    return replace(base, attributes=attributes, in_state=first.in_state or second.in_state,
                   tags={**first.tags, **second.tags})


#: How a copy was found, strongest first.
_FINDING_ORDER = ("tag", "name", "parent", "state")


def _conflict(found: Found, expected: str | None, deployment: str) -> str:
    """Why an object found by name is not ours to adopt ('' when it is)."""
    tagged_deployment = found.tags.get(DEPLOYMENT_TAG)
    if tagged_deployment is not None and tagged_deployment != deployment:
        return f"tagged {DEPLOYMENT_TAG}={tagged_deployment}, not {deployment}"
    tagged_address = found.tags.get(ADDRESS_TAG)
    if tagged_address is not None and expected is not None and tagged_address != expected:
        return f"tagged {ADDRESS_TAG}={tagged_address}"
    return ""
