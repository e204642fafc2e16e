"""boto3 clients as a stack's providers and backend see AWS: same region, role and endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3

from modules.aws.clients import CLIENT_CONFIG
from modules.recover.stack import ProviderSettings

#: Session name of a role assumed for a provider with `assume_role` (CloudTrail shows it).
SESSION_NAME = "keycloak-aurora-recover"


class Aws:
    """Clients for `ProviderSettings` (a provider block of a synthesized stack) and for
    state backends. A role is assumed once per run. Credentials come from boto3's chain,
    as Terraform's do; throttled calls are retried (`modules.aws.clients.CLIENT_CONFIG`)."""

    def __init__(self, session: boto3.Session | None = None) -> None:
        self._session = session or boto3.Session()
        self._assumed: dict[tuple[str, str], boto3.Session] = {}

    def client(self, service: str, provider: ProviderSettings) -> Any:
        """A client for `service` in the provider's region, through its role and endpoint."""
        session = self._session_for(provider) if provider.role_arn else self._session
        return session.client(service, region_name=provider.region, endpoint_url=provider.endpoint(service),
                              config=CLIENT_CONFIG)

    def backend_client(self, service: str, settings: Mapping[str, Any]) -> Any:
        """A client for an S3 backend's `service` (`s3`, `dynamodb`): its region and endpoints."""
        endpoints = settings.get("endpoints") or {}
        return self._session.client(service, region_name=settings.get("region"), endpoint_url=endpoints.get(service),
                                    config=CLIENT_CONFIG)

    def _session_for(self, provider: ProviderSettings) -> boto3.Session:
        key = (provider.role_arn or "", provider.region)
        if key not in self._assumed:
            sts = self._session.client("sts", region_name=provider.region, endpoint_url=provider.endpoint("sts"),
                                       config=CLIENT_CONFIG)
            credentials = sts.assume_role(RoleArn=provider.role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
            self._assumed[key] = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        return self._assumed[key]
