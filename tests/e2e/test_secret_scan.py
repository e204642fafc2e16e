"""No secret value in anything the tool writes: cdktf.out (stacks, plans, Terraform's
working files), the outputs file and rendered manifests. Runs after the modules that
render manifests (they register their directories on the deployment) and before teardown.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.world import Deployment

pytestmark = pytest.mark.e2e


def test_no_secret_value_in_synthesized_or_output_files(deployment: Deployment) -> None:
    # The real master password, as RDS generated it into Secrets Manager.
    arn = deployment.outputs()["aurora"]["master_secret_arn"]
    secret = json.loads(deployment.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    password = secret["password"]
    assert len(password) >= 8
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
