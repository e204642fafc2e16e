"""The states a deployment's backend holds, and what each holds: what is deployed, whatever
the config says today.

The runner compares it with the synthesized stacks before Terraform runs
(`modules.run.orphans`): a state that holds resources but belongs to no stack of the
config (an entry deleted from `rosa_clusters` without retiring it) would otherwise be
managed by nothing from then on. Per backend (`StateLocation`):

* `s3`: the objects `<key_prefix>/<stack>.tfstate` (directly under the prefix; a deeper
  key belongs to another prefix), read with boto3 as Terraform's S3 backend reads them:
  the same region and endpoints, credentials from the default chain.
* `local`: the files `<directory>/<stack>.tfstate` (not their `.backup`).
* `cloud`: the workspaces `<workspace_prefix>-<stack>` of the organization, from the HCP
  Terraform API (`GET /api/v2/organizations/<org>/workspaces`, every page), whose
  `resource-count` says what each holds; the token is Terraform's own (`TF_TOKEN_<host>`,
  else `terraform login`'s credentials file). Only names shaped like this tool's stacks
  count, so a neighbour's `<prefix>-eu-aurora` is not taken for a stack `eu-aurora`.

A state's resources are its managed resource instances (data sources are read anew by every
plan and do not count). Reading never changes anything; `remove` deletes only a state that
holds no resource.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from modules.naming import (
    AURORA_SECONDARY_STACK_ID,
    AURORA_STACK_ID,
    RETIRED_OUTPUT,
    STATE_STACK_ID,
    rosa_cluster_of,
    state_key,
    workspace_name,
)
from modules.state.location import StateLocation

#: Terraform's suffixes: a state object or file, and S3's native lock file next to it.
STATE_SUFFIX = ".tfstate"
LOCK_FILE_SUFFIX = ".tflock"


class InventoryError(Exception):
    """The backend could not be listed or read, or a state not removed; the message says
    where and what to do."""


@dataclass(frozen=True)
class StoredState:
    """One stack's state as the backend holds it: where (`s3://...`, a path, a workspace),
    how many resource instances, and the `retired` output (the ROSA cluster's name) when
    a retired cluster's stack left it there."""

    stack: str
    where: str
    resources: int
    retired: str | None = None


def summarize_state(text: str) -> tuple[int, str | None]:
    """(managed resource instances, the `retired` output or None) of a state document
    (Terraform's format version 4)."""
    document = json.loads(text)
    resources = sum(
        len(resource.get("instances") or [])
        for resource in document.get("resources") or []
        if resource.get("mode") == "managed"
    )
    retired = ((document.get("outputs") or {}).get(RETIRED_OUTPUT) or {}).get("value")
    return resources, retired if isinstance(retired, str) else None


class StateInventory(Protocol):
    """The states of one deployment."""

    location: StateLocation
    #: Whether `remove` can delete a state (HCP Terraform workspaces are deleted by hand).
    removable: bool

    def stacks(self) -> list[str]:
        """The stacks the backend holds a state of, sorted."""
        ...

    def read(self, stack: str) -> StoredState:
        """What the state of `stack` holds."""
        ...

    def remove(self, stack: str) -> str:
        """Delete the state of `stack`, which must hold no resource; returns where it was."""
        ...


class S3Inventory:
    """States in S3, under `<prefix>/`. `s3` and `dynamodb` default to boto3 clients in the
    bucket's region through the backend's endpoints."""

    removable = True

    def __init__(self, location: StateLocation, *, s3: Any = None, dynamodb: Any = None) -> None:
        self.location = location
        self._clients = {"s3": s3, "dynamodb": dynamodb}

    @property
    def _s3(self) -> Any:
        return self._client("s3")

    def _client(self, service: str) -> Any:
        """The client given, else one made on first use (boto3 only for S3 state)."""
        if self._clients.get(service) is None:
            import boto3
            from botocore.config import Config

            endpoint = self.location.endpoint(service)
            # An emulator's endpoint takes path-style requests, as the backend's use_path_style.
            config = Config(s3={"addressing_style": "path"}) if endpoint and service == "s3" else None
            self._clients[service] = boto3.client(service, region_name=self.location.region, endpoint_url=endpoint,
                                                  config=config)
        return self._clients[service]

    def _key(self, stack: str) -> str:
        return state_key(self.location.prefix, stack)

    def stacks(self) -> list[str]:
        """The stacks with a state object; none while the bucket does not exist yet (before
        the `state` stack that creates it is deployed, with `state.s3.bootstrap`)."""
        from botocore.exceptions import ClientError

        start = f"{self.location.prefix}/"
        found = []
        with _aws_errors(f"cannot list the states in {self.location.describe()} (s3:ListBucket)"):
            try:
                pages = list(self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.location.bucket, Prefix=start))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
                    return []
                raise
            for page in pages:
                for item in page.get("Contents") or []:
                    name = item["Key"][len(start):]
                    if name.endswith(STATE_SUFFIX) and "/" not in name and len(name) > len(STATE_SUFFIX):
                        found.append(name[: -len(STATE_SUFFIX)])
        return sorted(found)

    def read(self, stack: str) -> StoredState:
        where = f"s3://{self.location.bucket}/{self._key(stack)}"
        with _aws_errors(f"cannot read {where} (s3:GetObject)"):
            body = self._s3.get_object(Bucket=self.location.bucket, Key=self._key(stack))["Body"].read()
        resources, retired = summarize_state(body.decode("utf-8"))
        return StoredState(stack, where, resources, retired)

    def remove(self, stack: str) -> str:
        """Delete the state object (the bucket's versioning keeps its history) and, with
        DynamoDB locking, its digest item `<bucket>/<key>-md5`, which Terraform would
        otherwise compare a new state of that name with. Refused while the state is locked
        or holds a resource."""
        state = self.read(stack)
        if state.resources:
            raise InventoryError(f"{state.where} holds {state.resources} resources: not removed")
        key, bucket = self._key(stack), self.location.bucket
        with _aws_errors(f"cannot remove {state.where}"):
            locked = self._s3.list_objects_v2(Bucket=bucket, Prefix=key + LOCK_FILE_SUFFIX).get("KeyCount", 0)
            if locked:
                raise InventoryError(f"{state.where} is locked ({key}{LOCK_FILE_SUFFIX}): not removed")
            self._s3.delete_object(Bucket=bucket, Key=key)
            if self.location.dynamodb_table:
                self._client("dynamodb").delete_item(TableName=self.location.dynamodb_table, Key={"LockID": {"S": f"{bucket}/{key}-md5"}})
        return state.where


class LocalInventory:
    """State files in `<root>/<directory>` (`root`: where the synth output directory is)."""

    removable = True

    def __init__(self, location: StateLocation, *, root: Path) -> None:
        self.location = location
        self.directory = Path(root) / location.directory

    def stacks(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(path.name[: -len(STATE_SUFFIX)] for path in self.directory.glob(f"?*{STATE_SUFFIX}"))

    def read(self, stack: str) -> StoredState:
        path = self.directory / f"{stack}{STATE_SUFFIX}"
        try:
            resources, retired = summarize_state(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InventoryError(f"cannot read the state {path}: {err}") from None
        return StoredState(stack, str(path), resources, retired)

    def remove(self, stack: str) -> str:
        state = self.read(stack)
        if state.resources:
            raise InventoryError(f"{state.where} holds {state.resources} resources: not removed")
        Path(state.where).unlink()
        return state.where


#: GET a URL with headers; returns the parsed JSON document.
GetJson = Callable[[str, Mapping[str, str]], Any]


def _get_json(url: str, headers: Mapping[str, str]) -> Any:
    request = urllib.request.Request(url, headers=dict(headers))
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def terraform_token(hostname: str, env: Mapping[str, str] | None = None, home: Path | None = None) -> str | None:
    """The API token Terraform itself uses for `hostname`: `TF_TOKEN_<host>` (dots as `_`,
    hyphens as `__`), else `terraform login`'s `~/.terraform.d/credentials.tfrc.json`."""
    env = os.environ if env is None else env
    variable = "TF_TOKEN_" + hostname.replace("-", "__").replace(".", "_")
    if env.get(variable):
        return env[variable]
    credentials = (home or Path.home()) / ".terraform.d" / "credentials.tfrc.json"
    try:
        token = json.loads(credentials.read_text(encoding="utf-8"))["credentials"][hostname]["token"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return token if isinstance(token, str) and token else None


def _stack_shaped(stack: str) -> bool:
    return stack in (AURORA_STACK_ID, AURORA_SECONDARY_STACK_ID, STATE_STACK_ID) or rosa_cluster_of(stack) is not None


class CloudInventory:
    """Workspaces `<prefix>-<stack>` in HCP Terraform or Terraform Enterprise. `address`
    defaults to `https://<hostname>`, `token` to Terraform's (`terraform_token`), `get_json`
    to a plain HTTPS GET."""

    removable = False

    def __init__(self, location: StateLocation, *, token: str | None = None, address: str | None = None,
                 get_json: GetJson = _get_json) -> None:
        self.location = location
        self._token = token
        self._address = (address or f"https://{location.hostname}").rstrip("/")
        self._get_json = get_json
        self._counts: dict[str, int] | None = None

    def _workspaces(self) -> dict[str, int]:
        """{stack: resource count} of every workspace of the deployment (listed once)."""
        if self._counts is not None:
            return self._counts
        token = self._token or terraform_token(self.location.hostname)
        if not token:
            raise InventoryError(
                f"cannot list the workspaces of {self.location.describe()}: no API token for "
                f"{self.location.hostname} (run `terraform login {self.location.hostname}`, or set "
                f"TF_TOKEN_{self.location.hostname.replace('-', '__').replace('.', '_')})"
            )
        start = f"{self.location.prefix}-"
        query = {"search[name]": start, "page[size]": "100"}
        url = (f"{self._address}/api/v2/organizations/{urllib.parse.quote(self.location.organization, safe='')}"
               f"/workspaces?{urllib.parse.urlencode(query)}")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.api+json"}
        counts: dict[str, int] = {}
        for number in range(1, 1000):  # 100 a page: far beyond any deployment
            try:
                document = self._get_json(f"{url}&page%5Bnumber%5D={number}", headers)
            except (urllib.error.URLError, OSError, ValueError) as err:
                raise InventoryError(f"cannot list the workspaces of {self.location.describe()}: {err}") from None
            for workspace in document.get("data") or []:
                attributes = workspace.get("attributes") or {}
                name = str(attributes.get("name", ""))
                stack = name[len(start):]
                if name.startswith(start) and _stack_shaped(stack):
                    counts[stack] = int(attributes.get("resource-count") or 0)
            if not ((document.get("meta") or {}).get("pagination") or {}).get("next-page"):
                break
        self._counts = counts
        return counts

    def stacks(self) -> list[str]:
        return sorted(self._workspaces())

    def read(self, stack: str) -> StoredState:
        counts = self._workspaces()
        if stack not in counts:
            raise InventoryError(f"no workspace {workspace_name(self.location.prefix, stack)} in {self.location.describe()}")
        return StoredState(stack, f"workspace {workspace_name(self.location.prefix, stack)}", counts[stack])

    def remove(self, stack: str) -> str:
        raise InventoryError(f"workspace {workspace_name(self.location.prefix, stack)}: delete it in HCP Terraform")


def state_inventory(location: StateLocation, *, root: Path) -> StateInventory:
    """The inventory of `location`; `root` is the directory local state paths start from
    (the one holding the synth output directory, where Terraform's `../../..` leads)."""
    if location.backend == "local":
        return LocalInventory(location, root=root)
    if location.backend == "cloud":
        return CloudInventory(location)
    return S3Inventory(location)


@contextmanager
def _aws_errors(what: str) -> Iterator[None]:
    """Turn a botocore error inside the block into an `InventoryError` starting with `what`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise InventoryError(f"{what}: {error}") from None
