"""`deploy` and `destroy`: the selected stacks applied one at a time, with Terraform itself.

Order: the manifest's `dependencies` (`aurora`, then each `peering-<rosa>`, then its
`keycloak-<rosa>`; a retired cluster's the other way round, which the log says); `destroy`
runs in the reverse order. For each stack: `terraform init`,
`terraform plan -detailed-exitcode -out` (`-destroy` to destroy), nothing more when it has
no changes, else the approval (Terraform's prompt, answered here: Terraform itself never
has a terminal) unless `auto_approve`, and `terraform apply` of exactly that saved plan.
The first stack that fails, is not approved or is interrupted ends the run; the stacks
after it are not started.

Interrupts: see `modules.run.process`. Terraform stopped by its SIGINT has saved its state
and released its lock; the run says so, or says what may be left when it had to be forced.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modules.run.process import Stopped, Supervisor, say
from modules.run.stacks import Stack, retired_cluster

APPLIED, NO_CHANGES, FAILED, DECLINED, INTERRUPTED, NOT_STARTED = (
    "applied", "no changes", "failed", "not approved", "interrupted", "not started",
)


@dataclass(frozen=True)
class ApplyOptions:
    """`destroy` plans destruction; `auto_approve` applies without asking."""

    destroy: bool = False
    auto_approve: bool = False


def _color_flags() -> list[str]:
    """Terraform colours its output unless told not to; keep colours only for a terminal."""
    return [] if sys.stdout.isatty() else ["-no-color"]


def apply_stack(stack: Stack, options: ApplyOptions, supervisor: Supervisor, env: Mapping[str, str]) -> str:
    """Init, plan, approve and apply one stack; return its outcome (`Stopped` propagates)."""
    verb = "destroy" if options.destroy else "deploy"
    planfile = stack.directory / f"{verb}.tfplan"  # holds sensitive values: removed below

    def terraform(*args: str) -> int:
        return supervisor.run(["terraform", *args], cwd=stack.directory, env=env,
                              label=f"terraform {args[0]} ({stack.name})")

    if terraform("init", "-input=false", *_color_flags()) != 0:
        return FAILED
    try:
        destroy = ["-destroy"] if options.destroy else []
        code = terraform("plan", "-input=false", "-detailed-exitcode", *destroy, *_color_flags(), f"-out={planfile.name}")
        if code == 0:
            return NO_CHANGES
        if code != 2:
            return FAILED
        if not options.auto_approve and not supervisor.confirm(
            f"{verb} {stack.name}: apply the plan above? Only 'yes' is accepted."
        ):
            return DECLINED
        # A saved plan is applied exactly as shown, without another prompt; Terraform
        # refuses it if the state changed since ("Saved plan is stale").
        return APPLIED if terraform("apply", "-input=false", *_color_flags(), planfile.name) == 0 else FAILED
    finally:
        planfile.unlink(missing_ok=True)


def run_apply(stacks: Sequence[Stack], options: ApplyOptions, supervisor: Supervisor, env: Mapping[str, str]) -> int:
    """Apply `stacks`, already in the order to run them; return the exit code (0, 1, or
    the stop's code)."""
    verb = "destroy" if options.destroy else "deploy"
    outcomes = {stack.name: NOT_STARTED for stack in stacks}
    for number, stack in enumerate(stacks, 1):
        retired = retired_cluster(stack)
        say(f"{verb} {stack.name} ({number}/{len(stacks)})"
            + (f": {retired} is retired, this destroys what the stack holds" if retired and not options.destroy else ""))
        started = time.monotonic()
        try:
            outcome = apply_stack(stack, options, supervisor, env)
        except Stopped:
            outcome = INTERRUPTED
        # Terraform stopped by the forwarded SIGINT exits 1: that is the interrupt, not a failure.
        outcomes[stack.name] = INTERRUPTED if outcome == FAILED and supervisor.stop is not None else outcome
        say(f"{verb} {stack.name}: {outcomes[stack.name]}, {time.monotonic() - started:.1f} s")
        if outcomes[stack.name] not in (APPLIED, NO_CHANGES) or supervisor.stop is not None:
            break
    say(f"{verb}: " + "; ".join(f"{name}: {outcome}" for name, outcome in outcomes.items()))
    if supervisor.stop is not None:
        _explain_stop(supervisor)
        return supervisor.stop.exit_code
    return 0 if all(outcome in (APPLIED, NO_CHANGES) for outcome in outcomes.values()) else 1


def _explain_stop(supervisor: Supervisor) -> None:
    if supervisor.forced:
        say(f"{', '.join(supervisor.forced)} had to be stopped hard: its state lock may be left (terraform "
            "force-unlock) and resources it created since its last state snapshot may be missing from the state")
    elif supervisor.interrupted:
        say(f"{', '.join(supervisor.interrupted)} stopped on SIGINT: Terraform saved its state and released its "
            "lock; a resource it was still creating is marked tainted (the next plan shows what that means)")
    else:
        say("stopped between Terraform runs: nothing was interrupted")
