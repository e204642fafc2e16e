"""`aurora.secondary` (issue #25): the global cluster in the `aurora` stack, joined by the
primary in place, and the `aurora-secondary` stack in the second region, as synthesized."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, Synth, by_path, only, resources

EXAMPLE = ROOT / "config" / "examples" / "global-database.yaml"
MEMBERSHIP = ["global_cluster_identifier", "replication_source_identifier"]


@pytest.fixture(scope="module")
def global_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text())


@pytest.fixture(scope="module")
def stacks(synth: Synth, global_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return synth(global_data)


def test_the_primary_is_joined_in_place_through_the_global_clusters_source(stacks: dict[str, Any]) -> None:
    aurora = stacks["aurora"]
    (cluster_id,) = resources(aurora, "aws_rds_cluster")
    global_cluster = only(aurora, "aws_rds_global_cluster")
    assert global_cluster["global_cluster_identifier"] == "keycloak-aurora-global"
    # the ARN of the existing cluster: AWS takes it in, data and resource id kept
    assert global_cluster["source_db_cluster_identifier"] == f"${{aws_rds_cluster.{cluster_id}.arn}}"
    assert global_cluster["force_destroy"] is True
    # engine, version, database and encryption come from the source (AWS refuses them beside it)
    assert not {"engine", "engine_version", "database_name", "storage_encrypted"} & set(global_cluster)
    assert (global_cluster["deletion_protection"], global_cluster["lifecycle"]) == (True, {"prevent_destroy": True})
    cluster = only(aurora, "aws_rds_cluster")
    # never its own global_cluster_identifier (AWS refuses "" -> X); membership left to AWS
    assert "global_cluster_identifier" not in cluster
    assert cluster["lifecycle"]["ignore_changes"][-2:] == MEMBERSHIP
    assert cluster["database_name"] == "keycloak" and "master_password" in cluster
    outputs = aurora["output"]
    assert outputs["global_writer_endpoint"]["value"] == "${aws_rds_global_cluster.global-cluster.endpoint}"
    assert outputs["global_cluster_identifier"]["value"] == (
        "${aws_rds_global_cluster.global-cluster.global_cluster_identifier}")


def test_the_secondary_stack_is_the_aurora_stack_in_the_second_region(stacks: dict[str, Any]) -> None:
    secondary = stacks["aurora-secondary"]
    assert secondary["provider"]["aws"] == [{"region": "eu-central-1"}]
    assert secondary["terraform"]["backend"] == {"local": {"path": "../../../state/aurora-secondary.tfstate"}}
    # the same construct tree, so the aurora stack's addresses but for the subnets' (keyed by AZ)
    by_az = {"aws_subnet", "aws_route_table_association"}
    for resource_type, bodies in secondary["resource"].items():
        if resource_type not in by_az:
            assert set(bodies) <= set(stacks["aurora"]["resource"].get(resource_type, {})), resource_type
    assert only(secondary, "aws_vpc")["cidr_block"] == "172.20.0.0/16"
    assert sorted((s["availability_zone"], s["cidr_block"]) for s in resources(secondary, "aws_subnet").values()) == [
        ("eu-central-1a", "172.20.0.0/19"), ("eu-central-1b", "172.20.32.0/19")]
    instances = by_path(secondary, "aws_rds_cluster_instance")
    assert sorted((i["identifier"], i["availability_zone"], i["instance_class"]) for i in instances.values()) == [
        ("keycloak-aurora-eu-central-1-reader-1", "eu-central-1b", "db.r6g.large"),
        ("keycloak-aurora-eu-central-1-writer", "eu-central-1a", "db.r6g.large"),
    ]
    # every resource carries the deployment's tag; the cluster's marker names the secondary
    assert only(secondary, "aws_vpc")["tags"]["keycloak-aurora:deployment"] == "keycloak-aurora"
    assert only(secondary, "aws_vpc")["tags"]["AuroraCluster"] == "keycloak-aurora-eu-central-1"


def test_the_secondary_cluster_joins_and_replicates_what_it_holds(stacks: dict[str, Any]) -> None:
    secondary = stacks["aurora-secondary"]
    cluster = only(secondary, "aws_rds_cluster")
    assert cluster["cluster_identifier"] == "keycloak-aurora-eu-central-1"
    # by name: the stack reads no output of the aurora stack, and is deployed after it
    assert cluster["global_cluster_identifier"] == "keycloak-aurora-global"
    assert "terraform_remote_state" not in secondary.get("data", {})
    # the database, master user and password are the primary's
    assert not {"database_name", "master_username", "master_password", "manage_master_user_password",
                "master_user_secret_kms_key_id"} & set(cluster)
    assert "variable" not in secondary
    assert resources(secondary, "aws_secretsmanager_secret_rotation") == {}
    # encrypted with a key of its own region, in its own stack
    (key_id,) = resources(secondary, "aws_kms_key")
    assert cluster["kms_key_id"] == f"${{aws_kms_key.{key_id}.arn}}" and cluster["storage_encrypted"] is True
    assert cluster["engine_version"] == "16.8"
    assert cluster["lifecycle"] == {"ignore_changes": ["restore_to_point_in_time", *MEMBERSHIP], "prevent_destroy": True}
    assert cluster["deletion_protection"] is True
    assert secondary["output"]["master_secret_arn"]["value"] == ""


def test_the_secondary_is_deployed_after_the_aurora_stack(synth: Synth, global_data: dict[str, Any],
                                                         tmp_path: Any) -> None:
    from modules.app import build_app
    from modules.config import parse_config

    build_app(parse_config(global_data), outdir=str(tmp_path)).synth()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["stacks"]["aurora-secondary"]["dependencies"] == ["aurora"]


def test_without_protection_nothing_stops_a_destroy(synth: Synth, global_data: dict[str, Any]) -> None:
    data = copy.deepcopy(global_data)
    data["aurora"]["deletion_protection"] = False
    stacks = synth(data)
    global_cluster = only(stacks["aurora"], "aws_rds_global_cluster")
    assert global_cluster["deletion_protection"] is False and "lifecycle" not in global_cluster
    assert "prevent_destroy" not in only(stacks["aurora-secondary"], "aws_rds_cluster")["lifecycle"]


def test_a_single_region_deployment_has_no_global_cluster(synth: Synth, example_data: dict[str, Any]) -> None:
    stacks = synth(example_data)
    assert "aurora-secondary" not in stacks
    assert resources(stacks["aurora"], "aws_rds_global_cluster") == {}
    assert not set(MEMBERSHIP) & set(only(stacks["aurora"], "aws_rds_cluster")["lifecycle"].get("ignore_changes", []))
