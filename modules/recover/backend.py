"""A stack's state and its lock, read straight from the backend Terraform uses.

S3 (`state.backend: s3`): the state is the object `<key>`; Terraform >= 1.10 locks it with
the object `<key>.tflock` (`use_lockfile`, written with `If-None-Match: *`), or with the
item `LockID = <bucket>/<key>` of the DynamoDB table (`locking: dynamodb`). Both hold the
lock's JSON: `ID`, `Operation`, `Info`, `Who`, `Version`, `Created`, `Path`
(terraform v1.11 `internal/backend/remote-state/s3/client.go`). Removing a lock does what
`terraform force-unlock <ID>` does: read it again, refuse if its ID is not the one named,
delete it.

Local (`state.backend: local`): the state file; its lock is an operating-system lock that
ends with the Terraform process, so a killed apply leaves none.

HCP Terraform (`state.backend: cloud`) is not supported: its state and locks live behind
its API (`Unsupported`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError

from modules.recover.aws import Aws
from modules.recover.stack import Backend

#: Terraform's suffix of the S3 lock object (backend_state.go: lockFileSuffix).
LOCK_FILE_SUFFIX = ".tflock"


class Unsupported(Exception):
    """The stack's backend cannot be read here; the message says what to do instead."""


class LockMismatch(Exception):
    """The lock held is not the one the caller named (someone else took it meanwhile)."""


@dataclass(frozen=True)
class Lock:
    """A held state lock: Terraform's LockInfo, and where it is stored."""

    id: str
    operation: str
    who: str
    created: str
    version: str
    path: str
    where: str

    @classmethod
    def from_json(cls, text: str, where: str) -> Lock:
        info = json.loads(text)
        return cls(
            id=info.get("ID", ""), operation=info.get("Operation", ""), who=info.get("Who", ""),
            created=info.get("Created", ""), version=info.get("Version", ""), path=info.get("Path", ""), where=where,
        )

    def describe(self, now: datetime | None = None) -> str:
        """`held since <time> (<age> ago) by <who>, operation <op>, Terraform <v>, lock ID <id> (<where>)`."""
        return (
            f"held since {self.created}{_age(self.created, now)} by {self.who or 'unknown'}, "
            f"operation {self.operation or 'unknown'}, Terraform {self.version or 'unknown'}, "
            f"lock ID {self.id} ({self.where})"
        )


def _age(created: str, now: datetime | None) -> str:
    """` (<n> min ago)` from Terraform's RFC 3339 timestamp (nanoseconds cut to micro)."""
    try:
        stamp = created.rstrip("Z")
        head, _, fraction = stamp.partition(".")
        when = datetime.fromisoformat(f"{head}.{fraction[:6]}" if fraction else head).replace(tzinfo=timezone.utc)
    except ValueError:
        return ""
    minutes = int(((now or datetime.now(timezone.utc)) - when).total_seconds() // 60)
    return f" ({minutes} min ago)"


@dataclass(frozen=True)
class StateResource:
    """One resource instance in a state: its address (instance key included) and attributes."""

    address: str
    type: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class State:
    """What a state holds: managed resource instances by address, and output values.
    `exists` is False when the backend holds no state yet (nothing was ever saved)."""

    resources: dict[str, StateResource] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    exists: bool = False

    @classmethod
    def parse(cls, text: str) -> State:
        """Read Terraform's state format (version 4)."""
        document = json.loads(text)
        resources = {}
        for resource in document.get("resources", []):
            if resource.get("mode") != "managed" or resource.get("module"):
                continue
            base = f"{resource['type']}.{resource['name']}"
            for instance in resource.get("instances", []):
                address = base + _index(instance.get("index_key"))
                resources[address] = StateResource(address, resource["type"], instance.get("attributes") or {})
        outputs = {name: body.get("value") for name, body in document.get("outputs", {}).items()}
        return cls(resources, outputs, exists=True)


def _index(key: Any) -> str:
    """`["key"]` for a for_each instance, `[0]` for a count instance, `` for neither."""
    if key is None:
        return ""
    return f"[{json.dumps(key)}]"


class StateBackend(Protocol):
    """Reads a stack's state and lock, and removes a lock."""

    def describe(self) -> str: ...

    def read_state(self) -> State: ...

    def read_lock(self) -> Lock | None: ...

    def remove_lock(self, lock_id: str) -> None: ...


class S3StateBackend:
    """State in S3, locked by the `.tflock` object or by a DynamoDB item."""

    def __init__(self, settings: dict[str, Any], aws: Aws) -> None:
        self.bucket = settings["bucket"]
        self.key = settings["key"]
        self.table = settings.get("dynamodb_table")
        self.lock_file = bool(settings.get("use_lockfile"))
        self._s3 = aws.backend_client("s3", settings)
        self._dynamodb = aws.backend_client("dynamodb", settings) if self.table else None

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def read_state(self) -> State:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return State()
            raise
        return State.parse(body.decode())

    def read_lock(self) -> Lock | None:
        """The lock held, if any (the lock file first, then the DynamoDB item)."""
        if self.lock_file:
            try:
                body = self._s3.get_object(Bucket=self.bucket, Key=self.key + LOCK_FILE_SUFFIX)["Body"].read()
            except ClientError as error:
                if error.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                    raise
            else:
                return Lock.from_json(body.decode(), f"s3://{self.bucket}/{self.key}{LOCK_FILE_SUFFIX}")
        if self._dynamodb is not None:
            item = self._dynamodb.get_item(
                TableName=self.table, Key={"LockID": {"S": self._lock_id()}}, ConsistentRead=True
            ).get("Item")
            if item and "Info" in item:
                return Lock.from_json(item["Info"]["S"], f"DynamoDB table {self.table}, LockID {self._lock_id()}")
        return None

    def remove_lock(self, lock_id: str) -> None:
        """Delete the lock if it is still the one with `lock_id` (else `LockMismatch`)."""
        held = self.read_lock()
        if held is None:
            return
        if held.id != lock_id:
            raise LockMismatch(f"lock ID {lock_id!r} does not match the lock held now ({held.describe()})")
        if held.where.startswith("s3://"):
            self._s3.delete_object(Bucket=self.bucket, Key=self.key + LOCK_FILE_SUFFIX)
        else:
            assert self._dynamodb is not None
            self._dynamodb.delete_item(TableName=self.table, Key={"LockID": {"S": self._lock_id()}})

    def _lock_id(self) -> str:
        # Terraform's lockPath(): `<bucket>/<key>`; `<bucket>/<key>-md5` is the state's
        # digest, not a lock, and is left alone.
        return f"{self.bucket}/{self.key}"


class LocalStateBackend:
    """A state file; its lock is the operating system's and ends with the process."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def read_state(self) -> State:
        return State.parse(self.path.read_text()) if self.path.is_file() else State()

    def read_lock(self) -> Lock | None:
        return None

    def remove_lock(self, lock_id: str) -> None:
        return None


def state_backend(backend: Backend, aws: Aws) -> StateBackend:
    """The reader for a synthesized backend; `Unsupported` for HCP Terraform and others."""
    if backend.kind == "s3":
        return S3StateBackend(dict(backend.settings), aws)
    if backend.kind == "local":
        path = Path(backend.settings.get("path", "terraform.tfstate"))
        return LocalStateBackend(path if path.is_absolute() else (backend.directory / path).resolve())
    if backend.kind == "cloud":
        workspace = backend.settings.get("workspaces", {}).get("name", "?")
        raise Unsupported(
            f"state in HCP Terraform (workspace {workspace}): not supported yet. Unlock it in the "
            "workspace's settings (Settings > Locking) and import with import blocks by hand"
        )
    raise Unsupported(f"backend {backend.kind!r} is not supported")
