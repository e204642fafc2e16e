"""boto3 clients for the boto3 commands (`make preflight`, `make find-vpc`, `make recover`):
one region, the caller's own identity or an assumed role, the config's emulator endpoints,
and retries that survive throttling (`CLIENT_CONFIG`).

Pure Python and boto3: importing it starts no Node.js process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config

#: The session name an assumed role shows in CloudTrail.
SESSION_NAME = "keycloak-aurora-readonly"
#: botocore's standard retry mode: throttling (`Throttling`, `RequestLimitExceeded`, ...),
#: HTTP 500/502/503/504 and connection errors are retried with exponential backoff and
#: jitter, up to 10 attempts in all (a second or so of waiting at most for the first few,
#: capped at 20 s each); an account's API rate limits are shared with everything else
#: that runs in it. `AWS_MAX_ATTEMPTS` (the AWS SDKs' setting: attempts in all, the first
#: included) overrides the 10. Connecting gives up after 5 s, a reply after 30 s.
DEFAULT_MAX_ATTEMPTS = 10


def max_attempts(environ: Mapping[str, str] = os.environ) -> int:
    """`AWS_MAX_ATTEMPTS` when it is a whole number of at least 1, else 10."""
    value = environ.get("AWS_MAX_ATTEMPTS", "").strip()
    return int(value) if value.isdigit() and int(value) >= 1 else DEFAULT_MAX_ATTEMPTS


CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30,
                       retries={"mode": "standard", "total_max_attempts": max_attempts()})


class AwsClients:
    """Clients for `region`, as the Terraform provider of a stack would call AWS.

    `role_arn` (default none: the caller's own credentials) is assumed once, on the first
    client, as the provider's `assume_role` does. `endpoints` (service -> URL, the config's
    `aws.endpoints`) redirects services to an emulator. Clients are created once each.
    """

    def __init__(self, region: str, *, role_arn: str | None = None, endpoints: Mapping[str, str] | None = None) -> None:
        self.region = region
        self.role_arn = role_arn
        self._endpoints = dict(endpoints or {})
        self._session: Any = None
        self._clients: dict[str, Any] = {}

    def _current_session(self) -> Any:
        """The boto3 session: the caller's, or the assumed role's (assumed on first use)."""
        if self._session is None:
            base = boto3.session.Session(region_name=self.region)
            if self.role_arn:
                sts = base.client("sts", endpoint_url=self._endpoints.get("sts"), config=CLIENT_CONFIG)
                credentials = sts.assume_role(RoleArn=self.role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
                base = boto3.session.Session(
                    region_name=self.region,
                    aws_access_key_id=credentials["AccessKeyId"],
                    aws_secret_access_key=credentials["SecretAccessKey"],
                    aws_session_token=credentials["SessionToken"],
                )
            self._session = base
        return self._session

    def client(self, service: str) -> Any:
        """A client for `service` (`ec2`, `rds`, `s3`, `sts`, `iam`, ...)."""
        if service not in self._clients:
            self._clients[service] = self._current_session().client(
                service, endpoint_url=self._endpoints.get(service), config=CLIENT_CONFIG
            )
        return self._clients[service]
