"""`plan`: every selected stack planned, the plan JSON files and the review summary written.

For each stack: `terraform init`, one stack at a time (Terraform's plugin cache is not safe
for concurrent inits: two race to create the same cache directory and one fails); then
`terraform plan -detailed-exitcode -out=<plans>/<stack>.tfplan` and `terraform show -json`
into `<plans>/<stack>.json`, up to `parallelism` stacks at once (each stack has its own
state and lock).

A stack is planned after the selected stacks it depends on (the manifest's
`dependencies`). When it reads outputs of other states (`terraform_remote_state`) and one of
its dependencies holds nothing yet, the stack is not planned: its plan would fail reading
that dependency's outputs from a state that does not exist (before the first deploy, every
stack but `aurora` reads aurora's). It is reported as waiting for that
dependency, in the log and in the summary, and is neither a failure nor a change. The same
goes for a stack whose dependency failed or is itself waiting.

A failed plan that Terraform still saved (it does, for example, when the plan would
destroy the database under `prevent_destroy`) is summarized too: it shows what was
refused. The summary is `python -m modules.review`'s, with the config's topology.

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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from modules.config import ConfigError, load_config
from modules.review.fit import render
from modules.review.topology import markdown as topology_markdown
from modules.run.process import Stopped, Supervisor, echo, say
from modules.run.stacks import Stack, StackError

#: Default number of stacks planned at once.
DEFAULT_PARALLELISM = 3
NO_CHANGES, CHANGES, FAILED, NOT_PLANNED = "no changes", "changes", "failed", "not planned (stopped)"
WAITING = "waiting"


@dataclass
class StackResult:
    """What planning one stack gave: a status, the plan JSON if one was written, the log."""

    name: str
    status: str = NOT_PLANNED
    failed_step: str | None = None
    plan_json: Path | None = None
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: With status WAITING: the dependencies it waits for (hold nothing yet, or failed).
    waits_for: tuple[str, ...] = ()
    #: Whether the state held a managed resource when planned (from the plan JSON).
    holds_resources: bool = False

    @property
    def title(self) -> str:
        """`changes`, `failed (plan)`, `waiting for aurora`, ..."""
        if self.status == WAITING:
            return f"waiting for {', '.join(self.waits_for)}"
        return self.status + (f" ({self.failed_step})" if self.failed_step else "")


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
                result.holds_resources = holds_resources(json.loads(plan_json.read_text(encoding="utf-8")))
            else:
                plan_json.unlink(missing_ok=True)
                result.status, result.failed_step = FAILED, result.failed_step or "show"
    except Stopped:
        if result.status not in (NO_CHANGES, CHANGES):
            result.status = NOT_PLANNED
    return result


def holds_resources(plan: Mapping[str, object]) -> bool:
    """Whether the state a plan was made from holds a managed resource (data sources, read
    anew by every plan, do not count): `prior_state` of `terraform show -json`."""

    def module_holds(module: Mapping[str, object]) -> bool:
        resources = module.get("resources") or []
        children = module.get("child_modules") or []
        return any(r.get("mode") == "managed" for r in resources) or any(module_holds(c) for c in children)

    prior = plan.get("prior_state") or {}
    return module_holds((prior.get("values") or {}).get("root_module") or {})


def reads_other_states(stack: Stack) -> bool:
    """Whether the stack reads another stack's outputs (a `terraform_remote_state` data
    source in its synthesized JSON); a stack with no such read plans whatever its
    dependencies hold."""
    try:
        document = json.loads((stack.directory / "cdk.tf.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return True  # cannot tell: wait, as a stack that reads them would
    return bool((document.get("data") or {}).get("terraform_remote_state"))


def blockers(stack: Stack, results: Mapping[str, StackResult]) -> tuple[str, ...]:
    """The planned dependencies of `stack` it cannot be planned without, when it reads
    other states: those that hold nothing yet, failed, or are themselves waiting.
    Dependencies not planned in this run are not looked at."""
    if not reads_other_states(stack):
        return ()
    found = []
    for name in stack.dependencies:
        dependency = results.get(name)
        if dependency is None:
            continue
        if dependency.status in (FAILED, NOT_PLANNED, WAITING) or not dependency.holds_resources:
            found.append(name)
    return tuple(found)


def _report(result: StackResult, lock: threading.Lock) -> None:
    """One stack's log as one block (GitHub Actions folds it, and annotates a failure)."""
    title = result.title
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
    waiting = {r.name: r.waits_for for r in results if r.status == WAITING}
    topology = topology_markdown(load_config(options.config))
    options.summary.parent.mkdir(parents=True, exist_ok=True)
    options.summary.write_text(render(plans, failed=failed, waiting=waiting, topology=topology), encoding="utf-8")


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

    selected = {stack.name for stack in stacks}
    done: dict[str, StackResult] = {}
    pending = list(stacks)
    running: dict[Future[StackResult], str] = {}
    with ThreadPoolExecutor(max_workers=max(1, options.parallelism)) as pool:
        while pending or running:
            progress = False
            for stack in list(pending):
                if any(d in selected and d not in done for d in stack.dependencies):
                    continue  # a dependency is still to be planned
                pending.remove(stack)
                progress = True
                waits_for = blockers(stack, done)
                if waits_for or supervisor.exit_code is not None:
                    result = StackResult(stack.name, status=WAITING if waits_for else NOT_PLANNED, waits_for=waits_for)
                    _report(result, print_lock)
                    done[stack.name] = result
                else:
                    running[pool.submit(one, stack)] = stack.name
            if not running and not progress:  # what is left waits on itself: a manifest cycle
                raise StackError(f"the manifest's dependencies form a cycle through {', '.join(s.name for s in pending)}")
            if running:
                # short timeouts: the main thread stays free to handle signals
                finished, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    done[running.pop(future)] = future.result()
    results = [done[stack.name] for stack in stacks]

    for result in results:
        say(f"{result.name}: {result.title}" + (f", {result.seconds:.1f} s" if result.status != WAITING else ""))
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
