"""The `access-<name>` stacks deployed to moto: each ROSA cluster's pod roles, read back
through the IAM API and compared with what RDS and Secrets Manager report.

moto keeps IAM policies as documents and evaluates none of them (there is no web
identity here: `aws_env()` removes it), so these tests check the documents themselves:
the trust policy's provider, audience and exact `sub`, and the resources each role is
allowed. The cross-account cluster (`rosa-partner`, in account 222222222222) is checked
like the others: its pod roles live in the database's account, trusted by the IAM OIDC
provider of its issuer in that account. test_teardown.py retires the partner (its roles
go), then destroys one more access stack, and checks that exactly their roles go.
"""

from __future__ import annotations

from typing import Any

import pytest

from modules.naming import issuer_host_path
from tests.e2e.aws_checks import POD_ROLE_PREFIX
from tests.e2e.world import PARTNER, PARTNER_ACCOUNT, PARTNER_ROLE, Deployment

pytestmark = pytest.mark.e2e

CLUSTERS = ["rosa-site-a", "rosa-site-b", PARTNER]


def role(deployment: Deployment, name: str) -> dict[str, Any]:
    return deployment.client("iam").get_role(RoleName=name)["Role"]


def inline_policy(deployment: Deployment, name: str) -> dict[str, Any]:
    iam = deployment.client("iam")
    (policy_name,) = iam.list_role_policies(RoleName=name)["PolicyNames"]
    return iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def cluster(deployment: Deployment) -> dict[str, Any]:
    (found,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    return found


@pytest.fixture(scope="module")
def account(deployment: Deployment) -> str:
    return deployment.client("sts").get_caller_identity()["Account"]


def expected_trust(deployment: Deployment, name: str, service_account: str) -> dict[str, Any]:
    rosa = deployment.rosa[name]
    issuer = issuer_host_path(rosa.oidc_issuer)
    return {
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": rosa.oidc_provider_arn},
        "Condition": {
            "StringEquals": {
                f"{issuer}:sub": f"system:serviceaccount:keycloak:{service_account}",
                f"{issuer}:aud": "sts.amazonaws.com",
            }
        },
    }


@pytest.mark.parametrize("name", CLUSTERS)
def test_keycloaks_role_is_trusted_by_its_clusters_oidc_provider_for_one_service_account(
    deployment: Deployment, name: str
) -> None:
    arn = deployment.outputs()[f"access-{name}"]["keycloak_role_arn"]
    found = role(deployment, f"keycloak-aurora-{name}-keycloak")
    assert found["Arn"] == arn
    (trust,) = statements(found["AssumeRolePolicyDocument"])
    trust.pop("Sid", None)
    assert trust == expected_trust(deployment, name, "keycloak-db")
    assert {t["Key"]: t["Value"] for t in found.get("Tags", [])}["RosaCluster"] == name


@pytest.mark.parametrize("name", CLUSTERS)
def test_keycloaks_role_may_connect_as_keycloak_iam_to_the_deployed_cluster(
    deployment: Deployment, cluster: dict[str, Any], account: str, name: str
) -> None:
    # The resource id RDS reports (not the cluster's name) and the user the bootstrap creates.
    assert cluster["DbClusterResourceId"].startswith("cluster-")
    assert deployment.outputs()["aurora"]["cluster_resource_id"] == cluster["DbClusterResourceId"]
    (grant,) = statements(inline_policy(deployment, f"keycloak-aurora-{name}-keycloak"))
    assert grant["Effect"] == "Allow" and as_list(grant["Action"]) == ["rds-db:connect"]
    assert as_list(grant["Resource"]) == [
        f"arn:aws:rds-db:eu-west-1:{account}:dbuser:{cluster['DbClusterResourceId']}/keycloak_iam"
    ]


@pytest.mark.parametrize("name", CLUSTERS)
def test_the_bootstrap_role_reads_only_the_master_secret_with_its_key(
    deployment: Deployment, cluster: dict[str, Any], name: str
) -> None:
    found = role(deployment, f"keycloak-aurora-{name}-db-bootstrap")
    assert found["Arn"] == deployment.outputs()[f"access-{name}"]["bootstrap_role_arn"]
    (trust,) = statements(found["AssumeRolePolicyDocument"])
    trust.pop("Sid", None)
    assert trust == expected_trust(deployment, name, "keycloak-db-bootstrap")
    secret_arn = cluster["MasterUserSecret"]["SecretArn"]
    read, decrypt = statements(inline_policy(deployment, found["RoleName"]))
    assert (as_list(read["Action"]), as_list(read["Resource"])) == (["secretsmanager:GetSecretValue"], [secret_arn])
    assert as_list(decrypt["Action"]) == ["kms:Decrypt"]
    assert as_list(decrypt["Resource"]) == [deployment.outputs()["aurora"]["kms_key_arn"]]
    # the key RDS encrypted the master secret with
    key_id = cluster["MasterUserSecret"]["KmsKeyId"]
    key_arn = deployment.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    assert as_list(decrypt["Resource"]) == [key_arn]
    assert decrypt["Condition"]["StringEquals"] == {
        "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
        "kms:EncryptionContext:SecretARN": secret_arn,
    }


def test_the_cross_account_clusters_roles_trust_the_provider_in_the_database_account(
    deployment: Deployment, account: str
) -> None:
    # ROSA STS registered the partner's OIDC provider in the partner's account; the roles
    # live in the database's, so they trust the provider registered there for the same URL.
    partner = deployment.rosa[PARTNER]
    issuer = issuer_host_path(partner.oidc_issuer)
    assert partner.oidc_provider_arn == f"arn:aws:iam::{account}:oidc-provider/{issuer}"
    in_partner_account = deployment.client("iam", role_arn=PARTNER_ROLE).list_open_id_connect_providers()
    assert [p["Arn"] for p in in_partner_account["OpenIDConnectProviderList"]] == [
        f"arn:aws:iam::{PARTNER_ACCOUNT}:oidc-provider/{issuer}"
    ]
    for purpose in ("keycloak", "db-bootstrap"):
        found = role(deployment, f"keycloak-aurora-{PARTNER}-{purpose}")
        assert found["Arn"] == f"arn:aws:iam::{account}:role/keycloak-aurora-{PARTNER}-{purpose}"
        (trust,) = statements(found["AssumeRolePolicyDocument"])
        assert trust["Principal"] == {"Federated": partner.oidc_provider_arn}


def test_no_other_pod_role_exists(deployment: Deployment) -> None:
    names = {r["RoleName"] for r in deployment.client("iam").list_roles()["Roles"]}
    assert sorted(n for n in names if n.startswith(POD_ROLE_PREFIX)) == [
        f"keycloak-aurora-{name}-{purpose}" for name in sorted(CLUSTERS) for purpose in ("db-bootstrap", "keycloak")
    ]
    # none in the partner's account: Terraform never creates anything there but the peering and its routes
    assert deployment.client("iam", role_arn=PARTNER_ROLE).list_roles()["Roles"] == []


@pytest.mark.parametrize("stack", [f"access-{name}" for name in CLUSTERS])
def test_plan_after_deploy_shows_no_changes(deployment: Deployment, stack: str) -> None:
    code, plan = deployment.plan_exit_code(stack)
    assert code == 0, f"drift after apply:\n{plan[-5000:]}"
