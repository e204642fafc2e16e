"""The GitHub workflows: plan review on pull requests, deploy on main, a daily drift check;
least privilege. Their shell steps are run here too, through the real `make` and runner,
with a fake terraform (tests/unit/run/fake_terraform.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.review.markdown import MARKER
from tests.conftest import ROOT, default_signal_handling
from tests.unit.run.conftest import install_fake_terraform, local_state_config

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping; YAML 1.1 reads the bare key `on` as the boolean True."""
    return workflow.get("on", workflow.get(True))


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(job) if "uses" in step]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in steps(job) if s.get("uses", "").startswith(action + "@")]
    return step


def run_text(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    return load("plan.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load("deploy.yml")


@pytest.fixture(scope="module")
def drift() -> dict[str, Any]:
    return load("drift.yml")


WORKFLOW_FILES = ["plan.yml", "deploy.yml", "drift.yml", "test.yml"]


def test_these_are_all_the_workflows() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.y*ml")) == sorted(WORKFLOW_FILES)


def test_the_test_workflow_runs_ci_run_without_secrets_or_cloud_access() -> None:
    # GIVEN test.yml: the project's own tests, which need no AWS account
    text = (WORKFLOWS / "test.yml").read_text()
    workflow = load("test.yml")
    # THEN pull requests run the fast suite, main, the nightly schedule and a manual run the whole one
    unit, full = workflow["jobs"]["unit"], workflow["jobs"]["full"]
    assert unit["steps"][-1]["run"] == "bash .ci/run test-unit"
    assert full["steps"][-1]["run"] == "bash .ci/run test"
    assert "pull_request" in unit["if"] and "pull_request" in full["if"] and "!=" in full["if"]
    assert {"pull_request", "push", "schedule", "workflow_dispatch"} <= set(triggers(workflow))
    # AND nothing in it can reach a secret or a cloud: no secrets, no OIDC token
    assert "secrets." not in text and "id-token" not in text
    # AND both run in Debian 12 with Python 3.11, as the tests are developed
    assert unit["container"] == full["container"] == "python:3.11-bookworm"


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_valid_yaml_without_broad_permissions(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    workflow = yaml.safe_load(text)
    assert isinstance(workflow, dict) and workflow["jobs"]
    assert workflow["permissions"] == {"contents": "read"}
    assert "write-all" not in text and "read-all" not in text
    assert "pull_request_target" not in text
    for job in workflow["jobs"].values():
        assert isinstance(job.get("permissions"), dict), "every job states its permissions"
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"unpinned action {step['uses']}"


def test_plan_runs_on_pull_requests_only(plan: dict[str, Any]) -> None:
    assert list(triggers(plan)) == ["pull_request"]
    assert set(plan["jobs"]) == {"plan", "comment"}


def test_only_the_comment_job_may_write_to_pull_requests(plan: dict[str, Any]) -> None:
    assert plan["jobs"]["comment"]["permissions"] == {"pull-requests": "write"}
    assert plan["jobs"]["plan"]["permissions"] == {"contents": "read", "id-token": "write"}
    writers = [name for name, job in plan["jobs"].items() if job["permissions"].get("pull-requests") == "write"]
    assert writers == ["comment"]


def test_the_comment_job_never_runs_code_from_the_pull_request(plan: dict[str, Any]) -> None:
    job = plan["jobs"]["comment"]
    assert job["needs"] == "plan"
    assert uses(job) == ["actions/download-artifact", "actions/github-script"]
    assert not any("run" in step for step in steps(job))
    assert "needs.plan.outputs.summary == 'true'" in job["if"]


def test_plan_job_sets_up_the_toolchain(plan: dict[str, Any]) -> None:
    job = plan["jobs"]["plan"]
    assert uses(job)[0] == "actions/checkout"
    assert str(step_using(job, "actions/setup-python")["with"]["python-version"]) == "3.11"
    assert str(step_using(job, "actions/setup-node")["with"]["node-version"]) == "20"
    terraform = step_using(job, "hashicorp/setup-terraform")["with"]
    assert str(terraform["terraform_version"]).startswith("1.11")
    assert terraform["terraform_wrapper"] is False
    assert "role-to-assume" in step_using(job, "aws-actions/configure-aws-credentials")["with"]


def test_plan_job_plans_every_stack_with_make_plan_and_uploads(plan: dict[str, Any]) -> None:
    job = plan["jobs"]["plan"]
    run = run_text(job)
    # make plan synthesizes, plans every stack and writes the summary (modules/run/plan.py);
    # lockless: speculative, a read-only role, and a review never blocks a deploy
    assert "make plan PLAN_FLAGS=--no-lock || status=$?" in run
    assert run.index("make install") < run.index("make plan")
    assert "terraform" not in run, "Terraform runs in the runner, not in the workflow"
    uploads = {s["with"]["name"]: s for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@")}
    assert {name: step["with"]["path"] for name, step in uploads.items()} == {
        "plans": "plans/", "plan-summary": "plan-summary.md"
    }
    assert uploads["plan-summary"]["if"] == "steps.plan.outputs.summary == 'true'"
    assert job["outputs"]["summary"] == "${{ steps.plan.outputs.summary }}"
    last = steps(job)[-1]
    assert last["name"] == "Fail when a plan failed" and last["if"] == "steps.plan.outputs.status != '0'"


def test_the_comment_is_found_by_the_summary_marker(plan: dict[str, Any]) -> None:
    script = step_using(plan["jobs"]["comment"], "actions/github-script")["with"]["script"]
    assert f"const marker = '{MARKER}';" in script
    assert "updateComment" in script and "createComment" in script
    assert "'github-actions[bot]'" in script


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_run_block_is_valid_bash(name: str) -> None:
    for job in load(name)["jobs"].values():
        for step in steps(job):
            if "run" in step:
                script = re.sub(r"\$\{\{.*?\}\}", "X", step["run"])  # expressions are substituted first
                result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
                assert result.returncode == 0, f"{step.get('name')}: {result.stderr}"


def test_deploy_runs_on_push_to_main(deploy: dict[str, Any]) -> None:
    assert triggers(deploy) == {"push": {"branches": ["main"]}}
    assert list(deploy["jobs"]) == ["deploy"]
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_deploy_goes_through_the_protected_environment_with_oidc(deploy: dict[str, Any]) -> None:
    job = deploy["jobs"]["deploy"]
    assert job["environment"] == "production"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert "role-to-assume" in step_using(job, "aws-actions/configure-aws-credentials")["with"]
    assert "aws-access-key-id" not in str(job)
    run = run_text(job)
    assert "make install" in run
    assert 'make deploy DEPLOY_FLAGS="--auto-approve --timeout 100m --grace 10m" &' in run
    assert "cdktf" not in run


def test_deploy_runs_preflight_before_deploying(deploy: dict[str, Any]) -> None:
    names = [step.get("name") for step in steps(deploy["jobs"]["deploy"])]
    (preflight,) = [step for step in steps(deploy["jobs"]["deploy"]) if step.get("name") == "Preflight"]
    assert preflight["run"] == "make preflight"
    assert names.index("Install") < names.index("Preflight") < names.index("Deploy every stack")


def test_deploy_stops_itself_before_github_stops_the_step(deploy: dict[str, Any]) -> None:
    """GitHub gives a cancelled or timed-out step 10 s (SIGINT, SIGTERM 7.5 s later, SIGKILL
    2.5 s after that): the runner's own timeout and grace period end inside the step's
    timeout, which ends inside the job's."""
    job = deploy["jobs"]["deploy"]
    (step,) = [s for s in steps(job) if s.get("name") == "Deploy every stack"]
    flags = re.search(r'DEPLOY_FLAGS="([^"]*)"', step["run"])[1].split()
    runner_timeout = int(flags[flags.index("--timeout") + 1].removesuffix("m"))
    grace = int(flags[flags.index("--grace") + 1].removesuffix("m"))
    assert runner_timeout + grace < step["timeout-minutes"] < job["timeout-minutes"]


def test_id_token_only_where_aws_is_called(plan: dict[str, Any], deploy: dict[str, Any], drift: dict[str, Any]) -> None:
    holders = {
        f"{workflow}:{name}"
        for workflow, doc in (("plan", plan), ("deploy", deploy), ("drift", drift))
        for name, job in doc["jobs"].items()
        if job["permissions"].get("id-token") == "write"
    }
    assert holders == {"plan:plan", "deploy:deploy", "drift:plan"}


# --- drift.yml ---------------------------------------------------------------------------


def test_drift_runs_daily_and_by_hand(drift: dict[str, Any]) -> None:
    on = triggers(drift)
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert len(on["schedule"]) == 1
    assert drift["concurrency"]["cancel-in-progress"] is False


def test_only_the_issue_job_may_write_and_it_runs_no_code(drift: dict[str, Any]) -> None:
    plan_job, issue_job = drift["jobs"]["plan"], drift["jobs"]["issue"]
    assert plan_job["permissions"] == {"contents": "read", "id-token": "write"}
    assert issue_job["permissions"] == {"issues": "write"}
    assert issue_job["needs"] == "plan"
    assert uses(issue_job) == ["actions/download-artifact", "actions/github-script"]
    assert not any("run" in step for step in steps(issue_job))
    assert "needs.plan.outputs.result != ''" in issue_job["if"]
    assert plan_job["outputs"]["result"] == "${{ steps.plan.outputs.result }}"


def test_drift_plans_with_the_same_command_and_drift_semantics(drift: dict[str, Any], plan: dict[str, Any]) -> None:
    job = drift["jobs"]["plan"]
    # the runner itself: make would turn its 1 (failure) into 2, which means drift here
    assert "pipenv run python -m modules.run plan --no-lock --detailed-exitcode || status=$?" in run_text(job)
    # the same toolchain, at the same pins, as the pull-request plan
    assert uses(job) == uses(plan["jobs"]["plan"])[: len(uses(job)) - 1] + ["actions/upload-artifact"]


def test_the_drift_issue_is_found_by_its_marker_and_only_the_bot_s(drift: dict[str, Any]) -> None:
    step = step_using(drift["jobs"]["issue"], "actions/github-script")
    script = step["with"]["script"]
    assert "const marker = '<!-- keycloak-aurora-drift -->';" in script
    assert "'github-actions[bot]'" in script
    for call in ("issues.create(", "issues.update(", "issues.createComment(", "state: 'closed'"):
        assert call in script
    # the result reaches the script through the environment, never pasted into its text
    assert "${{" not in script
    assert step["env"] == {"RESULT": "${{ needs.plan.outputs.result }}"}


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
@pytest.mark.parametrize(("workflow", "job"), [("plan.yml", "comment"), ("drift.yml", "issue")])
def test_the_github_scripts_are_valid_javascript(workflow: str, job: str, tmp_path: Path) -> None:
    script = step_using(load(workflow)["jobs"][job], "actions/github-script")["with"]["script"]
    # github-script runs the script as the body of an async function.
    source = tmp_path / "script.js"
    source.write_text(f"(async function (github, context, core, require) {{\n{script}\n}});\n")
    result = subprocess.run(["node", "--check", str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- the steps, run: bash -> make -> python -m modules.run -> (fake) terraform ------------------

#: What a step needs of a checkout: make, the locked venv, the app and its config.
CHECKOUT = ("Makefile", "Pipfile", "Pipfile.lock", ".venv", "main.py", "cdktf.json", "modules", "config", "templates")


def checkout(tmp_path: Path, script: dict[str, Any]) -> dict[str, str]:
    """A checkout in `tmp_path` with a fake terraform first on PATH following `script`
    (see fake_terraform.py); returns the step environment. The config is the example's
    with local state, which the runner lists before it plans (no AWS call here)."""
    for name in CHECKOUT:
        (tmp_path / name).symlink_to(ROOT / name)
    bin_dir = tmp_path / "bin"
    install_fake_terraform(bin_dir)
    env = {k: v for k, v in os.environ.items() if k not in ("TF_PROVIDER_MIRROR", "GITHUB_ACTIONS", "MAKEFLAGS")}
    return {
        **env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
        "KEYCLOAK_AURORA_CONFIG": str(local_state_config(tmp_path / "example-local.yaml")),
        "FAKE_TF_LOG": str(tmp_path / "calls.jsonl"),
        "FAKE_TF_SCRIPT": json.dumps(script), "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"), "GITHUB_ACTIONS": "true",
    }


def step_script(job: dict[str, Any], name: str) -> str:
    (step,) = [s for s in steps(job) if s.get("name") == name]
    return step["run"]


def run_step(job: dict[str, Any], name: str, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """Run the `run:` block of step `name` with `bash -e` as Actions does; return its outputs."""
    Path(env["GITHUB_OUTPUT"]).write_text("")
    result = subprocess.run(["bash", "-e", "-c", step_script(job, name)], cwd=cwd, capture_output=True, text=True,
                            timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"{name}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return dict(line.split("=", 1) for line in Path(env["GITHUB_OUTPUT"]).read_text().splitlines())


def test_the_plan_step_plans_summarizes_and_survives_failed_plans(plan: dict[str, Any], tmp_path: Path) -> None:
    # GIVEN a checkout of the example (seven stacks) and a terraform that fails two ways:
    # keycloak-rosa-site-b cannot even init; peering-rosa-site-a's plan fails but saves an
    # errored plan (as prevent_destroy does), so keycloak-rosa-site-a, which reads its
    # outputs, waits for it
    env = checkout(tmp_path, {"keycloak-rosa-site-b:init": {"exit": 1},
                              "peering-rosa-site-a:plan": {"exit": 1, "changes": True}})

    # WHEN the plan step runs
    outputs = run_step(plan["jobs"]["plan"], "Plan every stack", tmp_path, env)

    # THEN it recorded the failure for the last step (make exits 2 when its recipe fails),
    # and wrote and published the summary
    assert outputs == {"summary": "true", "status": "2"}
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == sorted(
        f"{stack}.{suffix}" for stack in ("access-rosa-site-a", "access-rosa-site-b", "aurora",
                                          "peering-rosa-site-a", "peering-rosa-site-b") for suffix in ("json", "tfplan")
    )
    text = (tmp_path / "plan-summary.md").read_text()
    assert text.splitlines()[0] == MARKER
    assert "> **The plan failed for `keycloak-rosa-site-b`, `peering-rosa-site-a`.**" in text
    assert "- `aurora`: no changes" in text.splitlines()
    assert "- `keycloak-rosa-site-b`: **plan failed**" in text.splitlines()
    assert ("- `keycloak-rosa-site-a`: not planned, waits for `peering-rosa-site-a`"
            in text.splitlines())
    assert "```mermaid" in text
    assert (tmp_path / "step-summary.md").read_text() == text
    plans = [json.loads(line)["argv"] for line in (tmp_path / "calls.jsonl").read_text().splitlines()
             if json.loads(line)["command"] == "plan"]
    assert len(plans) == 5 and all("-lock=false" in argv for argv in plans)


@pytest.mark.parametrize(
    ("script", "result"),
    [({}, "clean"), ({"peering-rosa-site-b:plan": {"changes": True}}, "drift"), ({"peering-rosa-site-a:init": {"exit": 1}}, "failed")],
)
def test_the_drift_step_tells_clean_drift_and_failed_apart(
    drift: dict[str, Any], tmp_path: Path, script: dict[str, Any], result: str
) -> None:
    env = checkout(tmp_path, script)
    outputs = run_step(drift["jobs"]["plan"], "Plan every stack", tmp_path, env)
    assert outputs == {"result": result}
    text = (tmp_path / "plan-summary.md").read_text()
    if result == "drift":
        assert "- `peering-rosa-site-b`: 1 to add, 0 to change, 0 to replace, 0 to destroy" in text.splitlines()
    plans = [json.loads(line)["argv"] for line in (tmp_path / "calls.jsonl").read_text().splitlines()
             if json.loads(line)["command"] == "plan"]
    assert plans and all("-lock=false" in argv and "-detailed-exitcode" in argv for argv in plans)


def test_a_cancelled_deploy_step_gives_terraform_one_sigint_and_waits(deploy: dict[str, Any], tmp_path: Path) -> None:
    # GIVEN the deploy step running: bash -> make deploy -> the runner -> terraform apply of
    # aurora, which runs until interrupted and then takes 1 s to save its state
    env = checkout(tmp_path, {"aurora:plan": {"changes": True}, "aurora:apply": {"block": True, "stopping": 1.0}})
    step = subprocess.Popen(["bash", "-e", "-c", step_script(deploy["jobs"]["deploy"], "Deploy every stack")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=default_signal_handling)
    marker = tmp_path / "aurora.apply.started"
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert step.poll() is None and time.monotonic() < deadline, step.communicate()[0][-3000:]
        time.sleep(0.1)

    # WHEN GitHub cancels the step: SIGINT to the step's shell only, then SIGTERM (compressed
    # here from 7.5 s to 0.5 s)
    step.send_signal(signal.SIGINT)
    time.sleep(0.5)
    step.send_signal(signal.SIGTERM)
    output, _ = step.communicate(timeout=60)
    ended = time.time()

    # THEN Terraform got exactly one SIGINT, saved its state, and the step ended after it,
    # failing; nothing after aurora was started
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    (apply,) = [c for c in calls if c["command"] == "apply"]
    assert apply["signals"] == ["SIGINT"], output[-3000:]
    assert (tmp_path / "aurora.stopped").exists()
    assert ended >= apply["end"]
    assert step.returncode != 0
    assert {c["stack"] for c in calls} == {"aurora"}
    assert "run: SIGTERM: stopping terraform apply (aurora) with SIGINT" in output
