"""Which copy of a resource to keep when AWS holds several (pure: no AWS, no files).

An interrupted apply, followed by a deploy that did not recover first, leaves two copies
of everything without a unique name: the first VPC, subnets and security group, which the
database uses, outside the state, and a second, empty set in it (issue #16). Keeping the
copies in the state and adopting the database would make Terraform move the database to
the empty network (refused by AWS) and replace it for its new KMS key.

So the copies are chosen the way the resources refer to each other. A resource with one
copy (the cluster, the subnet group: unique names) is fixed. Each fixed copy then votes,
through what AWS reports it actually uses (`kms_key_id`, `vpc_security_group_ids`,
`subnet_ids`, `vpc_id`, ...), for the copy of each resource it refers to in the stack
("down"), and a copy whose own references point at fixed copies gets a vote ("up"); a
resource whose copies' votes have one clear winner is fixed, until nothing changes. A copy
the votes cannot separate from another is the one in the state, else the first by id,
and is reported as ambiguous (the copies are then equivalent: none is used by anything).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modules.recover.stack import OutputRef, Reference, ResourceRef


@dataclass(frozen=True)
class Copy:
    """One AWS object that is, or could become, the resource at `address` (the instance
    key of a `for_each` resource included).

    `attributes` uses the provider's attribute names (`id`, `arn`, `vpc_id`, ...), read from
    the state for a copy in it, from AWS otherwise. `found_by`: `state`, `tag` (its address
    tag), `name` (its unique name) or `parent` (from the resource it belongs to).
    """

    address: str
    import_id: str
    attributes: Mapping[str, Any]
    found_by: str
    in_state: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    label: str = ""

    def describe(self) -> str:
        """`vpc-123 (192.168.0.0/16)`: the id, with what tells the copies apart."""
        return f"{self.import_id} ({self.label})" if self.label else self.import_id


@dataclass(frozen=True)
class Choice:
    """The copy kept for an address, how many references voted for it, and whether the
    votes could not separate it from another copy."""

    copy: Copy
    votes: int = 0
    ambiguous: bool = False


def base_address(address: str) -> str:
    """`aws_route.x` of `aws_route.x["rtb-1"]`."""
    return address.split("[", 1)[0]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def attribute_value(attributes: Mapping[str, Any], path: str) -> Any:
    """The value at `path` (`id`, `master_user_secret[0].secret_arn`), or None."""
    value: Any = attributes
    for name, index in _STEP.findall(path):
        if name and isinstance(value, Mapping):
            value = value.get(name)
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


def values(value: Any) -> set[str]:
    """The strings a (possibly list or set-valued) attribute holds."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return {str(v) for v in value if v is not None and not isinstance(v, (dict, list))}
    if value is None or isinstance(value, (dict, bool)):
        return set()
    return {str(value)}


Outputs = Callable[[OutputRef], set[str]]


def choose_keepers(
    candidates: Mapping[str, Sequence[Copy]],
    references: Mapping[str, Mapping[str, Sequence[Reference]]],
    outputs: Outputs,
    fixed: Mapping[str, Choice] | None = None,
) -> dict[str, Choice]:
    """{address: the copy to keep} for every address with at least one candidate.

    `references`: {base address: {attribute: references}} of the stack's resources;
    `outputs` resolves another stack's output to its value(s); `fixed`: choices made before
    (kept as they are).
    """
    chosen: dict[str, Choice] = dict(fixed or {})
    for address, copies in candidates.items():
        if address not in chosen and len(copies) == 1:
            chosen[address] = Choice(copies[0])
    changed = True
    while changed:
        changed = False
        for address, copies in sorted(candidates.items()):
            if address in chosen:
                continue
            votes = [_votes(copy, chosen, references, outputs) for copy in copies]
            best = max(votes)
            if best > 0 and votes.count(best) == 1:
                chosen[address] = Choice(copies[votes.index(best)], best)
                changed = True
    for address, copies in candidates.items():
        if address not in chosen:
            ordered = sorted(copies, key=lambda c: (not c.in_state, c.import_id))
            chosen[address] = Choice(ordered[0], 0, ambiguous=True)
    return chosen


def _votes(
    copy: Copy,
    chosen: Mapping[str, Choice],
    references: Mapping[str, Mapping[str, Sequence[Reference]]],
    outputs: Outputs,
) -> int:
    """References that agree with `copy` being the one: its own, to chosen copies and other
    stacks' outputs ("up"), and those of chosen copies to it ("down")."""
    votes = 0
    for attribute, refs in references.get(base_address(copy.address), {}).items():
        mine = values(copy.attributes.get(attribute))
        for ref in refs:
            if isinstance(ref, ResourceRef) and ref.address in chosen:
                target = attribute_value(chosen[ref.address].copy.attributes, ref.attribute)
                votes += bool(values(target) & mine)
            elif isinstance(ref, OutputRef):
                votes += bool(outputs(ref) & mine)
    for address, choice in chosen.items():
        for attribute, refs in references.get(base_address(address), {}).items():
            used = values(choice.copy.attributes.get(attribute))
            for ref in refs:
                if isinstance(ref, ResourceRef) and ref.address == base_address(copy.address):
                    votes += bool(values(attribute_value(copy.attributes, ref.attribute)) & used)
    return votes
