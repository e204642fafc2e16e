"""The runner against a recording fake `terraform` (fake_terraform.py) and a hand-written
manifest: aurora; peering-a on aurora; keycloak-a on both. The config is the example's
with local state (`<workspace>/state/<stack>.tfstate`), which the runner lists before it
runs Terraform (`modules.run.orphans`): `Workspace.state()` writes one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLE_CONFIG, ROOT

FAKE = Path(__file__).with_name("fake_terraform.py")
MANIFEST = {
    "version": "0.21.0",
    "stacks": {
        "aurora": {"name": "aurora", "workingDirectory": "stacks/aurora", "dependencies": []},
        "keycloak-a": {"name": "keycloak-a", "workingDirectory": "stacks/keycloak-a",
                       "dependencies": ["aurora", "peering-a"]},
        "peering-a": {"name": "peering-a", "workingDirectory": "stacks/peering-a", "dependencies": ["aurora"]},
    },
}


@dataclass
class Workspace:
    """A directory with synthesized stacks, a fake terraform on PATH, and what it recorded."""

    root: Path
    env: dict[str, str]

    @property
    def outdir(self) -> Path:
        return self.root / "cdktf.out"

    @property
    def log(self) -> Path:
        return Path(self.env["FAKE_TF_LOG"])

    def script(self, **behaviour: dict[str, Any]) -> None:
        """Set the fake's script: `script(**{"aurora:plan": {"changes": True}})`."""
        self.env["FAKE_TF_SCRIPT"] = json.dumps(behaviour)

    def calls(self) -> list[dict[str, Any]]:
        """Every recorded terraform call that has finished, in order of start."""
        if not self.log.exists():
            return []
        return sorted((json.loads(line) for line in self.log.read_text().splitlines()), key=lambda c: c["start"])

    def commands(self) -> list[str]:
        """`<stack> <command>` of every finished call, in order of start."""
        return [f"{c['stack']} {c['command']}" for c in self.calls()]

    @property
    def state_dir(self) -> Path:
        """Where the config keeps its local states (`state.local.directory` under the root)."""
        return self.root / "state"

    def state(self, stack: str, resources: int = 1, outputs: dict[str, Any] | None = None) -> Path:
        """Write the local state of `stack` holding `resources` managed resource instances
        (and a data source, which does not count) and `outputs`."""
        managed = [{"mode": "managed", "type": "aws_route", "name": f"r{n}", "provider": "provider[\"aws\"]",
                    "instances": [{"schema_version": 0, "attributes": {"id": f"r-{n}"}}]} for n in range(resources)]
        data = [{"mode": "data", "type": "aws_vpc", "name": "v", "provider": "provider[\"aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": "vpc-1"}}]}]
        document = {"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": stack,
                    "outputs": {k: {"value": v, "type": "string"} for k, v in (outputs or {}).items()},
                    "resources": managed + data, "check_results": None}
        self.state_dir.mkdir(exist_ok=True)
        path = self.state_dir / f"{stack}.tfstate"
        path.write_text(json.dumps(document))
        return path

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "modules.run", *args]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`python -m modules.run ARGS --no-synth --outdir <outdir>` here, to the end."""
        return subprocess.run(self.argv(*args, "--no-synth", "--outdir", str(self.outdir)), cwd=self.root,
                              env=self.env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """The same, started in a session of its own (so a group signal reaches nobody else)."""
        return subprocess.Popen(self.argv(*args, "--no-synth", "--outdir", str(self.outdir)), cwd=self.root,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_for_call(self, stack: str, command: str, timeout: float = 20) -> None:
        """Wait until the fake has started `command` in `stack` (and handles signals)."""
        marker = self.log.parent / f"{stack}.{command}.started"
        deadline = time.monotonic() + timeout
        while not marker.exists():
            assert time.monotonic() < deadline, f"terraform {command} never started in {stack}"
            time.sleep(0.05)


def install_fake_terraform(bin_dir: Path) -> None:
    """fake_terraform.py as `<bin_dir>/terraform`, run by this interpreter."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    fake = bin_dir / "terraform"
    fake.write_text(f"#!{sys.executable} -S\n" + FAKE.read_text())  # -S: no site-packages, a faster start
    fake.chmod(0o755)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    outdir = tmp_path / "cdktf.out"
    for body in MANIFEST["stacks"].values():
        (outdir / body["workingDirectory"]).mkdir(parents=True)
    (outdir / "manifest.json").write_text(json.dumps(MANIFEST))
    bin_dir = tmp_path / "bin"
    install_fake_terraform(bin_dir)
    env = {k: v for k, v in os.environ.items() if k not in ("TF_PROVIDER_MIRROR", "GITHUB_ACTIONS")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", PYTHONPATH=str(ROOT), FAKE_TF_LOG=str(tmp_path / "calls.jsonl"),
        FAKE_TF_SCRIPT="{}", KEYCLOAK_AURORA_CONFIG=str(local_state_config(tmp_path / "config.yaml")),
        KEYCLOAK_AURORA_RECOVERY_DIR=str(tmp_path / "recovery"),
    )
    return Workspace(tmp_path, env)


def local_state_config(path: Path) -> Path:
    """The example config with local state (`state/`, next to the synth output), written to `path`."""
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data["state"] = {"backend": "local"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
