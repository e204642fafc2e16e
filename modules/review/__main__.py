"""Write the pull-request comment (Markdown) from the plans of every stack.

    python -m modules.review PLAN_JSON... [--config CONFIG_YAML] [--output FILE]
                             [--failed STACK]... [--waiting STACK=DEPENDENCY[,...]]... [--max-chars N]

Each PLAN_JSON is `terraform show -json <planfile>` of one stack, named `<stack>.json`
(the stack name is the file stem). `--config` appends the deployment's topology diagram.
Reads files only: no Node.js, no AWS call.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modules.config import ConfigError, load_config
from modules.review.fit import DEFAULT_MAX_CHARS, render
from modules.review.topology import markdown as topology_markdown


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m modules.review",
        description="Write a pull-request comment (Markdown) summarizing the Terraform plans of every stack.",
    )
    parser.add_argument(
        "plans", nargs="*", metavar="PLAN_JSON", help="`terraform show -json` output, named <stack>.json"
    )
    parser.add_argument("--config", metavar="CONFIG_YAML", help="deployment config: append its topology diagram")
    parser.add_argument("--output", metavar="FILE", help="write the Markdown here (default: stdout)")
    parser.add_argument(
        "--failed", action="append", default=[], metavar="STACK", help="a stack whose plan failed (repeatable)"
    )
    parser.add_argument(
        "--waiting", action="append", default=[], type=_waiting, metavar="STACK=DEPENDENCY[,...]",
        help="a stack not planned because the stacks it depends on hold nothing yet (repeatable)",
    )
    parser.add_argument(
        "--max-chars", type=int, default=DEFAULT_MAX_CHARS,
        help=f"size budget in UTF-8 bytes (default {DEFAULT_MAX_CHARS})",
    )
    return parser


def _waiting(text: str) -> tuple[str, tuple[str, ...]]:
    """`peering-a=aurora` -> ("peering-a", ("aurora",))."""
    stack, sep, dependencies = text.partition("=")
    if not sep or not stack or not dependencies:
        raise argparse.ArgumentTypeError(f"{text!r} is not STACK=DEPENDENCY[,...] (e.g. peering-a=aurora)")
    return stack, tuple(dependencies.split(","))


def _read_plans(paths: Sequence[str]) -> list[tuple[str, Any]]:
    """[(stack, plan document)] from files named `<stack>.json`; errors name the file."""
    plans: list[tuple[str, Any]] = []
    for path in map(Path, paths):
        if path.stem in (name for name, _ in plans):
            raise ValueError(f"{path}: a second plan for stack {path.stem!r}")
        try:
            plans.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{path}: cannot read a plan: {err}") from None
    return plans


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; 0 on success, 2 on unreadable input (the message on stderr)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.plans and not args.failed and not args.waiting:
        parser.error("give at least one PLAN_JSON (or --failed STACK when every plan failed)")
    try:
        plans = _read_plans(args.plans)
        topology = topology_markdown(load_config(args.config)) if args.config else None
        text = render(plans, failed=args.failed, waiting=dict(args.waiting), topology=topology,
                      max_chars=args.max_chars)
    except (ValueError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
