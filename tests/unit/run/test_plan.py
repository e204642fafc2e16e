"""`python -m modules.run plan` against a fake terraform: what it runs, in what order, what
it writes, and its exit codes (Terraform's -detailed-exitcode convention for the whole
deployment)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from modules.review.markdown import MARKER
from tests.unit.run.conftest import Workspace

AWS_STACKS = ("aurora", "peering-*")


def plan(workspace: Workspace, *args: str):
    return workspace.run("plan", *args, "--plans-dir", str(workspace.root / "plans"),
                         "--summary", str(workspace.root / "summary.md"))


def summary(workspace: Workspace) -> list[str]:
    return (workspace.root / "summary.md").read_text().splitlines()


@pytest.mark.parametrize(
    ("script", "flags", "expected"),
    [
        ({}, (), 0),
        ({}, ("--detailed-exitcode",), 0),
        ({"peering-a:plan": {"changes": True}}, (), 0),
        ({"peering-a:plan": {"changes": True}}, ("--detailed-exitcode",), 2),
        ({"peering-a:plan": {"exit": 1}}, (), 1),
        ({"peering-a:plan": {"exit": 1}, "aurora:plan": {"changes": True}}, ("--detailed-exitcode",), 1),
        ({"aurora:init": {"exit": 1}}, ("--detailed-exitcode",), 1),
        ({"aurora:show": {"exit": 1}}, (), 1),
    ],
    ids=["clean", "clean-detailed", "changes", "changes-detailed", "failed", "failed-beats-changes",
         "init-failed", "show-failed"],
)
def test_exit_codes(workspace: Workspace, script: dict, flags: tuple[str, ...], expected: int) -> None:
    workspace.script(**script)
    result = plan(workspace, *AWS_STACKS, *flags)
    assert result.returncode == expected, result.stdout + result.stderr


def test_every_selected_stack_is_planned_and_summarized(workspace: Workspace) -> None:
    # GIVEN peering-a has changes and aurora has none
    workspace.script(**{"peering-a:plan": {"changes": True}})

    # WHEN the AWS stacks are planned with drift semantics
    result = plan(workspace, *AWS_STACKS, "--detailed-exitcode")

    # THEN keycloak-a was left alone, and each selected stack was initialised, planned, shown
    assert result.returncode == 2
    assert sorted(workspace.commands()) == sorted(
        f"{stack} {command}" for stack in ("aurora", "peering-a") for command in ("init", "plan", "show")
    )
    plans = workspace.root / "plans"
    assert sorted(p.name for p in plans.iterdir()) == ["aurora.json", "aurora.tfplan", "peering-a.json", "peering-a.tfplan"]
    assert json.loads((plans / "aurora.json").read_text())["resource_changes"] == []
    # AND the summary is the review's, topology included, naming the changed resource
    lines = summary(workspace)
    assert lines[:2] == [MARKER, "## Terraform plan: 2 stacks, 1 with changes"]
    assert "- `aurora`: no changes" in lines
    assert "- `peering-a`: 1 to add, 0 to change, 0 to replace, 0 to destroy" in lines
    assert "| `aws_route.r` | create |  |" in lines
    assert "```mermaid" in lines
    assert "run: aurora: no changes" in result.stderr and "run: peering-a: changes" in result.stderr


def test_plans_are_speculative_and_lockless_only_when_asked(workspace: Workspace) -> None:
    plan(workspace, "aurora")
    plan(workspace, "aurora", "--no-lock")
    first, second = [c["argv"] for c in workspace.calls() if c["command"] == "plan"]
    out = str(workspace.root / "plans" / "aurora.tfplan")
    assert first == ["plan", "-input=false", "-no-color", "-detailed-exitcode", f"-out={out}"]
    assert second == ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-lock=false", f"-out={out}"]
    (init,) = {tuple(c["argv"]) for c in workspace.calls() if c["command"] == "init"}
    assert init == ("init", "-input=false", "-no-color")


def test_inits_run_one_at_a_time_and_plans_in_parallel(workspace: Workspace) -> None:
    # GIVEN a second ROSA cluster's peering stack, which like peering-a depends on aurora only,
    manifest = json.loads((workspace.outdir / "manifest.json").read_text())
    manifest["stacks"]["peering-b"] = {"name": "peering-b", "workingDirectory": "stacks/peering-b",
                                       "dependencies": ["aurora"]}
    (workspace.outdir / "manifest.json").write_text(json.dumps(manifest))
    (workspace.outdir / "stacks" / "peering-b").mkdir()
    # AND every init takes a while, and each peering plan ends only once the other's has started
    workspace.script(**{f"{stack}:init": {"sleep": 0.2} for stack in ("aurora", "peering-a", "peering-b", "keycloak-a")},
                     **{"peering-a:plan": {"await": "peering-b.plan"}, "peering-b:plan": {"await": "peering-a.plan"}})

    # WHEN the stacks are planned three at a time
    assert plan(workspace, "--parallelism", "3").returncode == 0

    # THEN no two inits overlapped (the plugin cache is not safe for that), but the plans of
    # the two peering stacks did (each waited for the other to start: neither could end alone)
    inits = sorted((c["start"], c["end"]) for c in workspace.calls() if c["command"] == "init")
    assert all(end <= next_start for (_, end), (next_start, _) in zip(inits, inits[1:]))
    assert {c["stack"]: c["exit"] for c in workspace.calls() if c["command"] == "plan"} == {
        "aurora": 0, "peering-a": 0, "peering-b": 0, "keycloak-a": 0}


def test_a_failed_plan_is_named_and_its_saved_plan_still_summarized(workspace: Workspace) -> None:
    # GIVEN peering-a's plan fails but saves a plan (as under prevent_destroy)
    workspace.script(**{"peering-a:plan": {"exit": 1, "changes": True}})

    result = plan(workspace)

    # THEN the run fails naming it, and keycloak-a, which reads peering-a's outputs, is not planned
    assert result.returncode == 1
    assert "run: peering-a: failed (plan)" in result.stderr
    assert "run: keycloak-a: waiting for peering-a" in result.stderr
    lines = summary(workspace)
    assert "> **The plan failed for `peering-a`.**" in " ".join(lines)
    assert "- `keycloak-a`: not planned, waits for `peering-a`" in lines
    assert "- `peering-a`: **plan failed**; planned before failing: 1 to add, 0 to change, 0 to replace, 0 to destroy" in lines
    assert sorted(p.name for p in (workspace.root / "plans").iterdir()) == [
        "aurora.json", "aurora.tfplan", "peering-a.json", "peering-a.tfplan"
    ]


def test_stale_plans_of_the_selected_stacks_are_removed_first(workspace: Workspace) -> None:
    plans = workspace.root / "plans"
    plans.mkdir()
    (plans / "aurora.json").write_text("stale")
    workspace.script(**{"aurora:plan": {"exit": 1, "planfile": False}})
    assert plan(workspace, "aurora").returncode == 1
    assert not (plans / "aurora.json").exists()
    assert "- `aurora`: **plan failed**" in summary(workspace)


def test_github_actions_gets_folded_logs_and_error_annotations(workspace: Workspace) -> None:
    workspace.env["GITHUB_ACTIONS"] = "true"
    workspace.script(**{"peering-a:plan": {"exit": 1}})
    out = plan(workspace, *AWS_STACKS).stdout.splitlines()
    assert "::group::peering-a: failed (plan)" in out and "::group::aurora: no changes" in out
    assert out.count("::endgroup::") == 2
    assert "::error title=terraform plan failed::stack peering-a: see this step's log" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("peering-b",), "no stack matches 'peering-b'; the stacks are: aurora, keycloak-a, peering-a"),
        (("--parallelism", "0"), "--parallelism must be at least 1"),
        (("--timeout", "soon"), "'soon' is not a duration such as 300, 45m or 2h"),
    ],
)
def test_a_usage_error_exits_1_never_2(workspace: Workspace, args: tuple[str, ...], message: str) -> None:
    """2 means "changes" to the drift workflow: a typo must not read as drift."""
    result = plan(workspace, *args, "--detailed-exitcode")
    assert result.returncode == 1
    assert message in result.stderr
    assert workspace.calls() == []


def test_without_a_manifest_it_says_to_synthesize(workspace: Workspace) -> None:
    (workspace.outdir / "manifest.json").unlink()
    result = plan(workspace)
    assert result.returncode == 1
    assert "manifest.json does not exist: synthesize first" in result.stderr


def test_the_runner_itself_starts_no_node(workspace: Workspace) -> None:
    """It synthesizes by running `python main.py`, never by importing cdktf: given stacks
    already synthesized, no Node.js process starts (a `node` that records starts is first on PATH)."""
    bin_dir = Path(workspace.env["PATH"].split(os.pathsep)[0])
    record = workspace.root / "node-starts"
    (bin_dir / "node").write_text(f'#!/bin/sh\necho "$@" >> "{record}"\nexit 1\n')
    (bin_dir / "node").chmod(0o755)
    assert plan(workspace, *AWS_STACKS).returncode == 0
    assert not record.exists(), record.read_text()


def test_without_terraform_on_path_each_stack_fails_and_says_why(workspace: Workspace) -> None:
    workspace.env["PATH"] = "/nonexistent"
    result = plan(workspace, "aurora")
    assert result.returncode == 1
    assert "cannot start terraform in " in result.stdout and "No such file or directory" in result.stdout
    assert "run: aurora: failed (init)" in result.stderr


def test_before_the_first_deploy_only_aurora_is_planned_and_the_rest_waits(workspace: Workspace) -> None:
    # GIVEN nothing is deployed: aurora's state holds nothing, and its plan creates everything
    workspace.script(**{"aurora:plan": {"changes": True, "empty": True}})

    # WHEN every stack is planned, as a pull request's first plan check does
    result = plan(workspace, "--detailed-exitcode")

    # THEN aurora is planned; peering-a and keycloak-a, which read aurora's outputs, are not run at all
    assert result.returncode == 2, result.stderr
    assert workspace.commands() == ["aurora init", "aurora plan", "aurora show"]
    assert "run: peering-a: waiting for aurora" in result.stderr
    assert "run: keycloak-a: waiting for aurora, peering-a" in result.stderr
    # AND the summary says why they are not planned, and counts them
    lines = summary(workspace)
    assert lines[1] == "## Terraform plan: 3 stacks, 1 with changes"
    note = next(line for line in lines if line.startswith("> **Not planned yet"))
    assert "`peering-a` waits for `aurora`" in note and "`keycloak-a` waits for `aurora` and `peering-a`" in note
    assert "- `keycloak-a`: not planned, waits for `aurora`, `peering-a`" in lines
    assert not any("plan failed" in line for line in lines)


def test_without_drift_semantics_a_first_plan_passes(workspace: Workspace) -> None:
    workspace.script(**{"aurora:plan": {"changes": True, "empty": True}})
    assert plan(workspace).returncode == 0


def test_a_stack_waits_for_a_dependency_that_failed_and_the_run_fails(workspace: Workspace) -> None:
    workspace.script(**{"aurora:plan": {"exit": 1}})
    result = plan(workspace)
    assert result.returncode == 1
    assert workspace.commands() == ["aurora init", "aurora plan", "aurora show"]
    assert "run: peering-a: waiting for aurora" in result.stderr


def test_dependencies_are_planned_before_their_dependants(workspace: Workspace) -> None:
    # GIVEN everything is deployed, and aurora's plan is slow
    workspace.script(**{"aurora:plan": {"sleep": 1}})
    plan(workspace)
    starts = {f"{c['stack']} {c['command']}": c["start"] for c in workspace.calls()}
    ends = {f"{c['stack']} {c['command']}": c["end"] for c in workspace.calls()}
    # THEN peering-a starts only once aurora's plan has been shown, keycloak-a after peering-a's
    assert starts["peering-a init"] >= ends["aurora show"]
    assert starts["keycloak-a init"] >= ends["peering-a show"]


def test_a_dependency_not_selected_is_not_waited_for(workspace: Workspace) -> None:
    workspace.script(**{"aurora:plan": {"empty": True}})
    result = plan(workspace, "peering-*")
    assert result.returncode == 0
    assert workspace.commands() == ["peering-a init", "peering-a plan", "peering-a show"]


def test_a_stack_that_reads_no_other_state_plans_whatever_its_dependencies_hold(workspace: Workspace) -> None:
    # GIVEN aurora holds nothing; peering-a reads aurora's outputs, keycloak-a reads no state
    # (as a retired cluster's stack: providers and backend only)
    workspace.script(**{"aurora:plan": {"changes": True, "empty": True}})
    reads = {"data": {"terraform_remote_state": {"aurora-outputs": {"backend": "s3"}}}}
    (workspace.outdir / "stacks" / "peering-a" / "cdk.tf.json").write_text(json.dumps(reads))
    (workspace.outdir / "stacks" / "keycloak-a" / "cdk.tf.json").write_text(json.dumps({"terraform": {}}))

    result = plan(workspace)

    assert result.returncode == 0, result.stderr
    assert "run: peering-a: waiting for aurora" in result.stderr
    assert [c for c in workspace.commands() if c.startswith("keycloak-a")] == [
        "keycloak-a init", "keycloak-a plan", "keycloak-a show"]
