"""The outputs of deployed stacks, read from the files Terraform and cdktf write.

Three sources are accepted (`load_outputs` tells them apart):

* the outputs file of `make outputs` (`python -m modules.run outputs`), which has the
  shape of cdktf's (`cdktf deploy '*' --outputs-file outputs.json`):
  `{"aurora": {"writer_endpoint": "...", "port": 5432, ...}, "peering-a": {...}}`;
* `terraform output -json` of one stack, taken to be the `aurora` stack (run it in
  `cdktf.out/stacks/aurora`): `{"writer_endpoint": {"value": "...", "type": "string",
  "sensitive": false}, ...}`;
* a directory of such files named `<stack>.json` (`aurora.json`, ...).

A missing output is refused with one message naming the output, the stack and how to
produce it; no caller sees a partial set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.naming import AURORA_STACK_ID


class OutputsError(Exception):
    """The outputs cannot be read, or a needed one is missing."""


@dataclass(frozen=True)
class DeployedOutputs:
    """{stack: {output: value}} and where it came from (for messages)."""

    stacks: dict[str, dict[str, Any]]
    source: Path
    #: How to produce the outputs of a stack in this format, e.g. for an error message.
    hint: str

    def require(self, stack: str, names: tuple[str, ...]) -> dict[str, Any]:
        """The outputs `names` of `stack`; raises `OutputsError` naming every missing one."""
        outputs = self.stacks.get(stack, {})
        missing = [name for name in names if outputs.get(name) in (None, "")]
        if missing:
            quoted = ", ".join(f"'{name}'" for name in missing)
            what = f"output {quoted} is" if len(missing) == 1 else f"outputs {quoted} are"
            raise OutputsError(
                f"{stack} stack {what} missing in {self.source}: "
                f"is the {stack} stack deployed? ({self.hint.format(stack=stack, source=self.source)})"
            )
        return {name: outputs[name] for name in names}


def _is_terraform_output_json(data: dict[str, Any]) -> bool:
    """`terraform output -json`: every value is {"value": ..., "type": ...}."""
    return bool(data) and all(isinstance(v, dict) and {"value", "type"} <= set(v) for v in data.values())


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise OutputsError(f"cannot read outputs file {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise OutputsError(f"outputs file {path} is not JSON: {err}") from None


def _terraform_values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: entry["value"] for name, entry in data.items()}


_CDKTF_HINT = "make outputs STACKS={stack} OUTPUTS={source}"
_TERRAFORM_HINT = "terraform output -json > {source} in cdktf.out/stacks/{stack}"
_DIRECTORY_HINT = "terraform output -json > {source}/{stack}.json in cdktf.out/stacks/{stack}"


def load_outputs(path: str | Path) -> DeployedOutputs:
    """Read stack outputs from a cdktf outputs file, a `terraform output -json` file (the
    `aurora` stack's) or a directory of `<stack>.json` files of the latter."""
    path = Path(path)
    if path.is_dir():
        stacks = {}
        for file in sorted(path.glob("*.json")):
            data = _read_json(file)
            if not isinstance(data, dict) or (data and not _is_terraform_output_json(data)):
                raise OutputsError(f"{file} is not the output of `terraform output -json`")
            stacks[file.stem] = _terraform_values(data)
        return DeployedOutputs(stacks, path, _DIRECTORY_HINT)

    data = _read_json(path)
    if not isinstance(data, dict):
        raise OutputsError(f"outputs file {path} must hold a JSON object, not {type(data).__name__}")
    if _is_terraform_output_json(data):
        return DeployedOutputs({AURORA_STACK_ID: _terraform_values(data)}, path, _TERRAFORM_HINT)
    if not all(isinstance(v, dict) for v in data.values()):
        raise OutputsError(
            f"outputs file {path} is neither cdktf's outputs file ({{stack: {{output: value}}}}) "
            "nor `terraform output -json` ({output: {value, type}})"
        )
    return DeployedOutputs(data, path, _CDKTF_HINT)
