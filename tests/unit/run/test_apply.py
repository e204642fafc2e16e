"""`python -m modules.run deploy|destroy` against a fake terraform: dependency order, one
stack at a time, the approval, and interrupts that reach Terraform as ONE SIGINT it is
given time to act on."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time

import pytest

from modules.run.process import Stopped, Supervisor
from tests.unit.run.conftest import Workspace

CHANGES_EVERYWHERE = {f"{stack}:plan": {"changes": True} for stack in ("aurora", "peering-a", "keycloak-a")}


def test_deploy_applies_in_dependency_order_and_skips_stacks_without_changes(workspace: Workspace) -> None:
    # GIVEN aurora is up to date and both other stacks have changes
    workspace.script(**{"peering-a:plan": {"changes": True}, "keycloak-a:plan": {"changes": True}})

    result = workspace.run("deploy", "--auto-approve")

    assert result.returncode == 0, result.stderr
    assert workspace.commands() == [
        "aurora init", "aurora plan",
        "peering-a init", "peering-a plan", "peering-a apply",
        "keycloak-a init", "keycloak-a plan", "keycloak-a apply",
    ]
    plan_call, apply_call = [c for c in workspace.calls() if c["stack"] == "peering-a"][1:]
    # the saved plan is what gets applied, and it is removed afterwards (it holds sensitive values)
    assert plan_call["argv"] == ["plan", "-input=false", "-detailed-exitcode", "-no-color", "-out=deploy.tfplan"]
    assert apply_call["argv"] == ["apply", "-input=false", "-no-color", "deploy.tfplan"]
    assert not list(workspace.outdir.rglob("*.tfplan"))
    assert "run: deploy: aurora: no changes; peering-a: applied; keycloak-a: applied" in result.stderr


def test_destroy_runs_in_reverse_dependency_order(workspace: Workspace) -> None:
    workspace.script(**CHANGES_EVERYWHERE)
    result = workspace.run("destroy", "--auto-approve")
    assert result.returncode == 0, result.stderr
    assert [c for c in workspace.commands() if c.endswith("apply")] == [
        "keycloak-a apply", "peering-a apply", "aurora apply"
    ]
    plans = [c["argv"] for c in workspace.calls() if c["command"] == "plan"]
    assert all("-destroy" in argv and "-out=destroy.tfplan" in argv for argv in plans)


def test_stack_patterns_select_and_order(workspace: Workspace) -> None:
    workspace.script(**CHANGES_EVERYWHERE)
    # given in the "wrong" order, applied in dependency order
    assert workspace.run("deploy", "peering-*", "aurora", "--auto-approve").returncode == 0
    assert [c for c in workspace.commands() if c.endswith("apply")] == ["aurora apply", "peering-a apply"]


def test_a_stack_deploys_alone_its_dependencies_being_deployed_already(workspace: Workspace) -> None:
    """`make deploy STACKS=peering-<new>` after adding a ROSA cluster: nothing else is planned.
    (Were aurora missing, the peering plan would fail reading its outputs, changing nothing.)"""
    workspace.script(**CHANGES_EVERYWHERE)
    assert workspace.run("deploy", "peering-a", "--auto-approve").returncode == 0
    assert workspace.commands() == ["peering-a init", "peering-a plan", "peering-a apply"]


def test_a_destroy_leaving_a_dependant_that_holds_resources_behind_is_refused_unless_asked_for(
    workspace: Workspace,
) -> None:
    # GIVEN keycloak-a, which depends on peering-a and aurora, holds resources
    workspace.script(**CHANGES_EVERYWHERE)
    for stack in ("aurora", "peering-a", "keycloak-a"):
        workspace.state(stack, resources=2)

    refused = workspace.run("destroy", "aurora", "peering-a", "--auto-approve")
    assert refused.returncode == 1
    assert ("the following dependant stacks still hold resources and are not included in the stacks to run: "
            "keycloak-a. Add them, or pass --ignore-missing-stack-dependencies") in refused.stderr
    assert workspace.calls() == []

    # kept on purpose: asked for
    allowed = workspace.run("destroy", "aurora", "peering-a", "--auto-approve", "--ignore-missing-stack-dependencies")
    assert allowed.returncode == 0, allowed.stderr
    assert [c for c in workspace.commands() if c.endswith("apply")] == ["peering-a apply", "aurora apply"]


def test_one_stack_per_destroy_works_dependants_first(workspace: Workspace) -> None:
    # GIVEN every stack holds resources
    workspace.script(**CHANGES_EVERYWHERE)
    for stack in ("aurora", "peering-a", "keycloak-a"):
        workspace.state(stack, resources=2)

    # WHEN the stacks are destroyed one per call, dependants first (each destroy empties its
    # state, as Terraform's would)
    for stack in ("keycloak-a", "peering-a", "aurora"):
        result = workspace.run("destroy", stack, "--auto-approve")
        assert result.returncode == 0, result.stderr
        workspace.state(stack, resources=0)

    # THEN each was destroyed, alone, without the flag: what depended on it held nothing any more
    assert [c for c in workspace.commands() if c.endswith("apply")] == [
        "keycloak-a apply", "peering-a apply", "aurora apply"
    ]


def test_a_dependant_that_was_never_deployed_does_not_block_a_destroy(workspace: Workspace) -> None:
    # e.g. only the AWS side was ever deployed (no kubeconfig): keycloak-a has no state at all
    workspace.script(**CHANGES_EVERYWHERE)
    workspace.state("aurora", resources=2)
    workspace.state("peering-a", resources=2)
    result = workspace.run("destroy", "aurora", "peering-a", "--auto-approve")
    assert result.returncode == 0, result.stderr
    assert [c for c in workspace.commands() if c.endswith("apply")] == ["peering-a apply", "aurora apply"]


def test_the_first_failure_ends_the_run(workspace: Workspace) -> None:
    workspace.script(**CHANGES_EVERYWHERE, **{"peering-a:apply": {"exit": 1}})
    result = workspace.run("deploy", "--auto-approve")
    assert result.returncode == 1
    assert not any(c.startswith("keycloak-a") for c in workspace.commands())
    assert "run: deploy: aurora: applied; peering-a: failed; keycloak-a: not started" in result.stderr


def test_without_a_terminal_to_ask_on_it_wants_auto_approve(workspace: Workspace) -> None:
    result = workspace.run("deploy")
    assert result.returncode == 1
    assert "no terminal to ask for approval on: pass --auto-approve" in result.stderr
    assert workspace.calls() == []


@pytest.mark.parametrize(("answer", "applied"), [("yes", True), ("no", False)])
def test_each_plan_is_applied_only_when_approved(workspace: Workspace, answer: str, applied: bool) -> None:
    # GIVEN a person at a terminal (a pseudo-terminal) who answers the first question
    workspace.script(**CHANGES_EVERYWHERE)
    controller, terminal = pty.openpty()
    runner = subprocess.Popen(workspace.argv("deploy", "aurora", "--no-synth", "--outdir", str(workspace.outdir)),
                              cwd=workspace.root, env=workspace.env, stdin=terminal, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    os.close(terminal)
    try:
        workspace.wait_for_call("aurora", "plan")
        os.write(controller, f"{answer}\n".encode())
        output, _ = runner.communicate(timeout=30)
    finally:
        os.close(controller)
    assert "deploy aurora: apply the plan above? Only 'yes' is accepted." in output
    assert ("aurora apply" in workspace.commands()) is applied
    assert runner.returncode == (0 if applied else 1)
    if not applied:
        assert "run: deploy: aurora: not approved" in output


# --- interrupts ---------------------------------------------------------------------------

SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]


@pytest.mark.parametrize("to_group", [False, True], ids=["to-the-runner", "to-its-process-group"])
@pytest.mark.parametrize(("sig", "code"), SIGNALS, ids=[s.name for s, _ in SIGNALS])
def test_a_stop_signal_reaches_terraform_once_as_sigint_and_is_waited_for(
    workspace: Workspace, sig: signal.Signals, code: int, to_group: bool
) -> None:
    # GIVEN a deploy whose first apply runs until interrupted, then takes 1 s to save its state
    workspace.script(**CHANGES_EVERYWHERE, **{"aurora:apply": {"block": True, "stopping": 1.0}})
    runner = workspace.start("deploy", "--auto-approve")
    workspace.wait_for_call("aurora", "apply")

    # WHEN the runner gets a stop signal: alone (kill, a CI runner), or with its whole process
    # group as a terminal's Ctrl-C or hang-up sends it
    os.killpg(runner.pid, sig) if to_group else runner.send_signal(sig)
    output, _ = runner.communicate(timeout=30)
    ended = time.time()

    # THEN Terraform, in a process group of its own, got exactly one SIGINT: from the runner
    (apply,) = [c for c in workspace.calls() if c["command"] == "apply"]
    assert apply["signals"] == ["SIGINT"]
    assert apply["pgid"] == apply["pid"] != runner.pid  # it leads a process group of its own
    # AND the runner waited for it to save its state before exiting with the signal's code
    assert (workspace.log.parent / "aurora.stopped").exists()
    assert ended >= apply["end"]
    assert runner.returncode == code, output
    # AND started nothing after it
    assert not any(c.startswith(("peering-a", "keycloak-a")) for c in workspace.commands())
    assert f"run: {sig.name}: stopping terraform apply (aurora) with SIGINT" in output
    assert "run: deploy: aurora: interrupted; peering-a: not started; keycloak-a: not started" in output
    assert "terraform apply (aurora) stopped on SIGINT: Terraform saved its state and released its lock" in output


def test_later_signals_are_not_forwarded_within_the_grace_period(workspace: Workspace) -> None:
    # GIVEN Terraform takes 2 s to stop, and GitHub's cancel sequence: SIGINT, then SIGTERM
    workspace.script(**CHANGES_EVERYWHERE, **{"aurora:apply": {"block": True, "stopping": 2.0}})
    runner = workspace.start("deploy", "--auto-approve")
    workspace.wait_for_call("aurora", "apply")
    runner.send_signal(signal.SIGINT)
    time.sleep(0.5)
    runner.send_signal(signal.SIGTERM)
    output, _ = runner.communicate(timeout=30)

    # THEN Terraform saw one SIGINT only (a second would make it exit without saving)
    (apply,) = [c for c in workspace.calls() if c["command"] == "apply"]
    assert apply["signals"] == ["SIGINT"]
    assert runner.returncode == 130
    assert "run: SIGTERM: still waiting for Terraform to stop (terraform apply (aurora))" in output


def test_the_timeout_stops_terraform_like_a_signal(workspace: Workspace) -> None:
    workspace.script(**CHANGES_EVERYWHERE, **{"aurora:apply": {"block": True, "stopping": 0.2}})
    started = time.monotonic()
    result = workspace.run("deploy", "--auto-approve", "--timeout", "2s")
    assert result.returncode == 124, result.stderr
    assert time.monotonic() - started < 15
    (apply,) = [c for c in workspace.calls() if c["command"] == "apply"]
    assert apply["signals"] == ["SIGINT"]
    assert "run: timeout: stopping terraform apply (aurora) with SIGINT" in result.stderr


# --- the supervisor on its own -------------------------------------------------------------

IGNORES_SIGINT = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                  "print('started', flush=True); time.sleep(60)"]


def test_after_the_grace_period_a_second_sigint_then_sigkill(tmp_path) -> None:
    # GIVEN a child that ignores SIGINT, a 0.5 s grace period and 0.5 s before SIGKILL
    supervisor = Supervisor(grace=0.5, kill_after=0.5)
    lines: list[str] = []

    def stop_once_started() -> None:
        while not lines:
            time.sleep(0.02)
        supervisor.request_stop("SIGINT", 130)

    threading.Thread(target=stop_once_started, daemon=True).start()
    started = time.monotonic()

    # WHEN it is stopped
    code = supervisor.run(IGNORES_SIGINT, cwd=tmp_path, env=os.environ, label="stubborn", output=lines.append)

    # THEN it was killed after both waits, and reported as forced
    assert code == -signal.SIGKILL
    assert 1.0 <= time.monotonic() - started < 10
    assert supervisor.forced == ["stubborn"] and supervisor.exit_code == 130


def test_nothing_starts_after_a_stop(tmp_path) -> None:
    supervisor = Supervisor()
    supervisor.request_stop("SIGTERM", 143)
    with pytest.raises(Stopped):
        supervisor.run(["true"], cwd=tmp_path, env=os.environ, label="late")
    assert supervisor.interrupted == []


def test_one_rosa_clusters_stacks_destroy_in_one_call_as_the_docs_say(workspace: Workspace) -> None:
    # docs/operations.md: `make destroy STACKS="keycloak-<name> peering-<name>"` (here without
    # an access stack), given in any order: the keycloak stack goes first, aurora is untouched
    workspace.script(**CHANGES_EVERYWHERE)
    result = workspace.run("destroy", "peering-a", "keycloak-a", "--auto-approve")
    assert result.returncode == 0, result.stderr
    assert [c for c in workspace.commands() if c.endswith("apply")] == ["keycloak-a apply", "peering-a apply"]
    assert not any(c.startswith("aurora") for c in workspace.commands())
