"""`make switchover` (`python -m modules.switchover`) against a moto server: a global
database with a primary in eu-west-1 and a secondary in eu-central-1 (built with boto3;
the end-to-end world deploys one with the stacks). Without --yes nothing changes; a
planned switchover swaps the writer and back; --detach makes the secondary a cluster of
its own; both are refused where they would cut Keycloak off. moto has no
SwitchoverGlobalCluster and switches at once: the harness adds it, and the wait for AWS's
`switching-over` state is tested on a stand-in."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.config import ENDPOINT_SERVICES, parse_config
from modules.switchover.__main__ import switchover
from tests.conftest import ROOT
from tests.harness.moto import MotoServer, aws_env, boto3_client

PRIMARY, SECONDARY = "keycloak-aurora", "keycloak-aurora-eu-central-1"
GLOBAL = "keycloak-aurora-global"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    """A moto server with the global database of config/examples/global-database.yaml, and
    {primary, secondary: cluster ARN}."""
    with MotoServer.start(log_dir=tmp_path) as moto, pytest.MonkeyPatch.context() as env:
        for name, value in aws_env(moto.url).items():
            env.setenv(name, value)
        west, central = boto3_client("rds", "eu-west-1", moto.url), boto3_client("rds", "eu-central-1", moto.url)
        primary = west.create_db_cluster(DBClusterIdentifier=PRIMARY, Engine="aurora-postgresql", EngineVersion="16.8",
                                         MasterUsername="keycloak", MasterUserPassword="p" * 16)["DBCluster"]["DBClusterArn"]
        west.create_global_cluster(GlobalClusterIdentifier=GLOBAL, SourceDBClusterIdentifier=primary)
        secondary = central.create_db_cluster(DBClusterIdentifier=SECONDARY, Engine="aurora-postgresql",
                                              EngineVersion="16.8", GlobalClusterIdentifier=GLOBAL)["DBCluster"]["DBClusterArn"]
        data = yaml.safe_load((ROOT / "config" / "examples" / "global-database.yaml").read_text())
        data["aws"] = {"endpoints": {service: moto.url for service in sorted(ENDPOINT_SERVICES)}, "skip_validation": True}
        data["rosa_clusters"] = []  # none reaches the secondary's VPC yet: the command refuses with any
        yield (data, west), {"primary": primary, "secondary": secondary}


def run(data: dict[str, Any], **flags: bool) -> tuple[int, str]:
    out = io.StringIO()
    code = switchover(parse_config(copy.deepcopy(data)), detach=flags.get("detach", False), yes=flags.get("yes", False),
                      timeout=5, out=out)
    return code, out.getvalue()


def writers(rds: Any) -> dict[str, bool]:
    (found,) = rds.describe_global_clusters(GlobalClusterIdentifier=GLOBAL)["GlobalClusters"]
    return {m["DBClusterArn"]: m["IsWriter"] for m in found["GlobalClusterMembers"]}


def test_without_yes_it_only_says_what_it_would_do(world: Any) -> None:
    (data, rds), arns = world
    code, out = run(data)
    assert code == 0
    assert f"Would call SwitchoverGlobalCluster {GLOBAL} to {arns['secondary']}." in out
    assert writers(rds) == {arns["primary"]: True, arns["secondary"]: False}


def test_a_planned_switchover_swaps_the_writer_and_back(world: Any) -> None:
    (data, rds), arns = world
    code, out = run(data, yes=True)
    assert code == 0, out
    assert writers(rds) == {arns["primary"]: False, arns["secondary"]: True}
    assert f"  writer     {arns['secondary']}" in out.split("Done.")[1]
    code, _ = run(data, yes=True)
    assert code == 0 and writers(rds) == {arns["primary"]: True, arns["secondary"]: False}


def test_detaching_makes_the_secondary_a_cluster_of_its_own(world: Any) -> None:
    (data, rds), arns = world
    code, out = run(data, detach=True, yes=True)
    assert code == 0, out
    assert writers(rds) == {arns["primary"]: True}
    assert "Next: set aurora.secondary.detached: true" in out
    # once more: nothing left to detach
    code, out = run(data, detach=True, yes=True)
    assert code == 0 and "Nothing to do: no member in eu-central-1" in out


def test_a_deployment_without_a_secondary_is_refused(config_data: dict[str, Any]) -> None:
    out = io.StringIO()
    assert switchover(parse_config(config_data), detach=False, yes=True, timeout=5, out=out) == 2
    assert "aurora.secondary is not set" in out.getvalue()


def test_refused_while_rosa_clusters_cannot_reach_the_secondary(world: Any) -> None:
    (data, rds), arns = world
    data = copy.deepcopy(data)
    data["rosa_clusters"] = yaml.safe_load((ROOT / "config" / "examples" / "global-database.yaml").read_text())[
        "rosa_clusters"]
    code, out = run(data, yes=True)
    assert code == 1
    assert out == ("error: refused: no ROSA cluster reaches the secondary's VPC yet (rosa-dublin peer with eu-west-1 "
                   "only; issue #25): Keycloak would lose its database\n")
    assert writers(rds) == {arns["primary"]: True, arns["secondary"]: False}


def test_detaching_the_writer_is_refused(world: Any) -> None:
    (data, rds), arns = world
    assert run(data, yes=True)[0] == 0  # the secondary's cluster is now the writer
    code, out = run(data, detach=True, yes=True)
    assert code == 1 and f"error: refused: {arns['secondary']} is the writer (after a switchover)" in out
    assert writers(rds) == {arns["primary"]: False, arns["secondary"]: True}


class Settling:
    """A stand-in RDS client whose global cluster reports `states` in turn, then stays on the last."""

    def __init__(self, *states: dict[str, Any]) -> None:
        self.states = list(states)

    def describe_global_clusters(self, **_: Any) -> dict[str, Any]:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"GlobalClusters": [state]}


def test_the_wait_lasts_until_the_switchover_is_over() -> None:
    # AWS flips the members' roles before the global cluster leaves `switching-over`
    from modules.switchover.__main__ import at_rest, global_cluster, wait_for

    switching = {"Status": "switching-over", "FailoverState": {"Status": "switching-over"}}
    rds = Settling(switching, switching, {"Status": "available"})
    slept: list[float] = []
    assert wait_for(lambda: at_rest(global_cluster(rds, GLOBAL)), timeout=60, sleep=slept.append)
    assert len(slept) == 2
    assert not wait_for(lambda: at_rest(global_cluster(Settling(switching), GLOBAL)), timeout=0, sleep=slept.append)
