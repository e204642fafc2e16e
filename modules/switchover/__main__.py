"""Move the global database's writer to the other region, or detach the secondary.

    python -m modules.switchover [--config C] [--detach] [--yes]    # make switchover ARGS=...

Without `--yes` it only shows the global database's members and what it would do.

* Planned (the default): `SwitchoverGlobalCluster` to the member that is not the writer.
  Both regions must be healthy; AWS waits for the secondary to catch up, so no committed
  write is lost. The roles swap inside the global database: the config stays as it is and
  a plan of either stack stays clean. Run it again to move back.
* `--detach` (unplanned: the primary's region is lost): `RemoveFromGlobalCluster` of the
  secondary's cluster, called in its region, while it is not the writer. It stops
  replicating and becomes a writable cluster of its own, with what it had replicated (the
  last second or so of writes may be lost). Then set `aurora.secondary.detached: true`,
  `make outputs` and `make render`: the patch names the secondary's own endpoint. The
  plans stay clean (both clusters leave their membership to AWS). Rebuilding a global
  database from it is a change of its own (docs/operations.md).

Refused while the config has live ROSA clusters: none is peered with the secondary's VPC
yet (issue #25), so Keycloak could not reach a writer in the other region.

Each call is printed before it is made; the command waits (up to `--timeout` seconds,
default 1800) until the global database is `available` again with the new writer (or the
detached cluster `available` on its own), then prints the members again. Exit status 0
when done (or nothing to do), 1 when refused, when AWS refused or the wait ran out, 2 on a
config without `aurora.secondary`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from modules.aws.clients import AwsClients
from modules.config import ConfigError, DeploymentConfig, command_config_path, load_config
from modules.naming import global_cluster_identifier

#: How often the wait asks AWS again, in seconds.
POLL_SECONDS = 10


def global_cluster(rds: Any, identifier: str) -> dict[str, Any]:
    (found,) = rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"]
    return found


def roles(found: dict[str, Any]) -> dict[str, bool]:
    """{member cluster ARN: is the writer} of a global cluster as DescribeGlobalClusters gives it."""
    return {m["DBClusterArn"]: bool(m.get("IsWriter")) for m in found.get("GlobalClusterMembers", [])}


def members(rds: Any, identifier: str) -> dict[str, bool]:
    """{member cluster ARN: is the writer} of the global cluster `identifier`."""
    return roles(global_cluster(rds, identifier))


def at_rest(found: dict[str, Any]) -> bool:
    """The global cluster is `available` with no switchover or failover under way (its
    members' roles may flip before it is)."""
    return found.get("Status") == "available" and not found.get("FailoverState")


def describe(current: dict[str, bool]) -> str:
    return "\n".join(f"  {'writer   ' if writer else 'secondary'}  {arn}" for arn, writer in current.items()) or "  none"


def wait_for(check: Callable[[], bool], timeout: float, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Whether `check()` held within `timeout` seconds, asked every `POLL_SECONDS`."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        sleep(POLL_SECONDS)


def switchover(config: DeploymentConfig, *, detach: bool, yes: bool, timeout: float, out: TextIO) -> int:
    """The command on a loaded config; returns the exit status."""
    secondary = config.aurora.secondary
    if secondary is None:
        print("error: aurora.secondary is not set: this deployment has no global database", file=out)
        return 2
    live = [rosa.name for rosa in config.live_rosa_clusters]
    if live:
        print(f"error: refused: no ROSA cluster reaches the secondary's VPC yet ({', '.join(live)} peer with "
              f"{config.aurora.region} only; issue #25): Keycloak would lose its database", file=out)
        return 1
    identifier = global_cluster_identifier(config.aurora.name)
    # The primary's region answers for the global cluster, unless it is the one lost.
    region = secondary.region if detach else config.aurora.region
    rds = AwsClients(region, endpoints=config.aws.endpoints).client("rds")
    try:
        before = members(rds, identifier)
        print(f"Global database {identifier}:\n{describe(before)}", file=out)
        secondary_arn = next((arn for arn in before if f":{secondary.region}:" in arn), None)
        if detach:
            if secondary_arn is None:
                print(f"Nothing to do: no member in {secondary.region}; set aurora.secondary.detached: true", file=out)
                return 0
            if before[secondary_arn]:
                print(f"error: refused: {secondary_arn} is the writer (after a switchover); detaching is for the "
                      "secondary's cluster while the primary's region is lost", file=out)
                return 1
            call = (f"RemoveFromGlobalCluster {identifier} {secondary_arn} ({secondary.region}): it stops replicating "
                    "and takes writes")
            act = lambda: rds.remove_from_global_cluster(  # noqa: E731
                GlobalClusterIdentifier=identifier, DbClusterIdentifier=secondary_arn)

            def done() -> bool:
                if secondary_arn in members(rds, identifier):
                    return False
                (cluster,) = rds.describe_db_clusters(DBClusterIdentifier=secondary_arn)["DBClusters"]
                return cluster.get("Status") == "available"  # "promoting" for minutes on AWS
        else:
            targets = [arn for arn, writer in before.items() if not writer]
            if len(targets) != 1 or len(before) != 2:
                print("error: a switchover needs one writer and one secondary", file=out)
                return 1
            target = targets[0]
            call = f"SwitchoverGlobalCluster {identifier} to {target}"
            act = lambda: rds.switchover_global_cluster(  # noqa: E731
                GlobalClusterIdentifier=identifier, TargetDbClusterIdentifier=target)

            def done() -> bool:  # one DescribeGlobalClusters per poll
                found = global_cluster(rds, identifier)
                return at_rest(found) and roles(found).get(target) is True
        if not yes:
            print(f"Would call {call}.\nRun again with --yes to do it.", file=out)
            return 0
        print(f"Calling {call}", file=out)
        act()
        if not wait_for(done, timeout):
            print(f"error: not done after {timeout:g} s; see `aws rds describe-global-clusters`", file=out)
            return 1
        print(f"Done. Global database {identifier}:\n{describe(members(rds, identifier))}", file=out)
    except (BotoCoreError, ClientError, ValueError) as err:
        print(f"error: {err}", file=out)
        return 1
    if detach:
        print("Next: set aurora.secondary.detached: true in the config, then `make outputs`, `make render` and "
              "apply the patch (docs/operations.md, \"A second region\").", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modules.switchover", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the deployment config (default: the one main.py would use)")
    parser.add_argument("--detach", action="store_true",
                        help="unplanned: detach the secondary, which then takes writes (the primary's region is lost)")
    parser.add_argument("--yes", action="store_true", help="do it (without: only show what it would do)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for AWS (default 1800)")
    args = parser.parse_args(argv)
    try:
        config = load_config(command_config_path(args.config))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return switchover(config, detach=args.detach, yes=args.yes, timeout=args.timeout, out=sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
