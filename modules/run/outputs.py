"""`outputs`: the outputs of deployed stacks, in one file that `make render` reads.

For each selected stack, one at a time: `terraform init` (to reach the backend) and
`terraform output -json`. The file written (default `outputs.json`) has the shape of
`cdktf deploy --outputs-file`: `{"<stack>": {"<output>": value, ...}, ...}`, which
`modules.keycloak.deployed_outputs` reads. It is written only once every stack has been
read, and replaced whole, so a failed run never leaves a partial file behind.

Outputs Terraform marks sensitive are left out of the file and named on stderr: the file
is for rendering and review, never for secrets (no output of this project is sensitive
today). A stack that declares outputs but whose state has none is not deployed: that is
an error naming it, since `make render` would otherwise fail later with less to go on.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.run.process import Stopped, Supervisor, say
from modules.run.stacks import Stack

#: Where `make outputs` writes, and `make render` reads, by default.
DEFAULT_OUTPUTS_FILE = Path("outputs.json")
#: The stacks `outputs` reads when none are named, those the config has: what `make
#: render` needs (`aurora-secondary` with `aurora.secondary`, once it is detached).
DEFAULT_STACKS = ("aurora", "aurora-secondary")


@dataclass(frozen=True)
class OutputsOptions:
    """`output`: the file to write (default `outputs.json`)."""

    output: Path = DEFAULT_OUTPUTS_FILE


def declared_outputs(stack: Stack) -> list[str]:
    """The output names the stack's synthesized Terraform JSON declares."""
    document = json.loads((stack.directory / "cdk.tf.json").read_text(encoding="utf-8"))
    return sorted(document.get("output") or {})


def read_stack_outputs(
    stack: Stack, supervisor: Supervisor, env: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]] | None:
    """({output: value} of the deployed stack, names of the sensitive outputs left out), or
    None when Terraform failed (it said why on stdout)."""
    if supervisor.run(["terraform", "init", "-input=false", "-no-color"], cwd=stack.directory, env=env,
                      label=f"terraform init ({stack.name})") != 0:
        return None
    with tempfile.TemporaryFile() as raw:
        if supervisor.run(["terraform", "output", "-json", "-no-color"], cwd=stack.directory, env=env,
                          label=f"terraform output ({stack.name})", stdout=raw) != 0:
            return None
        raw.seek(0)
        shown = json.loads(raw.read() or b"{}")
    values = {name: entry["value"] for name, entry in shown.items() if not entry.get("sensitive")}
    hidden = sorted(name for name, entry in shown.items() if entry.get("sensitive"))
    return values, hidden


def write_atomically(path: Path, document: Mapping[str, Any]) -> None:
    """Write JSON to `path` through a temporary file in the same directory, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(temporary, path)


def run_outputs(stacks: Sequence[Stack], options: OutputsOptions, supervisor: Supervisor,
                env: Mapping[str, str]) -> int:
    """Read every stack's outputs and write the file; 0 done, 1 a failure (nothing written)."""
    collected: dict[str, dict[str, Any]] = {}
    try:
        for stack in stacks:
            declared = declared_outputs(stack)
            if not declared:
                say(f"{stack.name}: declares no outputs, skipped")
                continue
            read = read_stack_outputs(stack, supervisor, env)
            if read is None:
                say(f"{stack.name}: terraform failed; {options.output} not written")
                return 1
            values, hidden = read
            if not values and not hidden:
                say(f"error: {stack.name} has no outputs in its state: is it deployed? "
                    f"(make deploy STACKS={stack.name}); {options.output} not written")
                return 1
            if hidden:
                say(f"{stack.name}: left out sensitive outputs {', '.join(hidden)}")
            collected[stack.name] = values
    except Stopped:
        return supervisor.exit_code or 1
    write_atomically(options.output, collected)
    say(f"outputs of {', '.join(collected) or 'no stack'} in {options.output}")
    return 0
