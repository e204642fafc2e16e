"""Counting jsii round trips: every request the Python side sends to the Node.js kernel and
waits for (create, get, set, invoke, static invoke, ...), attributed to the stack being built.

A round trip costs about the same whatever it carries (a pipe write, a context switch to
Node.js, JSON both ways, a switch back): at synth, their number is what building the
constructs costs, and it is deterministic where wall time is not. `make bench` prints the
counts per stack kind; `tests/unit/fastsynth/test_roundtrips.py` keeps a ceiling per kind.

Counting patches jsii's kernel client for the duration of `count()` only: importing this
module changes nothing.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: The stack kind of a stack id: `aurora`, `state`, and `peering`, `access`, `keycloak` for
#: the per-ROSA-cluster stacks (`peering-<name>`, ...).
_KIND = re.compile(r"^(peering|access|keycloak)-")


def stack_kind(stack_id: str) -> str:
    """`peering-rosa-a` -> `peering`; `aurora` -> `aurora`."""
    match = _KIND.match(stack_id)
    return match.group(1) if match else stack_id


@dataclass
class RoundTrips:
    """Round trips while building each stack (by stack id, and by request kind within it),
    and those outside any stack (the App, the synth)."""

    per_stack: dict[str, Counter[str]] = field(default_factory=dict)
    outside: Counter[str] = field(default_factory=Counter)

    def total(self, stack_id: str) -> int:
        return sum(self.per_stack[stack_id].values())

    def per_kind(self) -> dict[str, float]:
        """Average round trips per stack of each kind (`aurora`, `peering`, ...)."""
        sums: Counter[str] = Counter()
        stacks: Counter[str] = Counter()
        for stack_id in self.per_stack:
            sums[stack_kind(stack_id)] += self.total(stack_id)
            stacks[stack_kind(stack_id)] += 1
        return {kind: sums[kind] / stacks[kind] for kind in sums}


@contextlib.contextmanager
def count() -> Iterator[RoundTrips]:
    """While active, count every round trip to the jsii kernel; a stack's constructor (any
    subclass of `cdktf.TerraformStack` defined so far) gets those made inside it."""
    from cdktf import TerraformStack
    from jsii._kernel.providers import process

    counts = RoundTrips()
    building: list[dict[str, Any]] = []  # the stacks being built, innermost last
    original_send = process._NodeProcess.send
    original_base_init = TerraformStack.__init__

    def send(self: Any, request: Any, response_type: Any) -> Any:
        kind = type(request).__name__.strip("_").removesuffix("Request")
        (building[-1]["counts"] if building else counts.outside)[kind] += 1
        return original_send(self, request, response_type)

    def base_init(self: Any, scope: Any, id_: str, *args: Any, **kwargs: Any) -> None:
        if building:
            building[-1]["id"] = id_
        original_base_init(self, scope, id_, *args, **kwargs)

    def wrap(constructor: Any) -> Any:
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            building.append({"id": None, "counts": Counter()})
            try:
                constructor(self, *args, **kwargs)
            finally:
                built = building.pop()
                stack_id = built["id"] or f"<unnamed {type(self).__name__}>"
                counts.per_stack.setdefault(stack_id, Counter()).update(built["counts"])

        return init

    wrapped = [(cls, cls.__dict__["__init__"]) for cls in _subclasses(TerraformStack) if "__init__" in cls.__dict__]
    for cls, constructor in wrapped:
        cls.__init__ = wrap(constructor)
    TerraformStack.__init__ = base_init
    process._NodeProcess.send = send
    try:
        yield counts
    finally:
        process._NodeProcess.send = original_send
        TerraformStack.__init__ = original_base_init
        for cls, constructor in wrapped:
            cls.__init__ = constructor


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def count_config(config_path: str) -> RoundTrips:
    """Build and synthesize every stack of the config at `config_path` (into a temporary
    directory) and count the round trips; fast provider loading on, as `main.py` has it."""
    import tempfile

    from modules import fastsynth
    from modules.config import load_config

    config = load_config(config_path)
    fastsynth.install()
    from modules.app import build_app

    with tempfile.TemporaryDirectory(prefix="roundtrips-") as outdir, count() as counts:
        build_app(config, outdir=outdir).synth()
    return counts


def main(argv: list[str] | None = None) -> int:
    """`python -m modules.fastsynth.roundtrips CONFIG`: the counts as JSON, {"stacks":
    {stack: {kind: n}}, "outside": {kind: n}}."""
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(prog="python -m modules.fastsynth.roundtrips", description=main.__doc__)
    parser.add_argument("config", help="deployment config to synthesize")
    args = parser.parse_args(argv)
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    counts = count_config(args.config)
    print(json.dumps({"stacks": {k: dict(v) for k, v in counts.per_stack.items()}, "outside": dict(counts.outside)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
