"""IAM roles that an AWS service assumes on our behalf (flow logs, RDS monitoring)."""

from __future__ import annotations

import json

from constructs import Construct

from modules.providers import IamRole


def service_role(scope: Construct, id_: str, *, name: str, service: str) -> IamRole:
    """A role named `name` that only `service` (e.g. `monitoring.rds.amazonaws.com`) may assume."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }
    return IamRole(scope, id_, name=name, assume_role_policy=json.dumps(trust))
