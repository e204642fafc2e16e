"""The synthesized stacks: which exist, which were asked for, and in what order to run them.

Read from `cdktf.out/manifest.json`, which the app writes on every synth: for each stack its
name, its directory (`workingDirectory`) and the stacks it depends on (`dependencies`: each
`peering-<rosa>` on `aurora`; each `keycloak-<rosa>` on `aurora` and `peering-<rosa>`).
Stack directories left over from an earlier config are not in the manifest and are never
run. Pure: reads one JSON file, imports nothing of cdktf.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.naming import RETIRED_OUTPUT

#: The manifest file, relative to the synth output directory.
MANIFEST = "manifest.json"
#: Every stack: what `make plan` and `make deploy` run without STACKS.
ALL = ("*",)
#: The flag that lets a destroy leave out dependant stacks (the cdktf CLI's name).
IGNORE_MISSING = "--ignore-missing-stack-dependencies"


class StackError(Exception):
    """A manifest that cannot be read, or a stack selection that cannot be run; the
    message says what to do."""


@dataclass(frozen=True)
class Stack:
    """One synthesized stack: its name, its Terraform directory and the stacks it needs."""

    name: str
    directory: Path
    dependencies: tuple[str, ...] = ()


def read_manifest(outdir: Path) -> dict[str, Stack]:
    """{name: Stack} from `<outdir>/manifest.json`, in the manifest's order."""
    path = Path(outdir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackError(f"{path} does not exist: synthesize first (`make synth`), or leave out --no-synth") from None
    except (OSError, json.JSONDecodeError) as err:
        raise StackError(f"{path}: cannot read the manifest: {err}") from None
    return stacks_from_manifest(data, Path(outdir))


def stacks_from_manifest(data: Mapping[str, Any], outdir: Path) -> dict[str, Stack]:
    """{name: Stack} from a parsed manifest; stack directories resolved under `outdir`."""
    stacks = {}
    for name, body in (data.get("stacks") or {}).items():
        stacks[name] = Stack(
            name=name,
            directory=outdir / body.get("workingDirectory", f"stacks/{name}"),
            dependencies=tuple(body.get("dependencies") or ()),
        )
    if not stacks:
        raise StackError(f"{outdir / MANIFEST} lists no stacks")
    return stacks


def retired_cluster(stack: Stack) -> str | None:
    """The ROSA cluster a retired cluster's stack belongs to (its `retired` output,
    `modules.retire`), else None: such a stack reads no other stack's outputs and holds
    nothing once applied. Reads the stack's `cdk.tf.json` (None when there is none)."""
    try:
        document = json.loads((stack.directory / "cdk.tf.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = ((document.get("output") or {}).get(RETIRED_OUTPUT) or {}).get("value")
    return value if isinstance(value, str) else None


def select(stacks: Mapping[str, Stack], patterns: Sequence[str] = ALL) -> list[str]:
    """Names of the stacks matching any of `patterns` (shell-style, e.g. `peering-*`;
    default every stack), in manifest order. A pattern that matches nothing is an error,
    so a typo never runs fewer stacks than intended."""
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(name, p) for name in stacks)]
    if unmatched:
        raise StackError(
            f"no stack matches {', '.join(repr(p) for p in unmatched)}; the stacks are: {', '.join(stacks)}"
        )
    return [name for name in stacks if any(fnmatch.fnmatchcase(name, p) for p in patterns)]


def dependency_order(stacks: Mapping[str, Stack], names: Sequence[str]) -> list[str]:
    """`names` ordered so that every stack comes after the stacks it depends on (a
    dependency outside `names` is not waited for); ties keep the given order."""
    chosen = set(names)
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise StackError(f"the manifest's dependencies form a cycle through {name!r}")
        visiting.add(name)
        for dependency in stacks[name].dependencies:
            if dependency in chosen:
                visit(dependency)
        visiting.discard(name)
        done.append(name)

    for name in names:
        visit(name)
    return done


def missing_dependants(stacks: Mapping[str, Stack], names: Sequence[str]) -> list[str]:
    """Stacks that depend on one of `names` but are not among them: what a destroy of
    `names` would leave without its dependency (destroying `aurora` under a live peering
    fails half-way). A deploy needs no such check: a stack whose dependency is not deployed
    fails at plan time, reading that dependency's outputs, before it changes anything."""
    chosen = set(names)
    return [other.name for other in stacks.values()
            if other.name not in chosen and chosen.intersection(other.dependencies)]


def check_destroy_complete(
    stacks: Mapping[str, Stack], names: Sequence[str], holds_resources: Callable[[str], bool] = lambda _: True
) -> None:
    """Raise StackError naming what `missing_dependants` finds that `holds_resources` (default:
    every one, as the cdktf CLI assumes); a dependant destroyed already, or never deployed,
    does not block the destroy, so one stack per call works in dependants-first order."""
    missing = [name for name in missing_dependants(stacks, names) if holds_resources(name)]
    if missing:
        raise StackError(
            f"the following dependant stacks still hold resources and are not included in the stacks to run: "
            f"{', '.join(missing)}. Add them, or pass {IGNORE_MISSING} when they are kept on purpose."
        )
