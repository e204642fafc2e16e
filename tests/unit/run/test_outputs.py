"""`python -m modules.run outputs` (make outputs) against a fake terraform: the file `make
render` reads, written whole or not at all, with no sensitive value in it."""

from __future__ import annotations

import json
from pathlib import Path

from modules.keycloak.deployed_outputs import load_outputs
from tests.unit.run.conftest import Workspace


def _declare(workspace: Workspace, stack: str, *names: str) -> None:
    document = {"output": {name: {"value": "${x}"} for name in names}}
    (workspace.outdir / "stacks" / stack / "cdk.tf.json").write_text(json.dumps(document))


def _deployed(value: object, sensitive: bool = False) -> dict:
    return {"value": value, "type": "string", "sensitive": sensitive}


def outputs(workspace: Workspace, *args: str):
    return workspace.run("outputs", *args, "--output", str(workspace.root / "outputs.json"))


def test_aurora_is_the_default_and_the_file_is_what_render_reads(workspace: Workspace) -> None:
    # GIVEN a deployed aurora stack with the outputs render needs
    _declare(workspace, "aurora", "writer_endpoint", "port", "database_name")
    workspace.script(**{"aurora:output": {"outputs": {
        "writer_endpoint": _deployed("kc.cluster-abc.eu-west-1.rds.amazonaws.com"),
        "port": _deployed(5432), "database_name": _deployed("keycloak")}}})

    # WHEN the outputs are written without naming a stack
    result = outputs(workspace)

    # THEN only aurora was read (init first, to reach its backend), in cdktf's outputs-file shape
    assert result.returncode == 0, result.stderr
    assert workspace.commands() == ["aurora init", "aurora output"]
    written = json.loads((workspace.root / "outputs.json").read_text())
    assert written == {"aurora": {"writer_endpoint": "kc.cluster-abc.eu-west-1.rds.amazonaws.com", "port": 5432,
                                  "database_name": "keycloak"}}
    loaded = load_outputs(workspace.root / "outputs.json")
    assert loaded.require("aurora", ("writer_endpoint", "port"))["port"] == 5432


def test_sensitive_outputs_are_left_out_and_named(workspace: Workspace) -> None:
    _declare(workspace, "aurora", "writer_endpoint", "token")
    workspace.script(**{"aurora:output": {"outputs": {"writer_endpoint": _deployed("w"),
                                                      "token": _deployed("s3cr3t-value", sensitive=True)}}})
    result = outputs(workspace, "aurora")
    assert result.returncode == 0
    assert "aurora: left out sensitive outputs token" in result.stderr
    text = (workspace.root / "outputs.json").read_text()
    assert "s3cr3t-value" not in text and json.loads(text) == {"aurora": {"writer_endpoint": "w"}}


def test_a_stack_that_is_not_deployed_is_an_error_and_nothing_is_written(workspace: Workspace) -> None:
    # GIVEN aurora is deployed but peering-a is not (its state has no outputs)
    for stack in ("aurora", "peering-a"):
        _declare(workspace, stack, "vpc_id")
    workspace.script(**{"aurora:output": {"outputs": {"vpc_id": _deployed("vpc-1")}}})
    stale = workspace.root / "outputs.json"
    stale.write_text('{"old": {}}')

    result = outputs(workspace, "aurora", "peering-*")

    assert result.returncode == 1
    assert "error: peering-a has no outputs in its state: is it deployed? (make deploy STACKS=peering-a)" in result.stderr
    assert stale.read_text() == '{"old": {}}'


def test_a_terraform_failure_writes_nothing(workspace: Workspace) -> None:
    _declare(workspace, "aurora", "vpc_id")
    workspace.script(**{"aurora:init": {"exit": 1}})
    result = outputs(workspace)
    assert result.returncode == 1
    assert not Path(workspace.root / "outputs.json").exists()


def test_stacks_declaring_no_outputs_are_skipped_without_running_terraform(workspace: Workspace) -> None:
    _declare(workspace, "aurora", "vpc_id")
    _declare(workspace, "peering-a")
    workspace.script(**{"aurora:output": {"outputs": {"vpc_id": _deployed("vpc-1")}}})
    result = outputs(workspace, "aurora", "peering-a")
    assert result.returncode == 0
    assert workspace.commands() == ["aurora init", "aurora output"]
    assert json.loads((workspace.root / "outputs.json").read_text()) == {"aurora": {"vpc_id": "vpc-1"}}
