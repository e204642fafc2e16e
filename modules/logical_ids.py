"""cdktf's logical ids and Terraform references, computed in Python.

A resource's Terraform address is `<type>.<logical id>`, and cdktf derives the logical id
from the construct ids between the stack and the resource (`TerraformStack.
allocateLogicalId` and `makeUniqueId` in cdktf 0.21's `lib/private/unique.js`, ported
here line for line). Knowing it in Python lets a construct write a reference such as
`${aws_vpc_peering_connection.peering_connection_E7A626F9.id}` itself instead of asking the
jsii kernel for the attribute's token: one round trip to Node.js less each time, and the
same bytes in the synthesized JSON (`tests/unit/test_logical_ids.py` checks every address
of every golden file against this function).

Pure: no jsii, no cdktf import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

#: Construct ids hidden from the human-readable part of a logical id (still hashed).
_HIDDEN_FROM_HUMAN_ID = "Resource"
#: Construct ids left out of a logical id altogether.
_HIDDEN_ID = "Default"
_PATH_SEP = "/"
_UNIQUE_SEP = "_"
_HASH_LEN = 8
_MAX_HUMAN_LEN = 240
_MAX_ID_LEN = 255
_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]")


def _remove_disallowed(text: str) -> str:
    return _DISALLOWED.sub("", text)


def _remove_dupes(path: Sequence[str]) -> list[str]:
    """Skip a component the previous one ends with (`a/ba` -> `a`... as cdktf does)."""
    out: list[str] = []
    for component in path:
        if not out or not out[-1].endswith(component):
            out.append(component)
    return out


def logical_id(components: Sequence[str]) -> str:
    """The logical id of the construct at `components`: the construct ids below its stack,
    e.g. `("peering", "route-to-aurora")` -> `peering_route-to-aurora_FAB375FE`."""
    components = [c for c in components if c != _HIDDEN_ID]
    if not components:
        raise ValueError("a logical id needs at least one path component")
    if len(components) == 1:
        candidate = _remove_disallowed(components[0])
        if len(candidate) <= _MAX_ID_LEN:
            return candidate
    digest = hashlib.md5(_PATH_SEP.join(components).encode("utf-8"), usedforsecurity=False).hexdigest()
    human = _UNIQUE_SEP.join(
        _remove_disallowed(c) for c in _remove_dupes(components) if c != _HIDDEN_FROM_HUMAN_ID
    )[:_MAX_HUMAN_LEN]
    return f"{human}{_UNIQUE_SEP}{digest[:_HASH_LEN].upper()}"


def reference(resource_type: str, components: Sequence[str], attribute: str, *, data: bool = False) -> str:
    """`${<type>.<logical id>.<attribute>}` (`${data.<type>...}` for a data source): what
    cdktf renders for the attribute's token."""
    prefix = "data." if data else ""
    return f"${{{prefix}{resource_type}.{logical_id(components)}.{attribute}}}"
