"""`plan`: every selected stack planned, the plan JSON files and the review summary written.

For each stack: `terraform init`, one stack at a time (Terraform's plugin cache is not safe
for concurrent inits: two race to create the same cache directory and one fails); then
`terraform plan -detailed-exitcode -out=<plans>/<stack>.tfplan` and `terraform show -json`
into `<plans>/<stack>.json`, up to `parallelism` stacks at once (each stack has its own
state and lock). A failed plan that Terraform still saved (it does, for example, when the
plan would destroy the database under `prevent_destroy`) is summarized too: it shows what
was refused. The summary is `python -m modules.review`'s, with the config's topology.

Exit code: 1 when a plan failed (or could not start), else with `detailed_exitcode` 2 when
any stack has changes (drift, when the config did not change), else 0: Terraform's own
`-detailed-exitcode` convention, for the whole deployment.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from modules.config import ConfigError, load_config
from modules.review.fit import render
from modules.review.topology import markdown as topology_markdown
from modules.run.process import Stopped, Supervisor, echo, say
from modules.run.stacks import Stack

#: Default number of stacks planned at once.
DEFAULT_PARALLELISM = 3
NO_CHANGES, CHANGES, FAILED, NOT_PLANNED = "no changes", "changes", "failed", "not planned (stopped)"


@dataclass
class StackResult:
    """What planning one stack gave: a status, the plan JSON if one was written, the log."""

    name: str
    status: str = NOT_PLANNED
    failed_step: str | None = None
    plan_json: Path | None = None
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class PlanOptions:
    """How to plan. `lock` false adds `-lock=false` (a speculative plan with a read-only
    role, which cannot write the lock, and never blocks a deploy); `config` is the
    deployment config whose topology ends the summary."""

    plans_dir: Path
    summary: Path
    config: Path
    detailed_exitcode: bool = False
    lock: bool = True
    parallelism: int = DEFAULT_PARALLELISM


def plan_stack(stack: Stack, options: PlanOptions, supervisor: Supervisor, env: Mapping[str, str],
               init_lock: threading.Lock) -> StackResult:
    """Init (holding `init_lock`), plan and show one stack; never raises `Stopped`."""
    result = StackResult(stack.name)
    planfile = (options.plans_dir / f"{stack.name}.tfplan").absolute()
    plan_json = (options.plans_dir / f"{stack.name}.json").absolute()

    def terraform(*args: str, label: str, stdout: IO[bytes] | None = None) -> int:
        return supervisor.run(["terraform", *args], cwd=stack.directory, env=env, label=f"{stack.name}: {label}",
                              output=result.log.append, stdout=stdout)

    try:
        with init_lock:
            if terraform("init", "-input=false", "-no-color", label="terraform init") != 0:
                result.status, result.failed_step = FAILED, "init"
                return result
        lock = [] if options.lock else ["-lock=false"]
        code = terraform("plan", "-input=false", "-no-color", "-detailed-exitcode", *lock, f"-out={planfile}",
                         label="terraform plan")
        result.status = {0: NO_CHANGES, 2: CHANGES}.get(code, FAILED)
        if result.status == FAILED:
            result.failed_step = "plan"
        if planfile.is_file():
            with plan_json.open("wb") as out:
                shown = terraform("show", "-json", str(planfile), label="terraform show", stdout=out)
            if shown == 0:
                result.plan_json = plan_json
            else:
                plan_json.unlink(missing_ok=True)
                result.status, result.failed_step = FAILED, result.failed_step or "show"
    except Stopped:
        if result.status not in (NO_CHANGES, CHANGES):
            result.status = NOT_PLANNED
    return result


def _report(result: StackResult, lock: threading.Lock) -> None:
    """One stack's log as one block (GitHub Actions folds it, and annotates a failure)."""
    title = result.status + (f" ({result.failed_step})" if result.failed_step else "")
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    with lock:
        echo(f"::group::{result.name}: {title}\n" if github else f"--- {result.name}: {title} ---\n")
        for line in result.log:
            echo(line)
        if github:
            echo("::endgroup::\n")
            if result.status == FAILED:
                echo(f"::error title=terraform {result.failed_step} failed::stack {result.name}: see this step's log\n")


def summarize(results: Sequence[StackResult], options: PlanOptions) -> None:
    """Write the review summary of every plan JSON, naming the failed stacks."""
    plans = [(r.name, json.loads(r.plan_json.read_text(encoding="utf-8"))) for r in results if r.plan_json]
    failed = [r.name for r in results if r.status == FAILED]
    topology = topology_markdown(load_config(options.config))
    options.summary.parent.mkdir(parents=True, exist_ok=True)
    options.summary.write_text(render(plans, failed=failed, topology=topology), encoding="utf-8")


def run_plan(stacks: Sequence[Stack], options: PlanOptions, supervisor: Supervisor, env: Mapping[str, str]) -> int:
    """Plan `stacks` (see the module docstring); return the exit code."""
    options.plans_dir.mkdir(parents=True, exist_ok=True)
    for stack in stacks:  # never summarize a plan from an earlier run
        for suffix in (".tfplan", ".json"):
            (options.plans_dir / f"{stack.name}{suffix}").unlink(missing_ok=True)
    init_lock, print_lock = threading.Lock(), threading.Lock()

    def one(stack: Stack) -> StackResult:
        started = time.monotonic()
        result = plan_stack(stack, options, supervisor, env, init_lock)
        result.seconds = time.monotonic() - started
        _report(result, print_lock)
        return result

    with ThreadPoolExecutor(max_workers=max(1, options.parallelism)) as pool:
        futures = [pool.submit(one, stack) for stack in stacks]
        while wait(futures, timeout=0.5).not_done:
            pass  # the main thread stays free to handle signals
    results = [future.result() for future in futures]

    for result in results:
        step = f" ({result.failed_step})" if result.failed_step else ""
        say(f"{result.name}: {result.status}{step}, {result.seconds:.1f} s")
    if supervisor.exit_code is not None:
        say("stopped: no summary written")
        return supervisor.exit_code
    try:
        summarize(results, options)
    except (ValueError, ConfigError) as err:
        say(f"cannot write the summary: {err}")
        return 1
    say(f"plans in {options.plans_dir}/, summary in {options.summary}")
    if any(r.status == FAILED for r in results):
        return 1
    return 2 if options.detailed_exitcode and any(r.status == CHANGES for r in results) else 0
