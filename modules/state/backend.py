"""Where each stack keeps its Terraform state (one state per stack), and how a stack reads
another stack's outputs from it.

`s3` (default): `s3://<bucket>/<key_prefix>/<stack>.tfstate`, encrypted, locked with S3's
native lock file (`use_lockfile`, Terraform >= 1.10) or a DynamoDB table. `cloud`: HCP
Terraform or Terraform Enterprise, one workspace per stack named
`<workspace_prefix>-<stack>`; a stack reading another's outputs needs that workspace's
remote state sharing to include it. `local`: for trying things out,
`<directory>/<stack>.tfstate` under the project root.
"""

from __future__ import annotations

import os
from typing import Any

from cdktf import (
    CloudBackend,
    DataTerraformRemoteState,
    DataTerraformRemoteStateLocal,
    DataTerraformRemoteStateS3,
    LocalBackend,
    NamedCloudWorkspace,
    NamedRemoteWorkspace,
    S3Backend,
    S3BackendEndpointConfig,
    TerraformRemoteState,
    TerraformStack,
)
from constructs import Construct

from modules import naming
from modules.config import BACKEND_ENDPOINT_SERVICES, DeploymentConfig

# Stacks are synthesized to cdktf.out/stacks/<stack>/ and Terraform runs there, so a
# local state path climbs back to the project root (and survives `rm -rf cdktf.out`).
_PROJECT_ROOT_FROM_STACK_DIR = os.path.join("..", "..", "..")


def _workspace(config: DeploymentConfig, stack_id: str) -> str:
    return naming.workspace_name(config.state.cloud_settings.workspace_prefix, stack_id)


def _local_path(config: DeploymentConfig, stack_id: str) -> str:
    return os.path.join(_PROJECT_ROOT_FROM_STACK_DIR, config.state.local.directory, f"{stack_id}.tfstate")


def _s3_settings(config: DeploymentConfig, stack_id: str) -> dict[str, Any]:
    """Arguments shared by the S3 backend and the S3 remote-state reader of a stack."""
    s3 = config.state.s3_settings
    endpoints = {k: v for k, v in config.aws.endpoints.items() if k in BACKEND_ENDPOINT_SERVICES}
    skip = config.aws.skip_validation or None
    return dict(
        bucket=s3.bucket,
        key=naming.state_key(s3.key_prefix, stack_id),
        region=config.state_region,
        encrypt=True,
        dynamodb_table=s3.dynamodb_table if s3.locking == "dynamodb" else None,
        endpoints=S3BackendEndpointConfig(**endpoints) if endpoints else None,
        use_path_style=True if "s3" in endpoints else None,
        skip_credentials_validation=skip,
        skip_requesting_account_id=skip,
        skip_metadata_api_check=skip,
        skip_region_validation=skip,
    )


def local_state(stack: TerraformStack, stack_id: str, config: DeploymentConfig) -> None:
    """Give `stack` local state at `<state.local.directory>/<stack>.tfstate`."""
    LocalBackend(stack, path=_local_path(config, stack_id))


def configure_state(stack: TerraformStack, stack_id: str, config: DeploymentConfig) -> None:
    """Give `stack` the backend chosen in `config.state`."""
    if config.state.backend == "local":
        local_state(stack, stack_id, config)
        return
    if config.state.backend == "cloud":
        cloud = config.state.cloud_settings
        CloudBackend(
            stack,
            organization=cloud.organization,
            hostname=cloud.hostname,
            workspaces=NamedCloudWorkspace(_workspace(config, stack_id), project=cloud.project),
        )
        return
    S3Backend(stack, **_s3_settings(config, stack_id))
    if config.state.s3_settings.locking == "lockfile":
        # S3Backend in cdktf 0.21 predates Terraform 1.10's `use_lockfile`: set it directly.
        stack.add_override("terraform.backend.s3.use_lockfile", True)


def stack_outputs(scope: Construct, id_: str, config: DeploymentConfig, stack_id: str) -> TerraformRemoteState:
    """A reader of the named outputs of stack `stack_id`, from its state.

    Stacks read each other's declared outputs (a stable contract) rather than CDKTF's
    automatic cross-stack references, whose generated output names follow internal
    resource ids.
    """
    if config.state.backend == "local":
        return DataTerraformRemoteStateLocal(scope, id_, path=_local_path(config, stack_id))
    if config.state.backend == "cloud":
        cloud = config.state.cloud_settings
        # Reads through the `remote` backend protocol, which HCP Terraform serves; the
        # source workspace must share its state with the reading one.
        return DataTerraformRemoteState(
            scope,
            id_,
            organization=cloud.organization,
            hostname=cloud.hostname,
            workspaces=NamedRemoteWorkspace(_workspace(config, stack_id)),
        )
    return DataTerraformRemoteStateS3(scope, id_, **_s3_settings(config, stack_id))
