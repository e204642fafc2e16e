"""AWS for the recovery tests: moto in this process (`mock_aws`), nothing leaves it, and a
small synthesized stack to recover."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG

REGION = "eu-west-1"
DEPLOYMENT = "kc"
BUCKET = "state-bucket"


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """moto for every boto3 call of a test module, with fake credentials and no profile.

    One emulated account per module (moto's first call per service and region costs about
    a second): tests use names and tags of their own and look only at what they made.
    """
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        with mock_aws():
            yield


def client(service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region)


def tags(stack: str, address: str, deployment: str = DEPLOYMENT) -> list[dict[str, str]]:
    """The identity tags `modules/aws/tagging.py` gives `address` of `stack`."""
    return [{"Key": DEPLOYMENT_TAG, "Value": deployment}, {"Key": ADDRESS_TAG, "Value": f"{stack}/{address}"}]


def tagged(resource_type: str, stack: str, address: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": tags(stack, address)}]


def write_stack(directory: Path, name: str, resources: dict[str, dict[str, Any]], *,
                backend: dict[str, Any] | None = None, remote: dict[str, Any] | None = None,
                providers: list[dict[str, Any]] | None = None) -> Path:
    """`<directory>/stacks/<name>/cdk.tf.json` with `resources` ({address: body}): taggable
    bodies get the identity tags `tag_resources` would give them."""
    document: dict[str, Any] = {
        "provider": {"aws": providers or [{"region": REGION}]},
        "terraform": {"backend": backend or {"s3": {"bucket": BUCKET, "key": f"p/{name}.tfstate",
                                                     "region": REGION, "use_lockfile": True}}},
        "resource": {},
    }
    for address, body in resources.items():
        rtype, logical = address.split(".")
        document["resource"].setdefault(rtype, {})[logical] = body
    if remote:
        document["data"] = {"terraform_remote_state": remote}
    path = directory / "stacks" / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "cdk.tf.json").write_text(json.dumps(document))
    return path


def identity(stack: str, address: str) -> dict[str, str]:
    return {DEPLOYMENT_TAG: DEPLOYMENT, ADDRESS_TAG: f"{stack}/{address}"}
