"""The synthesized `access-<name>` stacks: the pod roles of each ROSA cluster, in the
database's account, trusted by exactly one ServiceAccount of that cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Synth, by_path, data_sources, resources, synth_stacks

REMOTE = "${data.terraform_remote_state.aurora-outputs.outputs"
ISSUER_A = "oidc.op1.openshiftapps.com/2kq7r3m9t1vb5xw8n4hc6jd0fgsplz2a"
OIDC_ARN = "${data.aws_iam_openid_connect_provider.oidc-provider.arn}"

# Terraform addresses are an API: a renamed construct id replaces a role.
IAM_ADDRESSES = {
    "aws_iam_role.keycloak-role_2B28C24F",
    "aws_iam_role_policy.keycloak-role_policy_AFB308EB",
    "aws_iam_role.bootstrap-role_2C7508A7",
    "aws_iam_role_policy.bootstrap-role_policy_76E753D7",
}


@pytest.fixture
def site_a(example_stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_stacks["access-rosa-site-a"]


def addresses(stack: dict[str, Any]) -> set[str]:
    return {f"{rtype}.{name}" for rtype, items in stack.get("resource", {}).items() for name in items}


def policy_document(stack: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The statements of the `aws_iam_policy_document` at construct path `path`."""
    documents = {b["//"]["metadata"]["path"]: b for b in data_sources(stack, "aws_iam_policy_document").values()}
    return documents[path]["statement"]


def trust(subject: str, issuer: str = ISSUER_A) -> list[dict[str, Any]]:
    """The one trust statement a pod role has: the OIDC provider, that ServiceAccount, sts."""
    return [{
        "effect": "Allow",
        "actions": ["sts:AssumeRoleWithWebIdentity"],
        "principals": [{"type": "Federated", "identifiers": [OIDC_ARN]}],
        "condition": [
            {"test": "StringEquals", "variable": f"{issuer}:sub", "values": [subject]},
            {"test": "StringEquals", "variable": f"{issuer}:aud", "values": ["sts.amazonaws.com"]},
        ],
    }]


def test_one_access_stack_per_rosa_cluster_depending_on_aurora(tmp_path: Path, example_data: dict[str, Any]) -> None:
    synth_stacks(example_data, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert sorted(s for s in manifest["stacks"] if s.startswith("access-")) == ["access-rosa-site-a", "access-rosa-site-b"]
    assert manifest["stacks"]["access-rosa-site-a"]["dependencies"] == ["aurora"]


def test_own_state_and_aurora_outputs_from_its_state(site_a: dict[str, Any]) -> None:
    assert site_a["terraform"]["backend"]["s3"]["key"] == "keycloak-aurora/access-rosa-site-a.tfstate"
    remote = data_sources(site_a, "terraform_remote_state")["aurora-outputs"]
    assert remote["config"]["key"] == "keycloak-aurora/aurora.tfstate"


def test_addresses_are_stable(site_a: dict[str, Any]) -> None:
    assert addresses(site_a) == IAM_ADDRESSES


def test_the_oidc_provider_is_looked_up_by_its_https_url_and_must_accept_sts(site_a: dict[str, Any]) -> None:
    (provider,) = data_sources(site_a, "aws_iam_openid_connect_provider").values()
    assert provider["url"] == f"https://{ISSUER_A}"  # the data source refuses the bare host/path
    (check,) = provider["lifecycle"]["postcondition"]
    assert check["condition"] == '${contains(self.client_id_list, "sts.amazonaws.com")}'
    assert ISSUER_A in check["error_message"] and "sts.amazonaws.com" in check["error_message"]


def test_keycloaks_role_trusts_exactly_keycloaks_service_account(site_a: dict[str, Any]) -> None:
    assert policy_document(site_a, "access-rosa-site-a/keycloak-role/trust") == trust(
        "system:serviceaccount:keycloak:keycloak-db"
    )
    role = by_path(site_a, "aws_iam_role")["access-rosa-site-a/keycloak-role/role"]
    assert role["name"] == "keycloak-aurora-rosa-site-a-keycloak"
    assert role["assume_role_policy"] == "${data.aws_iam_policy_document.keycloak-role_trust_003C50B8.json}"
    assert role["tags"] == {
        "Name": "keycloak-aurora-rosa-site-a-keycloak",
        "RosaCluster": "rosa-site-a",
        "keycloak-aurora:deployment": "keycloak-aurora",
        "keycloak-aurora:address": "access-rosa-site-a/aws_iam_role.keycloak-role_2B28C24F",
    }


def test_keycloaks_role_may_connect_as_its_database_user_and_nothing_else(site_a: dict[str, Any]) -> None:
    assert policy_document(site_a, "access-rosa-site-a/keycloak-role/permissions") == [{
        "sid": "ConnectAsKeycloakUser",
        "effect": "Allow",
        "actions": ["rds-db:connect"],
        "resources": [
            "arn:${data.aws_partition.partition.partition}:rds-db:eu-west-1:${data.aws_caller_identity.account.account_id}"
            f":dbuser:{REMOTE}.cluster_resource_id}}/keycloak_iam"
        ],
    }]


def test_the_bootstrap_role_reads_the_master_secret_and_nothing_else(site_a: dict[str, Any]) -> None:
    assert policy_document(site_a, "access-rosa-site-a/bootstrap-role/trust") == trust(
        "system:serviceaccount:keycloak:keycloak-db-bootstrap"
    )
    secret = f"{REMOTE}.master_secret_arn}}"
    assert policy_document(site_a, "access-rosa-site-a/bootstrap-role/permissions") == [
        {"sid": "ReadMasterSecret", "effect": "Allow", "actions": ["secretsmanager:GetSecretValue"], "resources": [secret]},
        {
            "sid": "DecryptMasterSecret",
            "effect": "Allow",
            "actions": ["kms:Decrypt"],
            "resources": [f"{REMOTE}.kms_key_arn}}"],
            # only as Secrets Manager decrypting that very secret
            "condition": [
                {"test": "StringEquals", "variable": "kms:ViaService", "values": ["secretsmanager.eu-west-1.amazonaws.com"]},
                {"test": "StringEquals", "variable": "kms:EncryptionContext:SecretARN", "values": [secret]},
            ],
        },
    ]


def test_outputs_are_the_role_arns(site_a: dict[str, Any]) -> None:
    assert {name: out["value"] for name, out in site_a["output"].items()} == {
        "keycloak_role_arn": "${aws_iam_role.keycloak-role_2B28C24F.arn}",
        "bootstrap_role_arn": "${aws_iam_role.bootstrap-role_2C7508A7.arn}",
    }


def test_configured_names_reach_the_trust_and_the_grant(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["keycloak"] = {"namespace": "identity", "service_account": "sso", "db_user": "sso_db"}
    stack = synth(config_data)["access-rosa-site-b"]
    issuer_b = "oidc.op1.openshiftapps.com/2kq7r3m9t1vb5xw8n4hc6jd0fgsplz2b"
    assert policy_document(stack, "access-rosa-site-b/keycloak-role/trust") == trust(
        "system:serviceaccount:identity:sso", issuer_b
    )
    (grant,) = policy_document(stack, "access-rosa-site-b/keycloak-role/permissions")
    assert grant["resources"][0].endswith("/sso_db")


def test_a_cluster_in_another_account_gets_its_roles_in_the_databases_account(synth: Synth, config_data: dict[str, Any]) -> None:
    # The role that signs the token needs rds-db:connect on the cluster, which no resource
    # policy can grant across accounts: the roles stay with the database; the database
    # account holds an OIDC provider for the other account's cluster (README).
    config_data["rosa_clusters"][1].update(region="us-east-1", role_arn="arn:aws:iam::222222222222:role/peering")
    stack = synth(config_data)["access-rosa-site-b"]
    assert stack["provider"]["aws"] == [{"region": "eu-west-1"}]


def test_external_secrets_gets_only_the_secret_readers_role(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["keycloak"] = {"credentials": "external-secrets"}
    stack = synth(config_data)["access-rosa-site-a"]
    assert {p.split("/")[1] for p in by_path(stack, "aws_iam_role")} == {"secrets-reader-role"}
    assert policy_document(stack, "access-rosa-site-a/secrets-reader-role/trust") == trust(
        "system:serviceaccount:keycloak:aurora-secrets-reader"
    )
    reader = policy_document(stack, "access-rosa-site-a/secrets-reader-role/permissions")
    assert [s["actions"] for s in reader] == [["secretsmanager:GetSecretValue"], ["kms:Decrypt"]]
    assert set(stack["output"]) == {"secrets_reader_role_arn"}


def test_copy_needs_no_access_stack(synth: Synth, config_data: dict[str, Any]) -> None:
    config_data["keycloak"] = {"credentials": "copy"}
    assert not [stack for stack in synth(config_data) if stack.startswith("access-")]


def test_no_wildcard_anywhere(site_a: dict[str, Any]) -> None:
    for document in data_sources(site_a, "aws_iam_policy_document").values():
        for statement in document["statement"]:
            assert "*" not in json.dumps(statement.get("resources", [])) and "*" not in json.dumps(statement["actions"])
    assert resources(site_a, "aws_iam_role_policy_attachment") == {}
