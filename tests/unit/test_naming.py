"""`modules.naming`: the names two modules share, computed once, without jsii."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modules import naming
from modules.config import AuroraSpec
from tests.conftest import ROOT


def test_importing_naming_and_config_starts_no_jsii() -> None:
    probe = "import json, sys, modules.naming, modules.config; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('jsii', 'cdktf', 'constructs'))))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == []


def test_stack_ids_and_state_locations() -> None:
    assert (naming.AURORA_STACK_ID, naming.STATE_STACK_ID) == ("aurora", "state")
    assert naming.peering_stack_id("rosa-a") == "peering-rosa-a"
    assert naming.keycloak_stack_id("rosa-a") == "keycloak-rosa-a"
    assert naming.access_stack_id("rosa-a") == "access-rosa-a"
    assert naming.state_key("/keycloak-aurora/", "aurora") == "keycloak-aurora/aurora.tfstate"
    assert naming.workspace_name("kc-prod", "peering-rosa-a") == "kc-prod-peering-rosa-a"


@pytest.mark.parametrize(
    ("azs", "readers", "expected"),
    [(["a", "b"], 1, ["b"]), (["a", "b"], 3, ["b", "b", "b"]), (["a", "b", "c"], 3, ["b", "c", "b"])],
)
def test_readers_round_robin_over_every_az_but_the_writers(azs: list[str], readers: int, expected: list[str]) -> None:
    spec = AuroraSpec.model_validate({
        "name": "kc", "region": "eu-west-1", "vpc_cidr": "10.0.0.0/16", "reader_count": readers,
        "subnets": [{"availability_zone": f"eu-west-1{az}", "cidr": f"10.0.{n * 32}.0/19"} for n, az in enumerate(azs)],
    })
    assert naming.reader_availability_zones(spec) == [f"eu-west-1{az}" for az in expected]
    assert naming.reader_ids(readers) == [f"reader-{n}" for n in range(1, readers + 1)]


def test_aurora_resource_names_follow_the_guide() -> None:
    assert naming.subnet_group_name("keycloak-aurora") == "keycloak-aurora-subnet-group"
    assert naming.security_group_name("keycloak-aurora") == "keycloak-aurora-security-group"
    assert naming.final_snapshot_identifier("keycloak-aurora", "1a2b3c4d") == "keycloak-aurora-final-1a2b3c4d"
    assert naming.cluster_parameter_group_name("keycloak-aurora", 16) == "keycloak-aurora-aurora-postgresql16"
    assert naming.instance_identifier("keycloak-aurora", naming.WRITER_ID) == "keycloak-aurora-writer"
    assert naming.postgresql_log_group("kc") == "/aws/rds/cluster/kc/postgresql"
    assert naming.flow_log_group("kc") == "/aws/vpc/kc/flow-logs"
    assert naming.kms_alias("kc") == "alias/kc"


def test_jdbc_url_is_the_wrapper_url_of_the_guide() -> None:
    assert naming.jdbc_url("writer.example", 5432, "keycloak") == "jdbc:aws-wrapper:postgresql://writer.example:5432/keycloak"
    assert (
        naming.jdbc_url("w", "5433", "kc", {"sslmode": "verify-full", "sslrootcert": "/ca.pem"})
        == "jdbc:aws-wrapper:postgresql://w:5433/kc?sslmode=verify-full&sslrootcert=/ca.pem"
    )


@pytest.mark.parametrize(("instance_class", "supported"), [("db.r6g.large", True), ("db.t4g.micro", False), ("db.t3.small", False)])
def test_performance_insights_support(instance_class: str, supported: bool) -> None:
    assert naming.supports_performance_insights(instance_class) is supported


def test_pod_identity_names() -> None:
    issuer = "https://oidc.op1.openshiftapps.com/2kq7r3m9"
    assert naming.issuer_host_path(issuer) == "oidc.op1.openshiftapps.com/2kq7r3m9"
    assert naming.service_account_subject("keycloak", "keycloak-db") == "system:serviceaccount:keycloak:keycloak-db"
    assert naming.db_owner_role("keycloak_iam") == "keycloak_iam_owner"
    assert naming.rds_db_user_arn("aws", "eu-west-1", "123456789012", "cluster-ABC", "keycloak_iam") == (
        "arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/keycloak_iam"
    )


def test_pod_role_names_fit_iam_and_stay_unique() -> None:
    assert naming.pod_role_name("keycloak-aurora", "rosa-site-a", "keycloak") == "keycloak-aurora-rosa-site-a-keycloak"
    # The longest names the config allows: 63 + 40 characters.
    aurora, rosa = "k" * 63, "r" * 40
    long_names = {naming.pod_role_name(aurora, rosa, purpose) for purpose in ("keycloak", "db-bootstrap", "secrets-reader")}
    assert len(long_names) == 3
    assert all(len(name) == 64 and name.startswith("k" * 55 + "-") for name in long_names)
    assert naming.pod_role_name(aurora, rosa, "keycloak") == naming.pod_role_name(aurora, rosa, "keycloak")
