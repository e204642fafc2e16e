"""Plan, deploy or destroy the stacks with Terraform, for people and CI.

    python -m modules.run plan    [STACK...] [--detailed-exitcode] [--no-lock] [--parallelism N]
                                  [--plans-dir DIR] [--summary FILE] [--config FILE]
    python -m modules.run deploy  [STACK...] [--auto-approve]
    python -m modules.run destroy [STACK...] [--auto-approve] [--ignore-missing-stack-dependencies]
    python -m modules.run outputs [STACK...] [--output FILE]
    python -m modules.run --version

    every command: [--outdir DIR] [--no-synth] [--grace SECONDS] [--timeout DURATION]

STACK is a stack name or a shell pattern (`aurora`, `'peering-*'`); default every stack
(`outputs`: `aurora` and `aurora-secondary` where there is one, what `make render` reads).
First `python main.py` synthesizes into `--outdir` (default `cdktf.out`) unless `--no-synth`;
then the states the backend holds for the deployment are checked against the stacks
(`modules.run.orphans`: a state of no stack that holds resources stops the run); then
Terraform runs in each stack's directory (`modules.run.plan`, `modules.run.apply`). After a
deploy, recovery files whose imports are in the state are removed (`modules.run.recovery_files`).

Exit codes: 0 done; 1 a failure (a usage error included); 2 only for `plan
--detailed-exitcode`, when some stack has changes; 128 + N when stopped by signal N (130
for Ctrl-C); 124 when `--timeout` stopped the run.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from modules import __version__
from modules.config import selected_config_path
from modules.run.apply import ApplyOptions, run_apply
from modules.run.environment import terraform_env
from modules.run.outputs import DEFAULT_OUTPUTS_FILE, DEFAULT_STACKS, OutputsOptions, run_outputs
from modules.run.orphans import deployment_states
from modules.run.plan import DEFAULT_PARALLELISM, PlanOptions, run_plan
from modules.run.process import GRACE_SECONDS, Supervisor, say
from modules.run.recovery_files import retire_recovery_files
from modules.run.stacks import (
    ALL,
    IGNORE_MISSING,
    StackError,
    check_destroy_complete,
    dependency_order,
    read_manifest,
    select,
)
from modules.run.synth import synthesize

_DURATION = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<unit>[smh]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


def duration(text: str) -> float:
    """Seconds from `90`, `90s`, `45m` or `2h`."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 300, 45m or 2h")
    return float(match["number"]) * _UNIT_SECONDS[match["unit"]]


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 1, not argparse's 2: 2 means "changes" to `plan --detailed-exitcode`."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m modules.run", description="Plan, deploy or destroy the stacks with Terraform.")
    parser.add_argument("--version", action="version", version=f"keycloak-aurora {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("stacks", nargs="*", metavar="STACK", help="stack name or shell pattern (default: every stack)")
    common.add_argument("--outdir", type=Path, default=Path("cdktf.out"), help="synth output directory (default cdktf.out)")
    common.add_argument("--no-synth", dest="synth", action="store_false",
                        help="use the stacks already in --outdir instead of running `python main.py` first")
    common.add_argument("--grace", type=duration, default=GRACE_SECONDS, metavar="SECONDS",
                        help=f"after an interrupt, how long to wait for Terraform to stop (default {GRACE_SECONDS:.0f})")
    common.add_argument("--timeout", type=duration, metavar="DURATION",
                        help="stop the run gracefully after this long, e.g. 90m (default: no limit)")
    commands = parser.add_subparsers(dest="command", required=True)

    plan = commands.add_parser("plan", parents=[common], help="plan the stacks, write plan JSON and the summary")
    plan.add_argument("--detailed-exitcode", action="store_true",
                      help="exit 2 when any stack has changes (drift), 1 on a failure, else 0")
    plan.add_argument("--no-lock", dest="lock", action="store_false",
                      help="plan without the state lock (speculative plans with a read-only role)")
    plan.add_argument("--parallelism", type=int, default=DEFAULT_PARALLELISM, metavar="N",
                      help=f"stacks planned at once (default {DEFAULT_PARALLELISM})")
    plan.add_argument("--plans-dir", type=Path, default=Path("plans"), help="where <stack>.tfplan and <stack>.json go")
    plan.add_argument("--summary", type=Path, default=Path("plan-summary.md"), help="the review summary (Markdown)")
    plan.add_argument("--config", type=Path, help="config whose topology ends the summary (default: the synthesized one)")

    for name, text in (("deploy", "apply the stacks in dependency order"),
                       ("destroy", "destroy the stacks in reverse dependency order")):
        command = commands.add_parser(name, parents=[common], help=text)
        command.add_argument("--auto-approve", action="store_true", help="apply each plan without asking")
        if name == "destroy":
            command.add_argument(IGNORE_MISSING, dest="ignore_missing", action="store_true",
                                 help="destroy although a stack that depends on a selected one is not selected")

    outputs = commands.add_parser("outputs", parents=[common],
                                  help=f"write the deployed stacks' outputs (default: {', '.join(DEFAULT_STACKS)}, those there are)")
    outputs.add_argument("--output", type=Path, default=DEFAULT_OUTPUTS_FILE,
                         help=f"the file to write (default {DEFAULT_OUTPUTS_FILE}), as cdktf's --outputs-file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "parallelism", 1) < 1:
        _parser().error("--parallelism must be at least 1")
    if args.command in ("deploy", "destroy") and not args.auto_approve and not sys.stdin.isatty():
        say("error: no terminal to ask for approval on: pass --auto-approve (make deploy DEPLOY_FLAGS=--auto-approve)")
        return 1
    supervisor = Supervisor(grace=args.grace, timeout=args.timeout)
    env = terraform_env()
    with supervisor.handling_signals():
        if args.synth and not synthesize(supervisor, outdir=args.outdir, env=env):
            return supervisor.exit_code or 1
        try:
            stacks = read_manifest(args.outdir)
            states = deployment_states(getattr(args, "config", None) or selected_config_path(), args.outdir)
            if args.command in ("plan", "deploy", "destroy"):  # whatever STACKS picks
                states.check(stacks, remove_empty=args.command == "deploy")
            default = [name for name in DEFAULT_STACKS if name in stacks] if args.command == "outputs" else ALL
            names = select(stacks, args.stacks or default)
            if args.command == "plan":
                options = PlanOptions(
                    plans_dir=args.plans_dir, summary=args.summary, detailed_exitcode=args.detailed_exitcode,
                    lock=args.lock, parallelism=args.parallelism,
                    config=args.config or Path(selected_config_path()),
                )
                return run_plan([stacks[n] for n in names], options, supervisor, env)
            if args.command == "outputs":
                return run_outputs([stacks[n] for n in names], OutputsOptions(output=args.output), supervisor, env)
            destroy = args.command == "destroy"
            if destroy and not args.ignore_missing:
                check_destroy_complete(stacks, names, states.holds_resources)
            order = dependency_order(stacks, names)
            if destroy:
                order.reverse()
            options = ApplyOptions(destroy=destroy, auto_approve=args.auto_approve)
            code = run_apply([stacks[n] for n in order], options, supervisor, env)
            if not destroy:
                retire_recovery_files([stacks[n] for n in order], states.config, supervisor, env)
            return code
        except StackError as err:
            say(f"error: {err}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
