"""A second region (issue #25), in a world of its own: one moto server, the `aurora` stack
and then `aurora-secondary`, deployed with the project's own `cdktf deploy`. The tests run
in file order, each starting from where the last one left:

1. a single-region deployment (writer and one reader, `master_password: variable`, a
   memory-optimized class, as a global database needs) is deployed;
2. `aurora.secondary` added to its config: the plan of the `aurora` stack creates the
   global cluster and changes nothing else (plan JSON): the primary is joined in place,
   as the pull request's plan summary says;
3. both stacks deployed: the primary kept its resource id, the global cluster has both
   clusters as members (the primary the writer), the secondary runs in the second region
   in a VPC of its own, Keycloak's rendered patch names the global writer endpoint, and
   both stacks plan no change again;
4. an engine upgrade is refused by the plan of either stack (a member of a global
   database is not upgraded on its own); with deletion protection on, destroying the
   secondary is refused before anything is deleted;
5. a planned switchover (`make switchover`) and back: the writer moves, the config stays,
   both stacks plan clean;
6. the unplanned path: the secondary detached (`make switchover ARGS=--detach`), both
   stacks plan clean, and with `aurora.secondary.detached: true` the rendered patch names
   the secondary's own writer endpoint.

moto accepts what AWS refuses (any membership change), so the plan's shape is asserted
too, not only the apply. moto has no SwitchoverGlobalCluster and detached only in
us-east-1: the harness adds and fixes them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.review.fit import render
from tests.conftest import ROOT, synth_stacks
from tests.e2e.failures import explain
from tests.e2e.world import AURORA_REGION, OTHER_REGION, Deployment, e2e_config, new_world
from tests.harness.moto import MotoServer
from tests.harness.terraform import terraform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("global-database")]

NAME = "glob"
SECONDARY = f"{NAME}-{OTHER_REGION}"
GLOBAL = f"{NAME}-global"
CLUSTER_ADDRESS = "aws_rds_cluster.aurora_cluster_059EF40F"
GLOBAL_ADDRESS = "aws_rds_global_cluster.global-cluster"
#: Never in any output: the master password (TF_VAR_master_password).
PASSWORD = "e2e-Global-Pw-7c41d9"
SECONDARY_SECTION = {
    "region": OTHER_REGION,
    "vpc_cidr": "172.20.0.0/16",
    "subnets": [{"availability_zone": f"{OTHER_REGION}a", "cidr": "172.20.0.0/19"},
                {"availability_zone": f"{OTHER_REGION}b", "cidr": "172.20.32.0/19"}],
}


class Regions:
    """The scenario's world, and what one step leaves for the next."""

    def __init__(self, world: Deployment, work: Path) -> None:
        self.world = world
        self.work = work
        self.primary_resource_id = ""
        self.seconds: dict[str, float] = {}

    def cluster(self, name: str = NAME, region: str = AURORA_REGION) -> dict[str, Any]:
        (cluster,) = self.world.client("rds", region).describe_db_clusters(DBClusterIdentifier=name)["DBClusters"]
        return cluster

    def deploy(self, step: str, *stacks: str) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = self.world.deploy(*stacks)
        self.seconds[step] = round(time.monotonic() - started)
        return result

    def plan_json(self, data: dict[str, Any], name: str, stack: str = "aurora") -> dict[str, Any]:
        """`terraform show -json` of the plan of `data`'s `stack` against the deployed state."""
        stack_dir = self.work / name / "stacks" / stack
        synth_stacks(data, self.work / name)
        terraform(["init", "-input=false"], cwd=stack_dir, env=self.world.env)
        terraform(["plan", "-input=false", "-out=plan.tfplan"], cwd=stack_dir, env=self.world.env)
        return json.loads(terraform(["show", "-json", "plan.tfplan"], cwd=stack_dir, env=self.world.env).stdout)


def changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """{address: actions} of every managed resource the plan changes."""
    return {
        rc["address"]: rc["change"]["actions"]
        for rc in plan["resource_changes"]
        if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"]
    }


@pytest.fixture(scope="module")
def regions(terraform_env: dict[str, str], example_data: dict[str, Any],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regions]:
    """A single-region cluster ready for a global database, deployed: writer and one reader,
    protected, its password from TF_VAR_master_password."""
    work = tmp_path_factory.mktemp("global-database")
    with MotoServer.start(log_dir=tmp_path_factory.mktemp("global-database-moto")) as moto:
        data = e2e_config(example_data, moto.url)
        data["rosa_clusters"] = []
        data["keycloak"] = {"credentials": "copy"}
        data["aurora"].update(name=NAME, master_password="variable", instance_class="db.r6g.large", reader_count=1)
        world = new_world(moto, terraform_env, work, data)
        world.env["TF_VAR_master_password"] = PASSWORD
        scenario = Regions(world, work)
        scenario.deploy("single region", "aurora")
        yield scenario
        print(f"\nglobal-database apply times (s): {scenario.seconds}")


def test_a_single_region_deployment_has_no_global_cluster(regions: Regions) -> None:
    regions.primary_resource_id = regions.cluster()["DbClusterResourceId"]
    assert regions.world.client("rds").describe_global_clusters()["GlobalClusters"] == []


def test_adding_a_secondary_joins_the_primary_in_place(regions: Regions) -> None:
    data = regions.world.config()
    data["aurora"]["secondary"] = SECONDARY_SECTION
    regions.world.write_config(data)
    plan = regions.plan_json(data, "plan-join")
    # the global cluster is created from the primary; the primary itself is left as it is
    assert changes(plan) == {GLOBAL_ADDRESS: ["create"]}
    (created,) = [rc for rc in plan["resource_changes"] if rc["address"] == GLOBAL_ADDRESS]
    assert created["change"]["after"]["source_db_cluster_identifier"] == regions.cluster()["DBClusterArn"]
    # and the pull request's plan summary says so
    assert (f"> - `aurora`: `{GLOBAL_ADDRESS}` is created: the primary cluster joins it in place (no replacement)"
            in render({"aurora": plan}).splitlines())


def test_both_regions_deploy_and_plan_clean(regions: Regions) -> None:
    result = regions.deploy("secondary", "aurora", "aurora-secondary")
    assert PASSWORD not in result.stdout + result.stderr
    # the primary is the same cluster, now the writer of the global database
    primary = regions.cluster()
    assert primary["DbClusterResourceId"] == regions.primary_resource_id
    (global_cluster,) = regions.world.client("rds").describe_global_clusters(
        GlobalClusterIdentifier=GLOBAL)["GlobalClusters"]
    secondary = regions.cluster(SECONDARY, OTHER_REGION)
    members = {m["DBClusterArn"]: m["IsWriter"] for m in global_cluster["GlobalClusterMembers"]}
    assert members == {primary["DBClusterArn"]: True, secondary["DBClusterArn"]: False}
    assert global_cluster["DeletionProtection"] is True
    # the secondary: its own instances, subnets and key in the second region
    rds = regions.world.client("rds", OTHER_REGION)
    instances = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [SECONDARY]}])["DBInstances"]
    assert sorted((i["DBInstanceIdentifier"], i["AvailabilityZone"], i["DBInstanceClass"]) for i in instances) == [
        (f"{SECONDARY}-reader-1", f"{OTHER_REGION}b", "db.r6g.large"),
        (f"{SECONDARY}-writer", f"{OTHER_REGION}a", "db.r6g.large"),
    ]
    assert secondary["StorageEncrypted"] is True and f":kms:{OTHER_REGION}:" in secondary["KmsKeyId"]
    (subnet_group,) = rds.describe_db_subnet_groups(DBSubnetGroupName=secondary["DBSubnetGroup"])["DBSubnetGroups"]
    vpc = regions.world.client("ec2", OTHER_REGION).describe_vpcs(VpcIds=[subnet_group["VpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "172.20.0.0/16"
    outputs = regions.world.outputs()
    assert outputs["aurora"]["global_cluster_identifier"] == GLOBAL
    assert outputs["aurora-secondary"]["writer_endpoint"] == secondary["Endpoint"]
    # Keycloak's patch names the global writer endpoint moto gave (`make render`; the world
    # has no ROSA cluster, so the render's config adds one: the render reads no AWS)
    data = regions.world.config()
    data["rosa_clusters"] = [{"name": "rosa-site-a", "vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16"}]
    config = regions.work / "render-config.yaml"
    config.write_text(yaml.safe_dump(data))
    rendered = subprocess.run(
        [sys.executable, "-m", "modules.keycloak.render", "--outputs", str(regions.world.outputs_file), "--config",
         str(config), "--out-dir", str(regions.work / "rendered")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rendered.returncode == 0, rendered.stderr
    patch = yaml.safe_load((regions.work / "rendered" / "rosa-site-a" / "keycloak-db-patch.yaml").read_text())
    assert patch["spec"]["db"]["url"] == f"jdbc:aws-wrapper:postgresql://{global_cluster['Endpoint']}:5432/keycloak"
    assert outputs["aurora"]["global_writer_endpoint"] == global_cluster["Endpoint"]
    # and a plan of either stack changes nothing
    for stack in ("aurora", "aurora-secondary"):
        code, output = regions.world.plan_exit_code(stack)
        assert code == 0, f"{stack}:\n{output[-3000:]}"


def test_an_engine_upgrade_of_a_member_is_refused_by_the_plan(regions: Regions) -> None:
    # AWS upgrades a global database through its global cluster, secondaries first: a
    # member's ModifyDBCluster (what the aurora stack would send first) is refused there
    data = regions.world.config()
    data["aurora"]["engine_version"] = "16.9"
    for stack in ("aurora", "aurora-secondary"):
        stack_dir = regions.work / "plan-upgrade" / "stacks" / stack
        if stack == "aurora":
            synth_stacks(data, regions.work / "plan-upgrade")
        terraform(["init", "-input=false"], cwd=stack_dir, env=regions.world.env)
        result = terraform(["plan", "-input=false"], cwd=stack_dir, env=regions.world.env, ok_codes=(1,))
        refused = " ".join((result.stdout + result.stderr).split())
        assert "Refused: aurora.engine_version is 16.9, newer than the 16.8 the cluster runs, and it belongs to a " \
               "global database" in refused, f"{stack}: {refused[-2000:]}"


def test_protection_stops_a_destroy_of_the_secondary_before_anything_goes(regions: Regions) -> None:
    # `make destroy STACKS=aurora-secondary`: Terraform refuses at plan time (prevent_destroy)
    result = regions.world.run("destroy", "aurora-secondary", "--auto-approve")
    assert result.returncode == 1, explain(result, regions.world.moto)
    assert "run: destroy: aurora-secondary: failed" in result.stderr
    assert "Instance cannot be destroyed" in result.stdout and "lifecycle.prevent_destroy" in result.stdout
    assert regions.cluster(SECONDARY, OTHER_REGION)["Status"] == "available"
    rds = regions.world.client("rds", OTHER_REGION)
    assert len(rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [SECONDARY]}])["DBInstances"]) == 2


def switch(regions: Regions, *args: str) -> subprocess.CompletedProcess[str]:
    """`make switchover ARGS='<args> --yes'` against the world."""
    result = subprocess.run(
        [sys.executable, "-m", "modules.switchover", "--config", str(regions.world.config_path), *args, "--yes"],
        cwd=ROOT, env=regions.world.runner_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def writers(regions: Regions) -> dict[str, bool]:
    (found,) = regions.world.client("rds").describe_global_clusters(GlobalClusterIdentifier=GLOBAL)["GlobalClusters"]
    return {m["DBClusterArn"]: m["IsWriter"] for m in found["GlobalClusterMembers"]}


def test_a_planned_switchover_needs_no_config_change_and_plans_clean(regions: Regions) -> None:
    primary, secondary = regions.cluster()["DBClusterArn"], regions.cluster(SECONDARY, OTHER_REGION)["DBClusterArn"]
    switch(regions)
    assert writers(regions) == {primary: False, secondary: True}
    # the roles swapped inside the global database: nothing for Terraform to put back
    for stack in ("aurora", "aurora-secondary"):
        code, output = regions.world.plan_exit_code(stack)
        assert code == 0, f"{stack}:\n{output[-3000:]}"
    switch(regions)
    assert writers(regions) == {primary: True, secondary: False}


def test_after_an_unplanned_detach_the_config_points_keycloak_at_the_secondary(regions: Regions) -> None:
    primary, secondary = regions.cluster()["DBClusterArn"], regions.cluster(SECONDARY, OTHER_REGION)["DBClusterArn"]
    # GIVEN the primary's region lost: the runbook's first step detaches the secondary
    switch(regions, "--detach")
    assert writers(regions) == {primary: True}
    # THEN neither stack plans a change (no replacement, no re-join) ...
    for stack in ("aurora", "aurora-secondary"):
        code, output = regions.world.plan_exit_code(stack)
        assert code == 0, f"{stack}:\n{output[-3000:]}"
    # ... AND with `detached: true` (the runbook's next step) the config is valid and the
    # rendered patch names the secondary's own writer endpoint
    data = regions.world.config()
    data["aurora"]["secondary"]["detached"] = True
    data["rosa_clusters"] = [{"name": "rosa-site-a", "vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16"}]
    config = regions.work / "detached-config.yaml"
    config.write_text(yaml.safe_dump(data))
    rendered = subprocess.run(
        [sys.executable, "-m", "modules.keycloak.render", "--outputs", str(regions.world.outputs_file), "--config",
         str(config), "--out-dir", str(regions.work / "rendered-detached")], cwd=ROOT, capture_output=True, text=True,
        timeout=120)
    assert rendered.returncode == 0, rendered.stderr
    patch = yaml.safe_load((regions.work / "rendered-detached" / "rosa-site-a" / "keycloak-db-patch.yaml").read_text())
    endpoint = regions.cluster(SECONDARY, OTHER_REGION)["Endpoint"]
    assert patch["spec"]["db"]["url"] == f"jdbc:aws-wrapper:postgresql://{endpoint}:5432/keycloak"
