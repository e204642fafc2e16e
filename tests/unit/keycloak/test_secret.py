"""`KeycloakDbSecret` on its own, in a bare stack: `copy` from the RDS-managed secret, `copy`
from the password variable, and `external-secrets`."""

from __future__ import annotations

from typing import Any

from modules.config import AuroraSpec, KeycloakSpec
from tests.conftest import AURORA_DATA, construct_json, data_sources, only, resources

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-abc"
READER_ROLE = "arn:aws:iam::111111111111:role/kc-rosa-a-secrets-reader"


def secret(*, keycloak: dict[str, Any] | None = None, **aurora: Any) -> dict[str, Any]:
    from modules.keycloak.secret import KeycloakDbSecret

    def build(stack: Any) -> None:
        KeycloakDbSecret(
            stack,
            "db-secret",
            keycloak=KeycloakSpec.model_validate(keycloak or {"credentials": "copy"}),
            aurora=AuroraSpec.model_validate({**AURORA_DATA, **aurora}),
            master_secret_arn=SECRET_ARN,
            reader_role_arn=READER_ROLE,
        )

    return construct_json(build)


def test_copy_reads_the_rds_managed_secret_while_applying_only() -> None:
    # GIVEN copy mode with the RDS-managed secret WHEN synthesized
    from modules.keycloak.secret import APPLY_TIME_ONLY

    stack = secret()
    # THEN no data source reads the value: an ephemeral resource does, with a secret id
    # Terraform knows only at apply, so a plan never opens it
    assert data_sources(stack, "aws_secretsmanager_secret_version") == {}
    (name, ephemeral), = stack["ephemeral"]["aws_secretsmanager_secret_version"].items()
    assert ephemeral == {"secret_id": f"{APPLY_TIME_ONLY}{SECRET_ARN}", "version_stage": "AWSCURRENT"}
    assert APPLY_TIME_ONLY == "${substr(timestamp(), 0, 0)}"
    body = only(stack, "kubernetes_secret_v1")
    assert body["metadata"] == {
        "name": "keycloak-db-secret",
        "namespace": "keycloak",
        "labels": {"operator.keycloak.org/component": "watched-secret"},
    }
    # AND the values go to write-only data: in no plan and no state
    assert "data" not in body
    for key in ("username", "password"):
        assert body["data_wo"][key] == (
            f"${{jsondecode(ephemeral.aws_secretsmanager_secret_version.{name}.secret_string).{key}}}"
        )
    # AND the revision follows the secret's current version (ids and dates, no value)
    (versions_id, versions), = data_sources(stack, "aws_secretsmanager_secret_versions").items()
    assert versions["secret_id"] == SECRET_ARN
    assert body["data_wo_revision"] == (
        '${parseint(formatdate("YYYYMMDDhhmmss", one([for v in '
        f'data.aws_secretsmanager_secret_versions.{versions_id}.versions : v.created_time if '
        'contains(v.version_stages, "AWSCURRENT")])), 10)}'
    )
    assert "variable" not in stack
    # AND Terraform before 1.11 (no write-only attributes) refuses the stack up front
    assert stack["terraform"]["required_version"] == ">= 1.11.0"


def test_copy_with_a_variable_password_takes_the_same_variable_as_the_aurora_stack() -> None:
    stack = secret(master_password="variable", master_username="admin_kc")
    assert set(stack["variable"]) == {"master_password"}
    assert stack["variable"]["master_password"]["sensitive"] is True
    body = only(stack, "kubernetes_secret_v1")
    assert body["data"] == {"username": "admin_kc", "password": "${var.master_password}"}
    assert data_sources(stack, "aws_secretsmanager_secret_version") == {}


def test_external_secrets_applies_the_store_and_the_external_secret() -> None:
    stack = secret(keycloak={"credentials": "external-secrets", "namespace": "identity", "refresh_interval": "30m"})
    assert resources(stack, "kubernetes_secret_v1") == {}
    manifests = {body["manifest"]["kind"]: body for body in resources(stack, "kubernetes_manifest").values()}
    assert set(manifests) == {"SecretStore", "ExternalSecret"}
    store = manifests["SecretStore"]["manifest"]
    assert store["metadata"]["namespace"] == "identity"
    assert store["spec"]["provider"]["aws"]["region"] == "eu-west-1"
    synced = manifests["ExternalSecret"]
    assert synced["manifest"]["spec"]["refreshInterval"] == "30m"
    assert {entry["remoteRef"]["key"] for entry in synced["manifest"]["spec"]["data"]} == {SECRET_ARN}
    assert synced["wait"] == {"condition": [{"type": "Ready", "status": "True"}]}
    assert len(synced["depends_on"]) == 1 and synced["depends_on"][0].startswith("kubernetes_manifest.")


def test_external_secrets_creates_the_stores_service_account_with_its_role() -> None:
    stack = secret(keycloak={"credentials": "external-secrets", "namespace": "identity"})
    account = only(stack, "kubernetes_service_account_v1")
    assert account["metadata"]["name"] == "aurora-secrets-reader"
    assert account["metadata"]["namespace"] == "identity"
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": READER_ROLE}
    store = next(b for b in resources(stack, "kubernetes_manifest").values() if b["manifest"]["kind"] == "SecretStore")
    assert store["manifest"]["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]["name"] == "aurora-secrets-reader"
    assert store["depends_on"] == [f"kubernetes_service_account_v1.{next(iter(resources(stack, 'kubernetes_service_account_v1')))}"]
