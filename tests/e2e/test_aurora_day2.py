"""Day 2 of the Aurora cluster (issues #11 and #21), in a world of its own: one moto
server, only the `aurora` stack, a writer and one reader, deployed with the project's own
`cdktf deploy`. The tests run in file order, each starting from where the last one left:

1. a new cluster on 15.10, with its own maintenance and backup windows, cluster and
   instance parameters and Performance Insights retention: the instance named `writer`
   is the cluster's writer, and every setting reads back from RDS;
2. a minor version bumped out of band: no change planned with auto minor upgrades on, a
   plan refused with the version to set with them off;
3. new windows, parameters and retention: the plan changes everything in place (plan JSON;
   applied with the next step, to spare an apply);
4. a major upgrade to 16.8 and an instance class change with `readers_first`, in one apply
   (each costs minutes against moto), in place (same identifiers and resource ids): both
   parameter groups replaced create-first, the instance group named in the cluster's
   upgrade call (plan JSON, then the order of AWS calls), the reader modified before the
   writer (moto's request log and the apply's own events), the writer still the writer,
   the alarms' thresholds following the new class; then a downgrade refused by the plan;
5. destroy, restore the first final snapshot: the destroy leaves a final snapshot, and the
   render command gives the restored cluster's endpoint;
6. the restored cluster moved to Serverless v2 in place, with its capacity range;
7. destroy again: each destroy left a final snapshot of its own.

moto accepts what AWS refuses (a parameter group deleted while in use, any engine version
change), so the plans' shapes are asserted too, not only the applies. Where the order of
AWS calls matters, moto's request recorder shows it: the harness serves one request at a
time, so the recording is in the order served.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.review.fit import render
from modules.review.plan import stack_plan
from tests.conftest import ROOT, synth_stacks
from tests.e2e.world import OIDC_ISSUERS, Deployment, e2e_config, new_world
from tests.harness.moto import MotoServer, query_actions
from tests.harness.terraform import terraform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("aurora-day2")]

NAME = "day2"
WRITER, READER = f"{NAME}-writer", f"{NAME}-reader-1"
WRITER_ADDRESS = "aws_rds_cluster_instance.aurora_writer_E7281974"
READER_ADDRESS = "aws_rds_cluster_instance.aurora_reader-1_D522C707"
GROUP_ADDRESS = "aws_rds_cluster_parameter_group.aurora_parameter-group_6B552E7A"
INSTANCE_GROUP_ADDRESS = "aws_db_parameter_group.aurora_instance-parameter-group_1C90C8E3"
CLUSTER_ADDRESS = "aws_rds_cluster.aurora_cluster_059EF40F"
DASHBOARD_ADDRESS = "aws_cloudwatch_dashboard.dashboard"
#: The alarms whose thresholds are shares of the class's memory (db.t4g.large and
#: db.r6g.large both have 2 vCPUs: the DB load alarm stays).
CLASS_ALARMS = [
    f"aws_cloudwatch_metric_alarm.alarms_{key}"
    for key in ("writer-memory_36B577FC", "reader-memory_3BE3BD60", "writer-connections_F82B3DDD")
]
#: What the cluster is created with (step 1) and what step 3 changes it to.
CREATED = {
    "maintenance_window": "sat:22:00-sat:23:00",
    "backup_window": "01:00-01:30",
    "cluster_parameters": {"log_min_duration_statement": 500},
    "instance_parameters": {"shared_preload_libraries": {"value": "pg_stat_statements", "apply_method": "pending-reboot"}},
    "performance_insights_retention_days": 31,
}
CHANGED = {
    "maintenance_window": "tue:03:00-tue:04:00",
    "backup_window": "23:30-00:30",
    "cluster_parameters": {"log_min_duration_statement": 250, "pg_stat_statements.track": "all"},
    "instance_parameters": {"shared_preload_libraries": {"value": "pg_stat_statements", "apply_method": "pending-reboot"},
                            "work_mem": 16384},
    "performance_insights_retention_days": 93,
}


class Day2:
    """The scenario's world, and what one step leaves for the next."""

    def __init__(self, world: Deployment, work: Path) -> None:
        self.world = world
        self.work = work
        self.ids: dict[str, str] = {}
        self.first_snapshot = ""
        self.first_secret = ""
        self.seconds: dict[str, float] = {}

    @property
    def rds(self) -> Any:
        return self.world.client("rds")

    def cluster(self) -> dict[str, Any]:
        (cluster,) = self.rds.describe_db_clusters(DBClusterIdentifier=NAME)["DBClusters"]
        return cluster

    def instances(self) -> dict[str, dict[str, Any]]:
        found = self.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [NAME]}])["DBInstances"]
        return {i["DBInstanceIdentifier"]: i for i in found}

    def writers(self) -> dict[str, bool]:
        """{instance: IsClusterWriter} as RDS reports the cluster's members."""
        return {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in self.cluster()["DBClusterMembers"]}

    def tuning(self, major: int) -> dict[str, Any]:
        """The windows of the cluster and its instances, each instance's parameter group and
        Performance Insights retention, and the parameters of the groups of `major`, as RDS
        reports them."""
        cluster = self.cluster()
        cluster_group = self.rds.describe_db_cluster_parameters(
            DBClusterParameterGroupName=f"{NAME}-aurora-postgresql{major}")["Parameters"]
        instance_group = self.rds.describe_db_parameters(
            DBParameterGroupName=f"{NAME}-instance-aurora-postgresql{major}")["Parameters"]
        return {
            "cluster windows": (cluster["PreferredMaintenanceWindow"], cluster["PreferredBackupWindow"]),
            "instances": {
                name: {"window": i["PreferredMaintenanceWindow"],
                       "group": [g["DBParameterGroupName"] for g in i["DBParameterGroups"]][0],
                       "retention": i["PerformanceInsightsRetentionPeriod"]}
                for name, i in self.instances().items()
            },
            "cluster parameters": {p["ParameterName"]: p["ParameterValue"] for p in cluster_group},
            "instance parameters": {p["ParameterName"]: p["ParameterValue"] for p in instance_group},
        }

    def thresholds(self) -> dict[str, float]:
        """{alarm name without the cluster's: threshold} of the alarms that follow the class."""
        found = self.world.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{NAME} ")["MetricAlarms"]
        names = {"writer memory low", "reader memory low", "writer connections near", "writer load above"}
        return {a["AlarmName"].removeprefix(f"{NAME} "): a["Threshold"] for a in found
                if any(a["AlarmName"].removeprefix(f"{NAME} ").startswith(n) for n in names)}

    def change(self, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Edit the world's config as an operator does before a deploy; returns the new data."""
        data = self.world.config()
        edit(data["aurora"])
        self.world.write_config(data)
        return data

    def deploy(self, step: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = self.world.deploy("aurora", check=check)
        self.seconds[step] = round(time.monotonic() - started)
        return result

    def plan_json(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        """`terraform show -json` of the plan of `data`'s aurora stack against the deployed state."""
        stack_dir = self.work / name / "stacks" / "aurora"
        synth_stacks(data, self.work / name)
        terraform(["init", "-input=false"], cwd=stack_dir, env=self.world.env)
        terraform(["plan", "-input=false", "-out=plan.tfplan"], cwd=stack_dir, env=self.world.env)
        return json.loads(terraform(["show", "-json", "plan.tfplan"], cwd=stack_dir, env=self.world.env).stdout)

    def deployed_plan(self) -> dict[str, Any]:
        """`terraform show -json` of a plan of the deployed config, in the world's stack directory."""
        stack_dir, planfile = self.world.stack_dir("aurora"), str(self.work / "deployed.tfplan")
        terraform(["plan", "-input=false", f"-out={planfile}"], cwd=stack_dir, env=self.world.env)
        return json.loads(terraform(["show", "-json", planfile], cwd=stack_dir, env=self.world.env).stdout)

    def refused_plan(self, data: dict[str, Any], name: str) -> str:
        """The output of a plan of `data`'s aurora stack that must fail."""
        stack_dir = self.work / name / "stacks" / "aurora"
        synth_stacks(data, self.work / name)
        terraform(["init", "-input=false"], cwd=stack_dir, env=self.world.env)
        result = terraform(["plan", "-input=false"], cwd=stack_dir, env=self.world.env, ok_codes=(1,))
        return " ".join((result.stdout + result.stderr).split())

    def recorded(self, deploy: Callable[[], object]) -> list[tuple[str, dict[str, str]]]:
        """The AWS query actions (RDS, EC2, ...) served while `deploy` ran, in order."""
        self.world.moto.start_recording()
        try:
            deploy()
        finally:
            self.world.moto.stop_recording()
        return query_actions(self.world.moto.recorded_requests())


def changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """{address: actions} of every managed resource the plan changes."""
    return {
        rc["address"]: rc["change"]["actions"]
        for rc in plan["resource_changes"]
        if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"]
    }


def index_of(actions: list[tuple[str, dict[str, str]]], action: str, **params: str) -> list[int]:
    """Positions of `action` calls carrying all of `params`."""
    return [i for i, (name, sent) in enumerate(actions) if name == action and params.items() <= sent.items()]


@pytest.fixture(scope="module")
def day2(terraform_env: dict[str, str], example_data: dict[str, Any],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day2]:
    """A new 15.10 cluster, writer and one reader, protected, changes applied immediately,
    auto minor version upgrades on."""
    work = tmp_path_factory.mktemp("aurora-day2")
    with MotoServer.start(log_dir=tmp_path_factory.mktemp("aurora-day2-moto")) as moto:
        data = e2e_config(example_data, moto.url)
        data["rosa_clusters"] = []
        data["aurora"].update(
            name=NAME, engine_version="15.10", reader_count=1, apply_immediately=True, auto_minor_version_upgrade=True,
            **CREATED,
        )
        scenario = Day2(new_world(moto, terraform_env, work, data), work)
        scenario.deploy("create 15.10")
        yield scenario
        print(f"\naurora-day2 apply times (s): {scenario.seconds}")


def test_a_new_cluster_makes_the_instance_named_writer_its_writer(day2: Day2) -> None:
    # The first instance created in a cluster becomes its writer: by default the reader waits.
    assert day2.writers() == {WRITER: True, READER: False}
    cluster = day2.cluster()
    assert cluster["EngineVersion"] == "15.10"
    assert cluster["DBClusterParameterGroup"] == f"{NAME}-aurora-postgresql15"
    day2.ids = {NAME: cluster["DbClusterResourceId"], **{n: i["DbiResourceId"] for n, i in day2.instances().items()}}
    # the windows, parameters and retention of the config, on the cluster and every instance
    assert day2.tuning(15) == tuned(CREATED, 15)


def tuned(settings: dict[str, Any], major: int) -> dict[str, Any]:
    """What `Day2.tuning` reads back for a cluster configured with `settings` on `major`."""
    instance = {"window": settings["maintenance_window"], "group": f"{NAME}-instance-aurora-postgresql{major}",
                "retention": settings["performance_insights_retention_days"]}

    def text(value: Any) -> str:
        return str(value["value"] if isinstance(value, dict) else value)

    return {
        "cluster windows": (settings["maintenance_window"], settings["backup_window"]),
        "instances": {WRITER: instance, READER: instance},
        "cluster parameters": {"rds.force_ssl": "1", "log_statement": "ddl",
                               **{k: text(v) for k, v in settings["cluster_parameters"].items()}},
        "instance parameters": {k: text(v) for k, v in settings["instance_parameters"].items()},
    }


def test_a_minor_upgrade_by_aws_plans_no_change_with_auto_minor_upgrades(day2: Day2) -> None:
    # GIVEN AWS moved the cluster to 15.11 (auto minor upgrade in the maintenance window;
    # moto moves the cluster only, AWS its instances too: they follow the cluster)
    day2.rds.modify_db_cluster(DBClusterIdentifier=NAME, EngineVersion="15.11", ApplyImmediately=True)
    assert day2.cluster()["EngineVersion"] == "15.11"
    # THEN with auto minor upgrades on (the config still says 15.10) nothing is planned
    code, output = day2.world.plan_exit_code("aurora")
    assert code == 0, output[-3000:]
    # AND with them off the plan is refused, naming the version to set
    data = copy.deepcopy(day2.world.config())
    data["aurora"]["auto_minor_version_upgrade"] = False
    refused = day2.refused_plan(data, "plan-minor-drift")
    assert "Refused: aurora.engine_version is 15.10, older than the 15.11 the cluster runs" in refused
    assert 'set aurora.engine_version: "15.11"' in refused


def test_windows_parameters_and_retention_change_in_place(day2: Day2) -> None:
    # GIVEN other windows, a changed and a new cluster parameter, a new instance parameter,
    # three months of Performance Insights
    data = day2.change(lambda aurora: aurora.update(CHANGED))
    # THEN the plan changes the cluster, its instances and both groups in place: no
    # replacement (moto would accept one; the plan shows what AWS would be asked)
    plan = day2.plan_json(data, "plan-tuning")
    assert changes(plan) == {
        CLUSTER_ADDRESS: ["update"],
        WRITER_ADDRESS: ["update"],
        READER_ADDRESS: ["update"],
        GROUP_ADDRESS: ["update"],
        INSTANCE_GROUP_ADDRESS: ["update"],
    }
    reviewed = {change.address: change.attributes for change in stack_plan("aurora", plan).changes}
    assert {"preferred_maintenance_window", "preferred_backup_window"} <= set(reviewed[CLUSTER_ADDRESS])
    for instance in (WRITER_ADDRESS, READER_ADDRESS):
        assert set(reviewed[instance]) == {"preferred_maintenance_window", "performance_insights_retention_period"}
    assert reviewed[GROUP_ADDRESS] == reviewed[INSTANCE_GROUP_ADDRESS] == ("parameter",)
    # AND the plan summary says so in one line (applied with the next step's upgrade)
    summary = render({"aurora": plan})
    assert ("> - Windows: the maintenance window of 1 cluster and 2 instances; the backup window of 1 cluster (in place;"
            " pending changes wait for the new maintenance window)") in summary


def test_a_major_upgrade_and_a_class_change_in_one_apply_in_place_readers_first(day2: Day2) -> None:
    # GIVEN 16.8 (auto minor upgrades off for this apply, as a major upgrade needs), a new
    # class with readers_first (the cluster exists), and protection lifted for what follows:
    # one apply, each costs minutes here; the two orders proven below are independent.
    data = day2.change(lambda aurora: aurora.update(
        engine_version="16.8", auto_minor_version_upgrade=False, instance_class="db.r6g.large", readers_first=True,
        deletion_protection=False,
    ))

    # The plan: the cluster and instances updated in place (with the step before's windows,
    # parameters and retention), both parameter groups replaced creating the new one first
    # (AWS refuses to delete a group in use; moto would not), and the alarms that are shares
    # of the class's memory or vCPUs re-thresholded for db.r6g.large, all in this one apply.
    plan = day2.plan_json(data, "plan-upgrade")
    assert changes(plan) == {
        CLUSTER_ADDRESS: ["update"],
        WRITER_ADDRESS: ["update"],
        READER_ADDRESS: ["update"],
        GROUP_ADDRESS: ["create", "delete"],
        INSTANCE_GROUP_ADDRESS: ["create", "delete"],
        **{address: ["update"] for address in CLASS_ALARMS},
        DASHBOARD_ADDRESS: ["update"],
    }

    output: list[str] = []
    actions = day2.recorded(lambda: output.append(day2.deploy("major upgrade, class change, tuning").stdout))

    # The calls: the new groups; one ModifyDBCluster moving version and groups (the instance
    # group named, as AWS requires for a custom one); the reader's ModifyDBInstance, then the
    # writer's; the old groups last. No instance is re-created.
    (create,) = index_of(actions, "CreateDBClusterParameterGroup", DBClusterParameterGroupName=f"{NAME}-aurora-postgresql16",
                         DBParameterGroupFamily="aurora-postgresql16")
    (create_instance_group,) = index_of(actions, "CreateDBParameterGroup",
                                        DBParameterGroupName=f"{NAME}-instance-aurora-postgresql16",
                                        DBParameterGroupFamily="aurora-postgresql16")
    (modify,) = index_of(actions, "ModifyDBCluster", DBClusterIdentifier=NAME, EngineVersion="16.8",
                         AllowMajorVersionUpgrade="true", ApplyImmediately="true",
                         DBClusterParameterGroupName=f"{NAME}-aurora-postgresql16",
                         DBInstanceParameterGroupName=f"{NAME}-instance-aurora-postgresql16")
    (reader,) = index_of(actions, "ModifyDBInstance", DBInstanceIdentifier=READER, DBInstanceClass="db.r6g.large",
                         ApplyImmediately="true")
    (writer,) = index_of(actions, "ModifyDBInstance", DBInstanceIdentifier=WRITER, DBInstanceClass="db.r6g.large",
                         ApplyImmediately="true")
    (delete,) = index_of(actions, "DeleteDBClusterParameterGroup", DBClusterParameterGroupName=f"{NAME}-aurora-postgresql15")
    (delete_instance_group,) = index_of(actions, "DeleteDBParameterGroup",
                                        DBParameterGroupName=f"{NAME}-instance-aurora-postgresql15")
    assert max(create, create_instance_group) < modify < reader < writer < min(delete, delete_instance_group)
    assert index_of(actions, "CreateDBInstance") == index_of(actions, "DeleteDBInstance") == []
    # the apply's own events: the writer starts only once the reader is done
    log = output[0]
    assert log.index(f"{READER_ADDRESS}: Modifications complete") < log.index(f"{WRITER_ADDRESS}: Modifying...")

    # The same cluster and instances, on 16.8, on the new group; only that group is left.
    cluster = day2.cluster()
    assert (cluster["EngineVersion"], cluster["DBClusterParameterGroup"]) == ("16.8", f"{NAME}-aurora-postgresql16")
    assert {NAME: cluster["DbClusterResourceId"], **{n: i["DbiResourceId"] for n, i in day2.instances().items()}} == day2.ids
    assert {n: i["DBInstanceClass"] for n, i in day2.instances().items()} == {WRITER: "db.r6g.large", READER: "db.r6g.large"}
    groups = day2.rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
    assert [g["DBClusterParameterGroupName"] for g in groups if g["DBClusterParameterGroupName"].startswith(NAME)] == [
        f"{NAME}-aurora-postgresql16"
    ]
    groups = day2.rds.describe_db_parameter_groups()["DBParameterGroups"]
    assert [g["DBParameterGroupName"] for g in groups if g["DBParameterGroupName"].startswith(NAME)] == [
        f"{NAME}-instance-aurora-postgresql16"
    ]
    # the windows, parameters and retention of step 3, on the new groups
    assert day2.tuning(16) == tuned(CHANGED, 16)
    # the alarms follow the class: db.r6g.large has 2 vCPUs and 16 GiB (max_connections 1802)
    assert day2.thresholds() == {
        "writer memory low: Keycloak's queries may fail": 16 * 1024**3 // 4,
        "reader memory low: the failover target may restart": 16 * 1024**3 // 4,
        "writer connections near the limit: Keycloak logins will fail": (16 * 1024**3 // 9531392) * 80 // 100,
        "writer load above its vCPUs: Keycloak's requests queue": 2,
    }
    state = json.loads(terraform(["state", "pull"], cwd=day2.world.stack_dir("aurora"), env=day2.world.env).stdout)
    (group,) = [r for r in state["resources"] if f"{r['type']}.{r['name']}" == GROUP_ADDRESS]
    assert [i["attributes"]["name"] for i in group["instances"]] == [f"{NAME}-aurora-postgresql16"]
    # the writer stays the writer
    assert day2.writers() == {WRITER: True, READER: False}

    code, plan_output = day2.world.plan_exit_code("aurora")
    assert code == 0, plan_output[-3000:]


def test_a_downgrade_is_refused_by_the_plan(day2: Day2) -> None:
    # The plan `cdktf deploy` runs first: a failed plan applies nothing.
    data = copy.deepcopy(day2.world.config())
    data["aurora"]["engine_version"] = "15.11"
    refused = day2.refused_plan(data, "plan-downgrade")
    assert "Refused: aurora.engine_version is 15.11, older than the 16.8 the cluster runs, and Aurora cannot" in refused


def final_snapshots(day2: Day2) -> list[str]:
    found = day2.rds.describe_db_cluster_snapshots(DBClusterIdentifier=NAME)["DBClusterSnapshots"]
    return sorted(s["DBClusterSnapshotIdentifier"] for s in found if s["DBClusterSnapshotIdentifier"].startswith(f"{NAME}-final-"))


def test_destroy_then_restore_the_final_snapshot(day2: Day2, tmp_path: Path) -> None:
    day2.first_secret = day2.world.outputs()["aurora"]["master_secret_arn"]
    # WHEN the cluster is destroyed (protection was lifted)
    started = time.monotonic()
    day2.world.destroy("aurora")
    day2.seconds["destroy 1"] = round(time.monotonic() - started)
    # THEN it leaves a final snapshot named for that cluster
    (first,) = final_snapshots(day2)
    assert first.startswith(f"{NAME}-final-") and len(first) == len(f"{NAME}-final-") + 8

    # WHEN a new cluster is restored from it, readers_first left on by mistake
    day2.change(lambda aurora: aurora.update(restore={"snapshot": first}))
    refusal: list[subprocess.CompletedProcess[str]] = []
    actions = day2.recorded(lambda: refusal.append(day2.deploy("restore, refused at the first reader", check=False)))
    # THEN the cluster is restored, but no instance created: the first would be a reader
    assert refusal[0].returncode != 0
    # The reason, from Terraform itself (cdktf 0.21 drops the end of a failed run's output,
    # where Terraform prints it): with the empty cluster in the state, a plan refuses too.
    planned = terraform(["plan", "-input=false", "-lock=false"], cwd=day2.world.stack_dir("aurora"),
                        env=day2.world.env, ok_codes=(1,))
    said = " ".join((planned.stdout + planned.stderr).replace("│", " ").split())
    assert f"Refused: aurora.readers_first is on, but cluster {NAME} has no instance yet." in said
    assert index_of(actions, "RestoreDBClusterFromSnapshot", SnapshotIdentifier=first, DBClusterIdentifier=NAME)
    assert index_of(actions, "CreateDBInstance") == []
    assert day2.cluster()["DBClusterMembers"] == []
    assert day2.cluster()["IAMDatabaseAuthenticationEnabled"] is False  # see below

    # WHEN the switch is turned off, as the message says
    day2.change(lambda aurora: aurora.update(readers_first=False))
    day2.deploy("restore, instances")
    # THEN the writer is the writer of the restored cluster
    assert day2.writers() == {WRITER: True, READER: False}
    outputs = day2.world.outputs()["aurora"]
    assert outputs["master_secret_arn"] != day2.first_secret  # a new cluster, a new managed secret
    # The aws provider (5.100.0) does not pass IAM database authentication on a snapshot
    # restore (RDS then leaves it off): the refused apply restored the cluster without it,
    # and this second deploy turned it on in place. Nothing is left to change. (Until the
    # harness taught moto to turn it on, moto ignored that ModifyDBCluster.)
    assert day2.cluster()["IAMDatabaseAuthenticationEnabled"] is True
    assert stack_plan("aurora", day2.deployed_plan()).changes == ()

    # AND its outputs feed the render command: the patch names the new writer endpoint
    render_config = day2.world.config()
    render_config["rosa_clusters"] = [{"name": "rosa-a", "vpc": {"id": "vpc-0123456789abcdef0"}, "machine_cidr": "10.0.0.0/16",
                                       "oidc_issuer": OIDC_ISSUERS["rosa-site-a"]}]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(render_config, sort_keys=False))
    rendered = subprocess.run(
        [sys.executable, "-m", "modules.keycloak.render", "--outputs", str(day2.world.outputs_file),
         "--config", str(tmp_path / "config.yaml"), "--out-dir", str(tmp_path / "rendered")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert rendered.returncode == 0, rendered.stderr
    patch = yaml.safe_load((tmp_path / "rendered" / "rosa-a" / "keycloak-db-patch.yaml").read_text())
    cluster = day2.cluster()
    assert outputs["writer_endpoint"] == cluster["Endpoint"]
    # (the default `credentials: iam` adds the wrapper's plugins and TLS after the `?`)
    assert patch["spec"]["db"]["url"].split("?")[0] == f"jdbc:aws-wrapper:postgresql://{cluster['Endpoint']}:5432/keycloak"

    day2.first_snapshot = first


def test_the_restored_cluster_moves_to_serverless_v2_in_place(day2: Day2) -> None:
    # GIVEN the restored (provisioned) cluster; WHEN its instances become Serverless v2
    data = day2.change(lambda aurora: aurora.update(instance_class="db.serverless",
                                                    serverless={"min_capacity": 0.5, "max_capacity": 8}))
    # THEN the plan changes the cluster's capacity range and each instance's class in place,
    # and the alarms follow: capacity instead of DB load (an ACU has no vCPU count), memory
    # and connections from 8 ACUs
    plan = day2.plan_json(data, "plan-serverless")
    found = changes(plan)
    assert {a: found[a] for a in (CLUSTER_ADDRESS, WRITER_ADDRESS, READER_ADDRESS)} == {
        CLUSTER_ADDRESS: ["update"], WRITER_ADDRESS: ["update"], READER_ADDRESS: ["update"]}
    assert found["aws_cloudwatch_metric_alarm.alarms_writer-db-load_08B98097"] == ["delete"]
    assert found["aws_cloudwatch_metric_alarm.alarms_writer-capacity_24F2B0A1"] == ["create"]
    assert all(actions != ["delete", "create"] and actions != ["create", "delete"] for actions in found.values())
    reviewed = {change.address: change.attributes for change in stack_plan("aurora", plan).changes}
    assert reviewed[CLUSTER_ADDRESS] == ("serverlessv2_scaling_configuration",)
    assert reviewed[WRITER_ADDRESS] == reviewed[READER_ADDRESS] == ("instance_class",)

    day2.deploy("to Serverless v2")
    # the same cluster and instances, scaling between 0.5 and 8 ACUs
    cluster = day2.cluster()
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 8.0}
    assert {n: i["DBInstanceClass"] for n, i in day2.instances().items()} == {WRITER: "db.serverless", READER: "db.serverless"}
    assert day2.writers() == {WRITER: True, READER: False}
    # the memory alarms follow the maximum capacity: 8 ACUs of 2 GiB
    thresholds = day2.thresholds()
    assert thresholds["writer memory low: Keycloak's queries may fail"] == 16 * 1024**3 // 4
    assert "writer load above its vCPUs: Keycloak's requests queue" not in thresholds
    code, output = day2.world.plan_exit_code("aurora")
    assert code == 0, output[-3000:]


def test_destroy_again_leaves_a_final_snapshot_of_its_own(day2: Day2) -> None:
    started = time.monotonic()
    day2.world.destroy("aurora")
    day2.seconds["destroy 2"] = round(time.monotonic() - started)
    # THEN no name collides: each destroy left its own final snapshot
    snapshots = final_snapshots(day2)
    assert len(snapshots) == 2 and day2.first_snapshot in snapshots
    assert day2.rds.describe_db_clusters()["DBClusters"] == []
