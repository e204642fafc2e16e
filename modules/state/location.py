"""Where a deployment keeps its states, as one value: what tells two deployments apart.

`aurora.name` alone does not: a second account, a fresh deployment next to the first or a
test world may carry the same name. The states do: S3 keeps them at
`s3://<bucket>/<key_prefix>/<stack>.tfstate` (bucket names are global), local state in
`<state.local.directory>/<stack>.tfstate` of the checkout, HCP Terraform in workspaces
`<workspace_prefix>-<stack>` of one organization on one host. The runner lists the states
of a deployment from it (`modules.state.inventory`), and recovery files are kept per
location (`modules.recover.imports_file`).

Pure: no jsii, no AWS call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from modules.config import BACKEND_ENDPOINT_SERVICES, DeploymentConfig


@dataclass(frozen=True)
class StateLocation:
    """Where every stack of one deployment keeps its state.

    `backend` is `s3`, `local` or `cloud`. For `s3`: `bucket`, `prefix` (the key prefix,
    no slash at either end), `region`, `dynamodb_table` with DynamoDB locking, and the
    `endpoints` Terraform's S3 backend is given (emulators). For `local`: `directory`,
    relative to the directory holding the synth output (the project root) unless absolute.
    For `cloud`:
    `hostname`, `organization`, `prefix` (the workspace prefix) and `project`.
    """

    backend: Literal["s3", "local", "cloud"]
    bucket: str = ""
    prefix: str = ""
    region: str = ""
    dynamodb_table: str | None = None
    endpoints: tuple[tuple[str, str], ...] = ()
    directory: str = ""
    hostname: str = ""
    organization: str = ""
    project: str | None = None

    @classmethod
    def of(cls, config: DeploymentConfig) -> StateLocation:
        """The location `config.state` gives every stack."""
        state = config.state
        if state.backend == "local":
            return cls("local", directory=state.local.directory.rstrip("/") or "/")
        if state.backend == "cloud":
            cloud = state.cloud_settings
            return cls("cloud", hostname=cloud.hostname, organization=cloud.organization,
                       prefix=cloud.workspace_prefix, project=cloud.project)
        s3 = state.s3_settings
        endpoints = tuple(sorted((k, v) for k, v in config.aws.endpoints.items() if k in BACKEND_ENDPOINT_SERVICES))
        return cls(
            "s3", bucket=s3.bucket, prefix=s3.key_prefix.strip("/"), region=config.state_region,
            dynamodb_table=s3.dynamodb_table if s3.locking == "dynamodb" else None, endpoints=endpoints,
        )

    @property
    def key(self) -> str:
        """One line naming the location, the same wherever it is computed:
        `s3://<bucket>/<prefix>`, `local:<directory>` or `cloud://<host>/<organization>/<prefix>`."""
        if self.backend == "s3":
            return f"s3://{self.bucket}/{self.prefix}"
        if self.backend == "local":
            return f"local:{self.directory}"
        return f"cloud://{self.hostname}/{self.organization}/{self.prefix}"

    def describe(self) -> str:
        """Where the states are, for a person: `s3://b/p/`, `local directory state/`,
        `HCP Terraform app.terraform.io, organization o, workspaces p-*`."""
        if self.backend == "s3":
            return f"s3://{self.bucket}/{self.prefix}/"
        if self.backend == "local":
            return f"local directory {self.directory}/"
        return f"HCP Terraform {self.hostname}, organization {self.organization}, workspaces {self.prefix}-*"

    def endpoint(self, service: str) -> str | None:
        """The endpoint URL the S3 backend uses for `service`, or None for AWS's own."""
        return dict(self.endpoints).get(service)
