"""No secret value in anything the tool writes or keeps: cdktf.out (every synthesized
stack, the keycloak-* stacks with their bootstrap Job included, plans, Terraform's working
files), the outputs file, rendered manifests and every state object in the state bucket.
The session's deployment is in `keycloak.credentials: iam`, the default, where nothing at
all needs the password. Runs after the modules that render manifests (they register their
directories on the deployment) and before teardown.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.world import STATE_BUCKET, Deployment

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def password(deployment: Deployment) -> str:
    """The real master password, as RDS generated it into Secrets Manager."""
    arn = deployment.outputs()["aurora"]["master_secret_arn"]
    secret = json.loads(deployment.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    assert len(secret["password"]) >= 8
    return secret["password"]


def test_the_deployment_uses_iam(deployment: Deployment) -> None:
    assert deployment.config().get("keycloak", {}).get("credentials", "iam") == "iam"


def test_no_secret_value_in_synthesized_or_output_files(deployment: Deployment, password: str) -> None:
    scanned = 0
    roots = [deployment.outdir, deployment.outputs_file, *deployment.rendered_dirs]
    for root in roots:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            if ".terraform" in path.parts and "providers" in path.parts:
                continue  # provider binaries
            assert password.encode() not in path.read_bytes(), f"secret value found in {path}"
            scanned += 1
    assert scanned > 5
    # the keycloak-* stacks were synthesized too (cdktf synthesizes every stack), bootstrap and all
    assert (deployment.stack_dir("keycloak-rosa-site-a") / "cdk.tf.json").is_file()


def test_no_secret_value_in_any_state(deployment: Deployment, password: str) -> None:
    s3 = deployment.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET).get("Contents", [])]
    states = [key for key in keys if key.endswith(".tfstate")]
    assert {key.rsplit("/", 1)[-1] for key in states} >= {
        "aurora.tfstate", "access-rosa-site-a.tfstate", "access-rosa-site-b.tfstate", "access-rosa-partner.tfstate",
        "peering-rosa-site-a.tfstate", "peering-rosa-partner.tfstate",
    }
    for key in states:
        body = s3.get_object(Bucket=STATE_BUCKET, Key=key)["Body"].read()
        assert password.encode() not in body, f"secret value found in state {key}"
