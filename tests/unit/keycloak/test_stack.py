"""The synthesized `keycloak-<name>` stacks: what Keycloak needs in each ROSA cluster to reach
the database. `iam` (the default): its ServiceAccount, the Secret naming its user and the
database user bootstrap Job; `copy` and `external-secrets`: the Secret with the password.

Kubernetes stacks are tested at synth level only: no API server and no kubernetes provider
binary are available here, so neither `terraform validate` nor a deploy can run them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modules.config import ConfigError, KeycloakSpec
from modules.keycloak.db_user import bootstrap_sql
from modules.keycloak.manifests import external_secret, secret_store
from modules.keycloak.stack import PASSWORD_SECRET_ADDRESSES
from tests.conftest import Synth, by_path, only, resources, synth_stacks

REMOTE = "${data.terraform_remote_state.aurora-outputs.outputs"
ACCESS = "${data.terraform_remote_state.access-outputs.outputs"
SECRET_VERSION = "ephemeral.aws_secretsmanager_secret_version.db-secret_master-secret"

# Terraform addresses are an API: renaming a construct id replaces the resource.
COPY_ADDRESSES = {"kubernetes_secret_v1.db-secret_E653DB88"}
CHECK_ADDRESS = "kubernetes_job_v1.connectivity-check_job_FB101278"
ESO_ADDRESSES = {
    "kubernetes_manifest.db-secret_secret-store_3AEE2796",
    "kubernetes_manifest.db-secret_external-secret_C3A82669",
    "kubernetes_service_account_v1.db-secret_secrets-reader_390B182B",
}
IAM_ADDRESSES = {
    "kubernetes_service_account_v1.identity_service-account_97448892",
    "kubernetes_secret_v1.identity_username-secret_AB37B208",
    "kubernetes_service_account_v1.db-bootstrap_service-account_33FD38ED",
    "kubernetes_config_map_v1.db-bootstrap_sql_76CDCE2F",
    "kubernetes_job_v1.db-bootstrap_job_347AA513",
}
BOOTSTRAP_JOB = "kubernetes_job_v1.db-bootstrap_job_347AA513"


@pytest.fixture
def site_a(example_stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The example's stack (credentials: iam)."""
    return example_stacks["keycloak-rosa-site-a"]


@pytest.fixture
def copied(synth: Synth, config_data: dict[str, Any]) -> dict[str, Any]:
    """The example's stack with credentials: copy."""
    return keycloak_stack(synth, config_data, credentials="copy")


def data(stack: dict[str, Any], data_type: str) -> dict[str, dict[str, Any]]:
    return stack.get("data", {}).get(data_type, {})


def addresses(stack: dict[str, Any]) -> set[str]:
    return {f"{rtype}.{name}" for rtype, items in stack.get("resource", {}).items() for name in items}


def keycloak_stack(synth: Synth, config_data: dict[str, Any], **keycloak: Any) -> dict[str, Any]:
    config_data["keycloak"] = keycloak
    return synth(config_data)["keycloak-rosa-site-a"]


# --- stacks, order, state, providers -----------------------------------------------


def test_one_keycloak_stack_per_rosa_cluster(example_stacks: dict[str, dict[str, Any]]) -> None:
    assert sorted(s for s in example_stacks if s.startswith("keycloak-")) == ["keycloak-rosa-site-a", "keycloak-rosa-site-b"]


def test_keycloak_stacks_depend_on_aurora_and_their_own_peering_and_access(tmp_path: Path, example_data: dict[str, Any]) -> None:
    # The manifest is what `cdktf deploy '*'` / `cdktf destroy '*'` order stacks by: the
    # route and the roles exist before the Jobs use them, and all go after this stack.
    synth_stacks(example_data, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["stacks"]["keycloak-rosa-site-a"]["dependencies"] == [
        "aurora", "peering-rosa-site-a", "access-rosa-site-a"
    ]
    assert manifest["stacks"]["keycloak-rosa-site-b"]["dependencies"] == [
        "aurora", "peering-rosa-site-b", "access-rosa-site-b"
    ]


def test_copy_mode_has_no_access_stack_to_depend_on(tmp_path: Path, config_data: dict[str, Any]) -> None:
    config_data["keycloak"] = {"credentials": "copy"}
    synth_stacks(config_data, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert not [stack for stack in manifest["stacks"] if stack.startswith("access-")]
    assert manifest["stacks"]["keycloak-rosa-site-a"]["dependencies"] == ["aurora", "peering-rosa-site-a"]


def test_own_state_and_aurora_outputs_from_its_state(site_a: dict[str, Any]) -> None:
    assert site_a["terraform"]["backend"]["s3"]["key"] == "keycloak-aurora/keycloak-rosa-site-a.tfstate"
    remote = data(site_a, "terraform_remote_state")["aurora-outputs"]
    assert (remote["backend"], remote["config"]["key"]) == ("s3", "keycloak-aurora/aurora.tfstate")


def test_kubernetes_provider_defaults_to_the_kubeconfig_context_named_after_the_cluster(site_a: dict[str, Any]) -> None:
    assert site_a["provider"]["kubernetes"] == [{"config_path": "~/.kube/config", "config_context": "rosa-site-a"}]


def test_kubernetes_provider_from_the_clusters_kubernetes_settings(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][1]["kubernetes"] = {"config_path": "/etc/kube/site-b", "context": "admin@site-b"}
    stacks = synth(config_data)
    assert stacks["keycloak-rosa-site-b"]["provider"]["kubernetes"] == [
        {"config_path": "/etc/kube/site-b", "config_context": "admin@site-b"}
    ]
    assert stacks["keycloak-rosa-site-a"]["provider"]["kubernetes"][0]["config_context"] == "rosa-site-a"


def test_aws_provider_in_the_aurora_region_even_for_a_cluster_elsewhere(synth: Synth, config_data: dict[str, Any]) -> None:
    # The master secret lives where the database does.
    config_data["rosa_clusters"][1]["region"] = "eu-central-1"
    stack = synth(config_data)["keycloak-rosa-site-b"]
    assert [p["region"] for p in stack["provider"]["aws"]] == ["eu-west-1"]


def test_outputs_name_the_service_account_and_the_user_secret(site_a: dict[str, Any]) -> None:
    assert {name: out["value"] for name, out in site_a["output"].items()} == {
        "service_account": "keycloak-db",
        "username_secret": "keycloak-db-username",
        "namespace": "keycloak",
    }


# --- iam mode (default) ------------------------------------------------------------


def test_iam_mode_addresses_are_stable(site_a: dict[str, Any]) -> None:
    assert addresses(site_a) == IAM_ADDRESSES


def test_keycloaks_service_account_carries_its_pod_role(site_a: dict[str, Any]) -> None:
    accounts = by_path(site_a, "kubernetes_service_account_v1")
    account = accounts["keycloak-rosa-site-a/identity/service-account"]
    assert account["metadata"]["name"] == "keycloak-db"
    assert account["metadata"]["namespace"] == "keycloak"
    # ROSA's pod identity webhook reads this annotation; the ARN comes from the access stack.
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": f"{ACCESS}.keycloak_role_arn}}"}
    remote = data(site_a, "terraform_remote_state")["access-outputs"]
    assert remote["config"]["key"] == "keycloak-aurora/access-rosa-site-a.tfstate"


def test_the_user_secret_holds_the_user_name_and_no_password(site_a: dict[str, Any]) -> None:
    secret = only(site_a, "kubernetes_secret_v1")
    assert secret["metadata"] == {
        "name": "keycloak-db-username",
        "namespace": "keycloak",
        "labels": {"operator.keycloak.org/component": "watched-secret"},
    }
    assert secret["data"] == {"username": "keycloak_iam"}


def test_iam_mode_reads_no_secret_and_holds_no_password(site_a: dict[str, Any]) -> None:
    # No data source reads the master secret, no key of any document is a password, and
    # no container takes anything from a Secret: the bootstrap reads it at run time.
    assert data(site_a, "aws_secretsmanager_secret_version") == {}
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(site_a)
    assert not {key for key in keys if "password" in key.lower()}
    assert "value_from" not in keys and "variable" not in site_a


def test_moving_to_iam_forgets_the_password_secret_instead_of_deleting_it(site_a: dict[str, Any]) -> None:
    # Keycloak's running pods read the copied Secret until the iam patch is applied: Terraform
    # must not delete it (or the ExternalSecret that owns the synced one) on the way.
    assert site_a["removed"] == [{"from": address, "lifecycle": {"destroy": False}} for address in PASSWORD_SECRET_ADDRESSES]


def test_the_forgotten_addresses_are_the_ones_copy_and_external_secrets_manage(
    copied: dict[str, Any], synth: Synth, config_data: dict[str, Any]
) -> None:
    eso = keycloak_stack(synth, config_data, credentials="external-secrets")
    managed = addresses(copied) | {a for a in addresses(eso) if a.startswith("kubernetes_manifest.")}
    assert set(PASSWORD_SECRET_ADDRESSES) == managed
    assert "removed" not in copied and "removed" not in eso


@pytest.fixture
def bootstrap(site_a: dict[str, Any]) -> dict[str, Any]:
    return by_path(site_a, "kubernetes_job_v1")["keycloak-rosa-site-a/db-bootstrap/job"]


def test_bootstrap_runs_the_sql_file_from_a_config_map(site_a: dict[str, Any], bootstrap: dict[str, Any]) -> None:
    config_map = only(site_a, "kubernetes_config_map_v1")
    assert config_map["metadata"]["name"] == "keycloak-db-bootstrap-sql"
    assert config_map["data"] == {"bootstrap-db-user.sql": bootstrap_sql()}
    # Terraform would read these as template sequences inside a string and rewrite the SQL.
    assert "${" not in bootstrap_sql() and "%{" not in bootstrap_sql()
    pod = bootstrap["spec"]["template"]["spec"]
    (sql_volume,) = [v for v in pod["volume"] if v["name"] == "sql"]
    assert sql_volume["config_map"] == {"name": "${kubernetes_config_map_v1.db-bootstrap_sql_76CDCE2F.metadata[0].name}"}
    (psql,) = pod["container"]
    assert psql["image"] == "postgres:16"
    assert psql["command"][:2] == ["/bin/sh", "-ec"] and psql["command"][2].endswith('exec psql "$@"\n')
    assert psql["args"] == [
        "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--set=iam_user=keycloak_iam", "--set=owner_role=keycloak_iam_owner",
        "--set=schema=public", "--file=/sql/bootstrap-db-user.sql",
    ]
    env = {e["name"]: e["value"] for e in psql["env"]}
    assert env == {
        "PGHOST": f"{REMOTE}.writer_endpoint}}",
        "PGPORT": f"{REMOTE}.port}}",
        "PGDATABASE": f"{REMOTE}.database_name}}",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/handover/rds-ca.pem",
        "PGCONNECT_TIMEOUT": "10",
        "PGAPPNAME": "keycloak-db-bootstrap",
    }


def test_bootstrap_reads_the_master_secret_at_run_time_through_its_own_role(
    site_a: dict[str, Any], bootstrap: dict[str, Any]
) -> None:
    pod = bootstrap["spec"]["template"]["spec"]
    assert pod["service_account_name"] == "keycloak-db-bootstrap"
    account = by_path(site_a, "kubernetes_service_account_v1")["keycloak-rosa-site-a/db-bootstrap/service-account"]
    assert account["metadata"]["name"] == "keycloak-db-bootstrap"
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": f"{ACCESS}.bootstrap_role_arn}}"}
    (init,) = pod["init_container"]
    assert init["image"].startswith("public.ecr.aws/aws-cli/aws-cli:")
    env = {e["name"]: e["value"] for e in init["env"]}
    assert env["MASTER_SECRET_ARN"] == f"{REMOTE}.master_secret_arn}}" and env["AWS_REGION"] == "eu-west-1"
    script = init["command"][2]
    assert "aws secretsmanager get-secret-value" in script
    assert "> /handover/username" in script and "> /handover/password" in script
    # The credentials travel in a memory emptyDir, never in a Secret, an env value or the spec.
    (handover,) = [v for v in pod["volume"] if v["name"] == "handover"]
    assert handover["empty_dir"] == {"medium": "Memory", "size_limit": "1Mi"}
    assert [m["read_only"] for c in pod["container"] for m in c["volume_mount"] if m["name"] == "handover"] == [True]
    assert resources(site_a, "kubernetes_secret_v1").keys() == {"identity_username-secret_AB37B208"}


def test_bootstrap_is_waited_for_kept_and_rerun_when_the_sql_changes(bootstrap: dict[str, Any]) -> None:
    assert bootstrap["wait_for_completion"] is True
    assert "ttl_seconds_after_finished" not in bootstrap["spec"]  # plans stay empty once it ran
    assert bootstrap["spec"]["backoff_limit"] == 3
    annotations = bootstrap["spec"]["template"]["metadata"]["annotations"]
    assert len(annotations["keycloak-aurora/sql-sha256"]) == 64
    assert bootstrap["depends_on"] == ["kubernetes_service_account_v1.db-bootstrap_service-account_33FD38ED"]


def test_bootstrap_pod_runs_unprivileged_without_api_access(bootstrap: dict[str, Any]) -> None:
    pod = bootstrap["spec"]["template"]["spec"]
    assert pod["automount_service_account_token"] is False
    assert pod["restart_policy"] == "Never"
    assert pod["security_context"] == {"run_as_non_root": True, "seccomp_profile": {"type": "RuntimeDefault"}}
    for container in (*pod["init_container"], *pod["container"]):
        assert container["security_context"] == {
            "allow_privilege_escalation": False,
            "read_only_root_filesystem": True,
            "run_as_non_root": True,
            "capabilities": {"drop": ["ALL"]},
        }
        assert container["resources"]["limits"]


def test_a_changed_database_user_changes_the_bootstrap(synth: Synth, config_data: dict[str, Any], bootstrap: dict[str, Any]) -> None:
    stack = keycloak_stack(synth, config_data, db_user="sso_user")
    job = by_path(stack, "kubernetes_job_v1")["keycloak-rosa-site-a/db-bootstrap/job"]
    assert "--set=iam_user=sso_user" in job["spec"]["template"]["spec"]["container"][0]["args"]
    checksum = "keycloak-aurora/sql-sha256"
    assert job["spec"]["template"]["metadata"]["annotations"][checksum] != (
        bootstrap["spec"]["template"]["metadata"]["annotations"][checksum]
    )
    assert only(stack, "kubernetes_secret_v1")["data"] == {"username": "sso_user"}


# --- copy mode -----------------------------------------------------------------------


def test_copy_mode_outputs_name_the_secret(copied: dict[str, Any]) -> None:
    assert {name: out["value"] for name, out in copied["output"].items()} == {
        "secret_name": "keycloak-db-secret",
        "secret_namespace": "keycloak",
    }


def test_copy_mode_addresses_are_stable(copied: dict[str, Any]) -> None:
    assert addresses(copied) == COPY_ADDRESSES


def test_copy_mode_reads_the_master_secret_named_by_the_aurora_output_while_applying(copied: dict[str, Any]) -> None:
    from modules.keycloak.secret import APPLY_TIME_ONLY

    assert "aws_secretsmanager_secret_version" not in copied["data"]
    version = copied["ephemeral"]["aws_secretsmanager_secret_version"]["db-secret_master-secret"]
    assert version == {"secret_id": f"{APPLY_TIME_ONLY}{REMOTE}.master_secret_arn}}", "version_stage": "AWSCURRENT"}
    assert "provider" not in version  # the stack's only aws provider: the Aurora region
    versions = only({"resource": copied["data"]}, "aws_secretsmanager_secret_versions")
    assert versions == {**versions, "secret_id": f"{REMOTE}.master_secret_arn}}"}


def test_copy_mode_secret_holds_username_and_password_from_the_master_secret(copied: dict[str, Any]) -> None:
    secret = only(copied, "kubernetes_secret_v1")
    assert secret["metadata"] == {
        "name": "keycloak-db-secret",
        "namespace": "keycloak",
        # The Keycloak operator's own label: set here so no apply removes it.
        "labels": {"operator.keycloak.org/component": "watched-secret"},
    }
    assert secret["type"] == "Opaque"
    # Write-only expressions over the ephemeral read: never literal values, never in state.
    assert "data" not in secret
    assert secret["data_wo"] == {
        "username": f"${{jsondecode({SECRET_VERSION}.secret_string).username}}",
        "password": f"${{jsondecode({SECRET_VERSION}.secret_string).password}}",
    }
    assert "AWSCURRENT" in secret["data_wo_revision"]


def test_copy_mode_uses_the_configured_names(synth: Synth, config_data: dict[str, Any]) -> None:
    stack = keycloak_stack(synth, config_data, credentials="copy", namespace="identity", secret_name="aurora-credentials")
    assert only(stack, "kubernetes_secret_v1")["metadata"]["name"] == "aurora-credentials"
    assert only(stack, "kubernetes_secret_v1")["metadata"]["namespace"] == "identity"
    assert stack["output"]["secret_namespace"]["value"] == "identity"


def test_no_secret_value_anywhere_in_the_synthesized_output(tmp_path: Path, config_data: dict[str, Any]) -> None:
    # Every file of the outdir: any key that holds a credential holds an expression.
    config_data["keycloak"] = {"credentials": "copy", "connectivity_check": True}
    synth_stacks(config_data, tmp_path)
    credentials, literal = [], []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("password", "username", "secret_string") and isinstance(value, str):
                    credentials.append(f"{where}.{key}")
                    if not value.startswith("${"):
                        literal.append(f"{where}.{key} = {value!r}")
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    for path in files:
        if path.suffix == ".json":
            walk(json.loads(path.read_text()), str(path.relative_to(tmp_path)))
    assert len(files) >= 5 and len(credentials) >= 4  # both clusters' username and password
    assert literal == []


def test_copy_mode_with_a_variable_password_takes_the_same_sensitive_variable(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["master_password"] = "variable"
    config_data["keycloak"] = {"credentials": "copy"}
    stack = synth(config_data)["keycloak-rosa-site-a"]
    assert only(stack, "kubernetes_secret_v1")["data"] == {"username": "keycloak", "password": "${var.master_password}"}
    variable = stack["variable"]["master_password"]
    assert variable["sensitive"] is True and "default" not in variable
    assert data(stack, "aws_secretsmanager_secret_version") == {}


# --- external-secrets mode ---------------------------------------------------------


@pytest.fixture
def eso(synth: Synth, config_data: dict[str, Any]) -> dict[str, Any]:
    return keycloak_stack(synth, config_data, credentials="external-secrets", refresh_interval="30m")


def test_external_secrets_mode_has_no_secret_and_never_reads_it(eso: dict[str, Any]) -> None:
    assert addresses(eso) == ESO_ADDRESSES
    assert data(eso, "aws_secretsmanager_secret_version") == {}


def test_external_secrets_manifests_are_the_rendered_documents(eso: dict[str, Any]) -> None:
    # One source of truth: the stack applies exactly what the render command writes,
    # with the secret ARN taken from the aurora stack's state.
    keycloak = KeycloakSpec(credentials="external-secrets", refresh_interval="30m")
    manifests = by_path(eso, "kubernetes_manifest")
    store = manifests["keycloak-rosa-site-a/db-secret/secret-store"]
    synced = manifests["keycloak-rosa-site-a/db-secret/external-secret"]
    assert store["manifest"] == secret_store(keycloak, region="eu-west-1").document
    assert synced["manifest"] == external_secret(keycloak, secret_arn=f"{REMOTE}.master_secret_arn}}").document
    assert synced["manifest"]["spec"]["refreshInterval"] == "30m"
    assert synced["manifest"]["spec"]["target"] == {"name": "keycloak-db-secret", "creationPolicy": "Owner"}


def test_external_secrets_stores_service_account_carries_the_readers_role(eso: dict[str, Any]) -> None:
    account = only(eso, "kubernetes_service_account_v1")
    assert account["metadata"]["name"] == "aurora-secrets-reader"
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": f"{ACCESS}.secrets_reader_role_arn}}"}


def test_external_secret_waits_for_the_store_and_for_ready(eso: dict[str, Any]) -> None:
    manifests = by_path(eso, "kubernetes_manifest")
    synced = manifests["keycloak-rosa-site-a/db-secret/external-secret"]
    assert synced["depends_on"] == ["kubernetes_manifest.db-secret_secret-store_3AEE2796"]
    assert synced["wait"] == {"condition": [{"type": "Ready", "status": "True"}]}


def test_external_secrets_mode_with_a_variable_password_is_refused(config_data: dict[str, Any], tmp_path: Path) -> None:
    config_data["aurora"]["master_password"] = "variable"
    config_data["keycloak"] = {"credentials": "external-secrets"}
    with pytest.raises(ConfigError, match="master_password: managed"):
        synth_stacks(config_data, tmp_path)


# --- connectivity check ------------------------------------------------------------


def test_no_connectivity_check_unless_asked(site_a: dict[str, Any], copied: dict[str, Any]) -> None:
    assert set(resources(site_a, "kubernetes_job_v1")) == {"db-bootstrap_job_347AA513"}
    assert resources(copied, "kubernetes_job_v1") == {}


@pytest.fixture
def job(synth: Synth, config_data: dict[str, Any]) -> dict[str, Any]:
    stack = keycloak_stack(synth, config_data, credentials="copy", connectivity_check=True)
    assert addresses(stack) == COPY_ADDRESSES | {CHECK_ADDRESS}
    return only(stack, "kubernetes_job_v1")


def test_check_runs_psql_against_the_writer_with_the_secrets_credentials(job: dict[str, Any]) -> None:
    (container,) = job["spec"]["template"]["spec"]["container"]
    assert container["image"] == "postgres:16"
    assert container["command"] == ["psql"]
    env = {e["name"]: e.get("value", e.get("value_from")) for e in container["env"]}
    assert env == {
        "PGHOST": f"{REMOTE}.writer_endpoint}}",
        "PGPORT": f"{REMOTE}.port}}",
        "PGDATABASE": f"{REMOTE}.database_name}}",
        "PGUSER": {"secret_key_ref": {"name": "keycloak-db-secret", "key": "username"}},
        "PGPASSWORD": {"secret_key_ref": {"name": "keycloak-db-secret", "key": "password"}},
        "PGSSLMODE": "require",
        "PGCONNECT_TIMEOUT": "10",
    }


def test_check_is_waited_for_retried_little_and_cleaned_up(job: dict[str, Any]) -> None:
    assert job["wait_for_completion"] is True
    assert job["spec"]["backoff_limit"] == 2
    assert job["spec"]["ttl_seconds_after_finished"] == "600"
    assert job["spec"]["template"]["spec"]["restart_policy"] == "Never"
    assert job["metadata"]["namespace"] == "keycloak"
    assert job["depends_on"] == sorted(COPY_ADDRESSES)


def test_check_pod_runs_unprivileged_without_api_access(job: dict[str, Any]) -> None:
    pod = job["spec"]["template"]["spec"]
    assert pod["automount_service_account_token"] is False
    assert pod["security_context"] == {"run_as_non_root": True, "seccomp_profile": {"type": "RuntimeDefault"}}
    (container,) = pod["container"]
    assert container["security_context"] == {
        "allow_privilege_escalation": False,
        "read_only_root_filesystem": True,
        "run_as_non_root": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["resources"]["limits"] == {"cpu": "200m", "memory": "128Mi"}


def test_check_image_follows_the_engine_major(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["aurora"]["engine_version"] = "17.4"
    job = only(keycloak_stack(synth, config_data, credentials="copy", connectivity_check=True), "kubernetes_job_v1")
    assert job["spec"]["template"]["spec"]["container"][0]["image"] == "postgres:17"


def test_check_waits_for_the_external_secret_in_that_mode(synth: Synth, config_data: dict[str, Any]) -> None:
    stack = keycloak_stack(synth, config_data, connectivity_check=True, credentials="external-secrets")
    assert only(stack, "kubernetes_job_v1")["depends_on"] == ["kubernetes_manifest.db-secret_external-secret_C3A82669"]


@pytest.fixture
def iam_check(synth: Synth, config_data: dict[str, Any]) -> dict[str, Any]:
    stack = keycloak_stack(synth, config_data, connectivity_check=True)
    assert addresses(stack) == IAM_ADDRESSES | {CHECK_ADDRESS}
    return by_path(stack, "kubernetes_job_v1")["keycloak-rosa-site-a/connectivity-check/job"]


def test_iam_check_logs_in_as_keycloak_does_with_a_token_of_keycloaks_role(iam_check: dict[str, Any]) -> None:
    pod = iam_check["spec"]["template"]["spec"]
    # Keycloak's own ServiceAccount: the token is signed under the very role Keycloak uses.
    assert pod["service_account_name"] == "keycloak-db"
    (token,) = pod["init_container"]
    assert "aws rds generate-db-auth-token" in token["command"][2]
    token_env = {e["name"]: e["value"] for e in token["env"]}
    assert (token_env["PGUSER"], token_env["AWS_REGION"]) == ("keycloak_iam", "eu-west-1")
    (psql,) = pod["container"]
    env = {e["name"]: e["value"] for e in psql["env"]}
    assert env == {
        "PGHOST": f"{REMOTE}.writer_endpoint}}",
        "PGPORT": f"{REMOTE}.port}}",
        "PGDATABASE": f"{REMOTE}.database_name}}",
        "PGUSER": "keycloak_iam",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/handover/rds-ca.pem",
        "PGCONNECT_TIMEOUT": "10",
    }
    assert 'PGPASSWORD="$(cat /handover/token)"' in psql["command"][2]
    assert psql["args"][-1] == "--command=SELECT session_user, current_user, current_database(), version()"
    assert not [e for c in (token, psql) for e in c["env"] if "value_from" in e]  # no Secret at all


def test_iam_check_waits_for_the_bootstrap_and_keycloaks_identity(iam_check: dict[str, Any]) -> None:
    assert iam_check["depends_on"] == [
        "kubernetes_service_account_v1.identity_service-account_97448892",
        "kubernetes_secret_v1.identity_username-secret_AB37B208",
        BOOTSTRAP_JOB,
    ]
    assert iam_check["spec"]["ttl_seconds_after_finished"] == "600"
