"""The recovery file: `<recovery dir>/<deployment>/<state location>/<stack>.imports.json`,
the import blocks `python -m modules.recover` wrote for a stack, which `main.py` reads at
every synth and the app turns into Terraform `import` blocks
(`modules/recover/import_blocks.py`).

Why a file under the project and not in `cdktf.out/stacks/<stack>/`: `cdktf deploy`
synthesizes again before it plans, a `make clean` removes `cdktf.out`, and the plan of the
synthesized JSON (the review summary, `cdktf diff`) then shows the imports too.

Keyed by the deployment's name (`aurora.name`) AND where its states are (`StateLocation.key`:
the S3 bucket and key prefix, the local state directory, or the HCP Terraform host,
organization and workspace prefix), so a file written for one deployment never reaches
the synth of another that shares its name (a second account, a fresh deployment next to
the first, a test world). The location's directory is its key made file-name safe, with 8
hex digits of the key's SHA-256 (`s3_my-bucket_keycloak-aurora-1a2b3c4d`); the file
names both, and one found elsewhere is refused. Files of the layout before
(`<deployment>/<stack>.imports.json`) are refused with the place to move them to. The
directory is `recovery/` under the current directory (the project root, where `make`
and `cdktf` run), or `$KEYCLOAK_AURORA_RECOVERY_DIR`.

Once the imports are in the state the file has done its work: `make deploy` removes it
after the deploy that imported them (`modules.run.recovery_files`), and so does the next
`make recover` of that stack. Left behind after those resources were destroyed, it would
make the next plan fail ("Cannot import non-existent remote object").

Pure: no jsii, no AWS.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from modules.config import DeploymentConfig
from modules.state.location import StateLocation

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


@dataclass(frozen=True)
class DeploymentKey:
    """Whose recovery files: `aurora.name` and the key of the state location."""

    name: str
    state: str

    @classmethod
    def of(cls, config: DeploymentConfig) -> DeploymentKey:
        return cls(config.aurora.name, StateLocation.of(config).key)

    @property
    def folder(self) -> Path:
        """`<name>/<state location, file-name safe>-<8 hex digits of its SHA-256>`."""
        readable = re.sub(r"[^A-Za-z0-9._-]+", "_", self.state).strip("._-")[:80]
        digest = hashlib.sha256(self.state.encode()).hexdigest()[:8]
        return Path(self.name) / f"{readable}-{digest}"


def recovery_dir() -> Path:
    """`$KEYCLOAK_AURORA_RECOVERY_DIR`, else `recovery` (relative to the current directory)."""
    return Path(os.environ.get(RECOVERY_DIR_ENV) or "recovery")


def file_for(directory: Path, deployment: DeploymentKey, stack: str) -> Path:
    return directory / deployment.folder / f"{stack}{SUFFIX}"


def write(directory: Path, deployment: DeploymentKey, stack: str, blocks: list[ImportBlock]) -> Path:
    """Write the stack's recovery file (replacing any before it); returns its path."""
    path = file_for(directory, deployment, stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "deployment": deployment.name,
        "state": deployment.state,
        "stack": stack,
        "note": "import blocks written by `python -m modules.recover`; main.py adds them at synth",
        "import": [{"to": block.to, "id": block.id} for block in blocks],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def remove(directory: Path, deployment: DeploymentKey, stack: str) -> Path | None:
    """Delete the stack's recovery file, and the directories it leaves empty; returns its
    path if there was one."""
    path = file_for(directory, deployment, stack)
    if not path.is_file():
        return None
    path.unlink()
    for folder in (path.parent, path.parent.parent):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return path


def read(directory: Path, deployment: DeploymentKey, stack: str) -> list[ImportBlock]:
    """The import blocks of one stack's recovery file ([] when there is none)."""
    path = file_for(directory, deployment, stack)
    return _parse(path, deployment) if path.is_file() else []


def read_all(directory: Path, deployment: DeploymentKey) -> dict[str, RecoveryFile]:
    """{stack: its recovery file} of every recovery file of `deployment`. A file left in
    `<deployment name>/` by a version before the state location keyed them is an error
    naming where it goes."""
    legacy = sorted((directory / deployment.name).glob(f"*{SUFFIX}"))
    if legacy:
        raise RecoveryFileError(
            f"{legacy[0]}: a recovery file of the layout before they were keyed by state location. If it belongs "
            f"to the deployment whose state is at {deployment.state}, move it to "
            f"{directory / deployment.folder}/; otherwise delete it"
        )
    folder = directory / deployment.folder
    if not folder.is_dir():
        return {}
    return {
        path.name.removesuffix(SUFFIX): RecoveryFile(path, _parse(path, deployment))
        for path in sorted(folder.glob(f"*{SUFFIX}"))
    }


def _parse(path: Path, deployment: DeploymentKey) -> list[ImportBlock]:
    try:
        document = json.loads(path.read_text())
        blocks = [ImportBlock(str(item["to"]), str(item["id"])) for item in document["import"]]
    except (ValueError, KeyError, TypeError) as error:
        raise RecoveryFileError(f"{path}: not a recovery file ({error}); run `make recover` again or delete it")
    if document.get("deployment") != deployment.name:
        raise RecoveryFileError(f"{path}: written for deployment {document.get('deployment')!r}, not {deployment.name!r}")
    if document.get("state") != deployment.state:
        raise RecoveryFileError(
            f"{path}: written for the deployment whose state is at {document.get('state')!r}, not {deployment.state!r}"
        )
    return blocks
