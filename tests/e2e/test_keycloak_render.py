"""The render command on the session's real deployment: patches from the outputs file
`cdktf deploy` wrote, checked against the Keycloak CRD and the cluster RDS reports.

Read-only: it renders files into a temporary directory and never applies or destroys
anything. The rendered directories are registered for the secret scan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.keycloak.render import main as render
from tests.e2e.world import AURORA_REGION, PARTNER, Deployment
from tests.keycloak_crd import MINIMAL_KEYCLOAK, crd_validator, merge_patch, validation_errors

pytestmark = pytest.mark.e2e

CLUSTERS = [PARTNER, "rosa-site-a", "rosa-site-b"]


def run_render(deployment: Deployment, config: Path, out_dir: Path) -> Path:
    assert render(["--outputs", str(deployment.outputs_file), "--config", str(config), "--out-dir", str(out_dir)]) == 0
    deployment.rendered_dirs.append(out_dir)
    return out_dir


@pytest.fixture(scope="module")
def rendered(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The e2e config's patches (credentials: iam, the default)."""
    return run_render(deployment, deployment.config_path, tmp_path_factory.mktemp("rendered"))


@pytest.fixture(scope="module")
def writer(deployment: Deployment) -> dict[str, Any]:
    (cluster,) = deployment.client("rds").describe_db_clusters(DBClusterIdentifier="keycloak-aurora")["DBClusters"]
    return cluster


def patch_of(rendered: Path, cluster: str) -> dict[str, Any]:
    return yaml.safe_load((rendered / cluster / "keycloak-db-patch.yaml").read_text())


def test_one_patch_per_rosa_cluster(rendered: Path) -> None:
    assert sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if p.is_file()) == [
        f"{cluster}/keycloak-db-patch.yaml" for cluster in CLUSTERS
    ]


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_patch_merged_into_a_minimal_cr_satisfies_the_crd(rendered: Path, cluster: str) -> None:
    cr = merge_patch(MINIMAL_KEYCLOAK, patch_of(rendered, cluster))
    assert validation_errors(crd_validator(), cr) == []


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_url_names_the_writer_endpoint_rds_reports_and_signs_iam_tokens(
    rendered: Path, writer: dict[str, Any], cluster: str
) -> None:
    patch = patch_of(rendered, cluster)
    db = patch["spec"]["db"]
    assert db["url"] == (
        f"jdbc:aws-wrapper:postgresql://{writer['Endpoint']}:{writer['Port']}/{writer['DatabaseName']}"
        f"?wrapperPlugins=initialConnection,auroraConnectionTracker,failover2,efm2,iam&iamRegion={AURORA_REGION}"
        "&sslmode=verify-full&sslrootcert=/opt/keycloak/conf/rds-ca-bundle.pem"
    )
    assert writer["IAMDatabaseAuthenticationEnabled"] is True
    assert db["usernameSecret"] == {"name": "keycloak-db-username", "key": "username"}
    assert db["passwordSecret"] is None
    assert patch["spec"]["unsupported"]["podTemplate"]["spec"]["serviceAccountName"] == "keycloak-db"


def test_copy_mode_patches_name_the_copied_secret(
    deployment: Deployment, writer: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("copy")
    data = yaml.safe_load(deployment.config_path.read_text())
    data["keycloak"] = {"credentials": "copy"}
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    db = patch_of(run_render(deployment, config, work / "rendered"), "rosa-site-a")["spec"]["db"]
    assert db["url"] == f"jdbc:aws-wrapper:postgresql://{writer['Endpoint']}:{writer['Port']}/{writer['DatabaseName']}"
    assert db["passwordSecret"] == {"name": "keycloak-db-secret", "key": "password"}


def test_external_secrets_documents_name_the_real_master_secret(
    deployment: Deployment, writer: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # GIVEN the same deployment, configured for the External Secrets Operator
    work = tmp_path_factory.mktemp("eso")
    data = yaml.safe_load(deployment.config_path.read_text())
    data["keycloak"] = {"credentials": "external-secrets"}
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    # WHEN rendering
    out = run_render(deployment, config, work / "rendered")
    # THEN the ExternalSecret reads the secret RDS manages, from the Aurora region
    synced = yaml.safe_load((out / "rosa-site-b" / "external-secret.yaml").read_text())
    assert {d["remoteRef"]["key"] for d in synced["spec"]["data"]} == {writer["MasterUserSecret"]["SecretArn"]}
    store = yaml.safe_load((out / "rosa-site-b" / "secret-store.yaml").read_text())
    assert store["spec"]["provider"]["aws"]["region"] == AURORA_REGION
