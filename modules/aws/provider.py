"""The AWS provider of a stack: region from config, optional emulator endpoints."""

from __future__ import annotations

from constructs import Construct

from modules.config import AwsSpec
from modules.providers import AwsProvider, AwsProviderAssumeRole, AwsProviderEndpoints


def aws_provider(
    scope: Construct,
    id_: str,
    *,
    region: str,
    aws: AwsSpec,
    alias: str | None = None,
    role_arn: str | None = None,
) -> AwsProvider:
    """An `aws` provider for `region`.

    `aws.endpoints` redirects services (LocalStack, moto) and then S3 uses path-style
    addressing; `aws.skip_validation` skips the credential, account-id, region and
    instance-metadata checks that emulators cannot answer. `role_arn` is assumed for a
    cluster in another account. Defaults: the provider's own (real AWS, no role).
    """
    skip = aws.skip_validation or None
    return AwsProvider(
        scope,
        id_,
        region=region,
        alias=alias,
        assume_role=[AwsProviderAssumeRole(role_arn=role_arn)] if role_arn else None,
        endpoints=[AwsProviderEndpoints(**aws.endpoints)] if aws.endpoints else None,
        s3_use_path_style=True if "s3" in aws.endpoints else None,
        skip_credentials_validation=skip,
        skip_requesting_account_id=skip,
        skip_region_validation=skip,
        skip_metadata_api_check="true" if skip else None,
    )
