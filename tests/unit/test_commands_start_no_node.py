"""The review, render, preflight and find-vpc commands start no Node.js process (no jsii
kernel), so they run in seconds on a machine without the CDKTF toolchain warmed up.

A `node` that records its start is put first on PATH, as jsii finds node through PATH."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIG, ROOT
from tests.harness.moto import aws_env


@pytest.fixture
def recording_node(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """(environment with a recording `node` first on PATH, the file it records starts in)."""
    bin_dir, record = tmp_path / "bin", tmp_path / "node-starts"
    bin_dir.mkdir()
    fake = bin_dir / "node"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{record}"\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, record


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_plan_review_starts_no_node(recording_node: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, record = recording_node
    plan = tmp_path / "aurora.json"
    plan.write_text(json.dumps({"format_version": "1.2", "resource_changes": []}))
    result = run(["modules.review", str(plan), "--config", str(EXAMPLE_CONFIG), "--output", str(tmp_path / "c.md")], env)
    assert result.returncode == 0, result.stderr
    assert "```mermaid" in (tmp_path / "c.md").read_text()
    assert not record.exists(), f"node was started: {record.read_text()}"


def test_render_starts_no_node(recording_node: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, record = recording_node
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"aurora": {"writer_endpoint": "w.example", "port": 5432, "database_name": "keycloak"}}))
    args = ["modules.keycloak.render", "--outputs", str(outputs), "--config", str(EXAMPLE_CONFIG), "--out-dir", str(tmp_path / "r")]
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r" / "rosa-site-a" / "keycloak-db-patch.yaml").is_file()
    assert not record.exists(), f"node was started: {record.read_text()}"


def test_preflight_and_find_vpc_start_no_node(recording_node: tuple[dict[str, str], Path]) -> None:
    env, record = recording_node
    # AWS at a port nothing listens on: every call fails at once, and none leaves the machine.
    # One attempt each (AWS_MAX_ATTEMPTS): the commands retry connection errors 10 times.
    env = {**aws_env("http://127.0.0.1:9", base=env), "AWS_MAX_ATTEMPTS": "1"}
    result = run(["modules.preflight", "--config", str(EXAMPLE_CONFIG)], env)
    assert result.returncode == 1, result.stderr
    assert "✗ credentials: aurora, state, rosa-site-a" in result.stdout
    result = run(["modules.peering.find_vpc", "--region", "eu-west-1", "--node", "ip-10-0-16-10"], env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: Could not connect to the endpoint URL")
    assert not record.exists(), f"node was started: {record.read_text()}"


def test_the_recording_node_would_notice(recording_node: tuple[dict[str, str], Path]) -> None:
    # The probe itself works: a command that does import cdktf starts node and is recorded.
    env, record = recording_node
    subprocess.run(
        [sys.executable, "-c", "import cdktf"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert record.exists()
