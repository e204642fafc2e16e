"""Check, before deploying, what would make a deployment fail or come out wrong.

    python -m modules.preflight [--config config/prod.yaml]     # make preflight CONFIG=...

Prints one row per check, ✓ (passed), ✗ (failed) or - (not checked: an earlier row
failed), each with its reason, and exits with status 1 when any row failed, else 0. The
config is the one `main.py` would synthesize (`--config`, else `KEYCLOAK_AURORA_CONFIG`,
else cdktf.json's, else config/example.yaml); an invalid config is the first failed row.
Read-only: STS GetCallerIdentity (and AssumeRole for `role_arn`), EC2 Describe*, RDS
Describe*, S3 HeadBucket and GetBucketVersioning. Uses the AWS credentials and the
config's `aws.endpoints` as the stacks do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from modules.config import ConfigError, command_config_path, load_config
from modules.preflight.checks import run_checks
from modules.preflight.context import Context, Result, Status


def table(rows: Sequence[Result]) -> str:
    """The rows as an aligned table; a reason of several lines continues under itself."""
    width = max(len(row.name) for row in rows)
    lines = []
    for row in rows:
        first, *rest = row.reason.splitlines() or [""]
        lines.append(f"{row.status.value} {row.name.ljust(width)}  {first}")
        lines.extend(f"  {' ' * width}  {line}" for line in rest)
    return "\n".join(lines)


def preflight(config_path: str, out: TextIO) -> int:
    """Run every check of the config at `config_path`, print the table to `out`; the exit status."""
    print(f"Preflight of {config_path} (read-only)\n", file=out)
    try:
        config = load_config(config_path)
    except ConfigError as err:
        print(table([Result("config", Status.FAIL, "\n".join(err.problems))]), file=out)
        print("\nThe config is invalid: fix it first.", file=out)
        return 1
    rows = [Result("config", Status.PASS, "valid"), *run_checks(Context(config))]
    print(table(rows), file=out)
    failed = sum(row.status is Status.FAIL for row in rows)
    print(f"\n{failed} of {len(rows)} checks failed." if failed else f"\nAll {len(rows)} checks passed.", file=out)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modules.preflight", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the deployment config (default: the one main.py would use)")
    args = parser.parse_args(argv)
    return preflight(command_config_path(args.config), sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
