"""The one state change recovery makes through Terraform: `terraform state rm`.

When the state holds an empty copy of a resource and the database uses another (a deploy
run again after an interruption, without recovering first), the state's copy is removed
from the state (not from AWS) so that the copy in use can be imported in its place.
Terraform does it, not an edit of the state object: it takes the lock, bumps the serial
and keeps the DynamoDB digest in step. It runs in a directory holding only the stack's
backend block; `terraform init` there installs the providers the state names (from `TF_PROVIDER_MIRROR`
when set, through the runner's CLI config, as `make deploy` does).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from modules.recover.stack import Backend
from modules.run.environment import terraform_env


class TerraformFailed(Exception):
    """A Terraform command failed; the message holds its output."""


def _run(args: list[str], cwd: Path) -> str:
    terraform = os.environ.get("TERRAFORM", "terraform")
    result = subprocess.run([terraform, *args], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            env=terraform_env())
    if result.returncode != 0:
        raise TerraformFailed(f"terraform {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def remove_from_state(backend: Backend, addresses: list[str]) -> str:
    """`terraform state rm <addresses>` on the state of `backend`; returns Terraform's
    output. `$TERRAFORM` names the binary (default `terraform` on PATH)."""
    settings = dict(backend.settings)
    if backend.kind == "local":
        # Synthesized relative to where cdktf runs the stack, not to this directory.
        path = Path(settings.get("path", "terraform.tfstate"))
        settings["path"] = str(path if path.is_absolute() else (backend.directory / path).resolve())
    with tempfile.TemporaryDirectory(prefix="keycloak-aurora-state-") as work:
        directory = Path(work)
        (directory / "backend.tf.json").write_text(json.dumps({"terraform": {"backend": {backend.kind: settings}}}))
        _run(["init", "-input=false", "-no-color"], directory)
        return _run(["state", "rm", "-no-color", "-lock-timeout=60s", *addresses], directory)
