"""The GitHub workflows: plan review on pull requests, deploy on main; least privilege."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.review.markdown import MARKER
from tests.conftest import ROOT

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


@pytest.mark.parametrize("name", ["plan.yml", "deploy.yml"])
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


def test_plan_job_plans_every_synthesized_stack_and_summarizes(plan: dict[str, Any]) -> None:
    job = plan["jobs"]["plan"]
    run = run_text(job)
    for command in (
        "make install",
        "make synth",
        "for dir in cdktf.out/stacks/*/",
        'terraform -chdir="$dir" init -input=false',
        'terraform -chdir="$dir" plan -input=false -no-color -lock=false -out=plan.tfplan',
        'terraform -chdir="$dir" show -json plan.tfplan > "plans/$stack.json"',
        "python -m modules.review plans/*.json",
        '--config "$KEYCLOAK_AURORA_CONFIG" --output plan-summary.md',
    ):
        assert command in run
    assert run.index("make install") < run.index("make synth") < run.index("plan -input") < run.index("modules.review")
    uploads = [s["with"] for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@")]
    artifacts = {upload["name"]: upload["path"] for upload in uploads}
    assert artifacts == {"plans": "plans/", "plan-summary": "plan-summary.md"}
    assert job["outputs"]["summary"] == "${{ steps.summary.outputs.written }}"


def test_the_comment_is_found_by_the_summary_marker(plan: dict[str, Any]) -> None:
    script = step_using(plan["jobs"]["comment"], "actions/github-script")["with"]["script"]
    assert f"const marker = '{MARKER}';" in script
    assert "updateComment" in script and "createComment" in script
    assert "'github-actions[bot]'" in script


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_comment_script_is_valid_javascript(plan: dict[str, Any], tmp_path: Path) -> None:
    script = step_using(plan["jobs"]["comment"], "actions/github-script")["with"]["script"]
    # github-script runs the script as the body of an async function.
    source = tmp_path / "script.js"
    source.write_text(f"(async function (github, context, core, require) {{\n{script}\n}});\n")
    result = subprocess.run(["node", "--check", str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["plan.yml", "deploy.yml"])
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
    assert "cdktf deploy '*' --auto-approve" in run


def test_deploy_runs_preflight_before_deploying(deploy: dict[str, Any]) -> None:
    names = [step.get("name") for step in steps(deploy["jobs"]["deploy"])]
    (preflight,) = [step for step in steps(deploy["jobs"]["deploy"]) if step.get("name") == "Preflight"]
    assert preflight["run"] == "make preflight"
    assert names.index("Install") < names.index("Preflight") < names.index("Deploy every stack")


def test_id_token_only_where_aws_is_called(plan: dict[str, Any], deploy: dict[str, Any]) -> None:
    holders = {
        f"{workflow}:{name}"
        for workflow, doc in (("plan", plan), ("deploy", deploy))
        for name, job in doc["jobs"].items()
        if job["permissions"].get("id-token") == "write"
    }
    assert holders == {"plan:plan", "deploy:deploy"}


FAKE_TERRAFORM = r"""#!/usr/bin/env bash
# terraform -chdir=DIR COMMAND ...: aurora plans fine; peering-a's plan fails but saves an
# errored plan (as prevent_destroy does); keycloak-a cannot even init.
dir=${1#-chdir=}; command=$2; stack=$(basename "$dir")
case "$command:$stack" in
  init:keycloak-a) echo "no kubeconfig" >&2; exit 1 ;;
  init:*) exit 0 ;;
  plan:aurora) echo saved > "$dir/plan.tfplan" ;;
  plan:peering-a) echo saved > "$dir/plan.tfplan"; echo "Error: Instance cannot be destroyed" >&2; exit 1 ;;
  show:aurora) echo '{"format_version": "1.2", "resource_changes": []}' ;;
  show:peering-a) echo '{"format_version": "1.2", "errored": true, "resource_changes": [{"address": "aws_route.r",
    "mode": "managed", "type": "aws_route", "name": "r", "change": {"actions": ["delete", "create"],
    "before": {}, "after": {}, "replace_paths": [["destination_cidr_block"]]}}]}' ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac
"""


def run_step(job: dict[str, Any], name: str, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """Run the `run:` block of step `name` with bash as Actions does; return its step outputs."""
    (step,) = [s for s in steps(job) if s.get("name") == name]
    output = cwd / f"output-{name}"
    output.write_text("")
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(cwd / "step-summary.md")},
    )
    assert result.returncode == 0, f"{name}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_plan_and_summarize_steps_survive_failed_plans(plan: dict[str, Any], tmp_path: Path) -> None:
    # GIVEN a checkout with three synthesized stacks and a terraform that fails two ways
    for stack in ("aurora", "keycloak-a", "peering-a"):
        (tmp_path / "cdktf.out" / "stacks" / stack).mkdir(parents=True)
    for name in (".venv", "modules", "config"):
        (tmp_path / name).symlink_to(ROOT / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").write_text(FAKE_TERRAFORM)
    (bin_dir / "terraform").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "KEYCLOAK_AURORA_CONFIG": "config/example.yaml",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    job = plan["jobs"]["plan"]

    # WHEN the plan and summarize steps run
    outputs = run_step(job, "Plan every stack", tmp_path, env)
    summary = run_step(job, "Summarize", tmp_path, {**env, "FAILED": outputs["failed"]})

    # THEN both failures are recorded, the errored plan is still summarized, nothing else is lost
    assert outputs == {"failed": "keycloak-a peering-a"}
    assert summary == {"written": "true"}
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == [
        "aurora.json", "aurora.tfplan", "peering-a.json", "peering-a.tfplan"
    ]
    text = (tmp_path / "plan-summary.md").read_text()
    assert text.splitlines()[0] == MARKER
    assert "> **The plan failed for `keycloak-a`, `peering-a`.**" in text
    assert "> - `peering-a`: `aws_route.r` will be **replaced**, forced by `destination_cidr_block`" in text
    assert "- `aurora`: no changes" in text.splitlines()
    assert "- `keycloak-a`: **plan failed**" in text.splitlines()
    assert "```mermaid" in text
    assert (tmp_path / "step-summary.md").read_text() == text
