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
   in a VPC of its own, and both stacks plan no change again;
4. with deletion protection on, destroying the secondary is refused before anything is
   deleted.

moto accepts what AWS refuses (any membership change), so the plan's shape is asserted
too, not only the apply.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modules.review.fit import render
from tests.conftest import synth_stacks
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
    # and a plan of either stack changes nothing
    for stack in ("aurora", "aurora-secondary"):
        code, output = regions.world.plan_exit_code(stack)
        assert code == 0, f"{stack}:\n{output[-3000:]}"


def test_protection_stops_a_destroy_of_the_secondary_before_anything_goes(regions: Regions) -> None:
    # `make destroy STACKS=aurora-secondary`: Terraform refuses at plan time (prevent_destroy)
    result = regions.world.run("destroy", "aurora-secondary", "--auto-approve")
    assert result.returncode == 1, explain(result, regions.world.moto)
    assert "run: destroy: aurora-secondary: failed" in result.stderr
    assert "Instance cannot be destroyed" in result.stdout and "lifecycle.prevent_destroy" in result.stdout
    assert regions.cluster(SECONDARY, OTHER_REGION)["Status"] == "available"
    rds = regions.world.client("rds", OTHER_REGION)
    assert len(rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [SECONDARY]}])["DBInstances"]) == 2
