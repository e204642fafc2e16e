"""The recovery file: `<recovery dir>/<deployment>/<stack>.imports.json`, the import blocks
`python -m modules.recover` wrote for a stack, which `main.py` reads at every synth and the
app turns into Terraform `import` blocks (`modules/recover/import_blocks.py`).

Why a file under the project and not in `cdktf.out/stacks/<stack>/`: `cdktf deploy`
synthesizes again before it plans, a `make clean` removes `cdktf.out`, and the plan of the
synthesized JSON (the review summary, `cdktf diff`) then shows the imports too. Keyed by
deployment (`aurora.name`), so a file written for one config never reaches another's
synth. The directory is `recovery/` under the current directory (the project root, where
`make` and `cdktf` run), or `$KEYCLOAK_AURORA_RECOVERY_DIR`.

Once the imports are in the state the file is harmless (Terraform skips an import block
whose address is already in the state), and the next `make recover` of that stack removes
it. Left behind after the resources were destroyed, it would make the next plan fail
("Cannot import non-existent remote object"): run `make recover` again, or delete it.

Pure: no jsii, no AWS.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the recovery directory (default `recovery`).
RECOVERY_DIR_ENV = "KEYCLOAK_AURORA_RECOVERY_DIR"
SUFFIX = ".imports.json"


class RecoveryFileError(ValueError):
    """A recovery file that cannot be used as it is; the message names it and what to do."""


@dataclass(frozen=True)
class ImportBlock:
    """Terraform `import { to = <to>  id = <id> }`."""

    to: str
    id: str


@dataclass(frozen=True)
class RecoveryFile:
    """A stack's recovery file: where it is, and its import blocks."""

    path: Path
    blocks: list[ImportBlock]


def recovery_dir() -> Path:
    """`$KEYCLOAK_AURORA_RECOVERY_DIR`, else `recovery` (relative to the current directory)."""
    return Path(os.environ.get(RECOVERY_DIR_ENV) or "recovery")


def file_for(directory: Path, deployment: str, stack: str) -> Path:
    return directory / deployment / f"{stack}{SUFFIX}"


def write(directory: Path, deployment: str, stack: str, blocks: list[ImportBlock]) -> Path:
    """Write the stack's recovery file (replacing any before it); returns its path."""
    path = file_for(directory, deployment, stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "deployment": deployment,
        "stack": stack,
        "note": "import blocks written by `python -m modules.recover`; main.py adds them at synth",
        "import": [{"to": block.to, "id": block.id} for block in blocks],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def remove(directory: Path, deployment: str, stack: str) -> Path | None:
    """Delete the stack's recovery file; returns its path if there was one."""
    path = file_for(directory, deployment, stack)
    if not path.is_file():
        return None
    path.unlink()
    if path.parent.is_dir() and not any(path.parent.iterdir()):
        path.parent.rmdir()
    return path


def read(directory: Path, deployment: str, stack: str) -> list[ImportBlock]:
    """The import blocks of one stack's recovery file ([] when there is none)."""
    path = file_for(directory, deployment, stack)
    return _parse(path, deployment) if path.is_file() else []


def read_all(directory: Path, deployment: str) -> dict[str, RecoveryFile]:
    """{stack: its recovery file} of every recovery file of `deployment`."""
    folder = directory / deployment
    if not folder.is_dir():
        return {}
    return {
        path.name.removesuffix(SUFFIX): RecoveryFile(path, _parse(path, deployment))
        for path in sorted(folder.glob(f"*{SUFFIX}"))
    }


def _parse(path: Path, deployment: str) -> list[ImportBlock]:
    try:
        document = json.loads(path.read_text())
        blocks = [ImportBlock(str(item["to"]), str(item["id"])) for item in document["import"]]
    except (ValueError, KeyError, TypeError) as error:
        raise RecoveryFileError(f"{path}: not a recovery file ({error}); run `make recover` again or delete it")
    if document.get("deployment") != deployment:
        raise RecoveryFileError(f"{path}: written for deployment {document.get('deployment')!r}, not {deployment!r}")
    return blocks
