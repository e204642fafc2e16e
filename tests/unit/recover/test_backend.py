"""Reading a stack's state and lock from its backend, and removing a lock the way
`terraform force-unlock <ID>` does (S3 against moto in this process)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from modules.recover.aws import Aws
from modules.recover.backend import LockMismatch, State, Unsupported, state_backend
from modules.recover.stack import Backend
from tests.unit.recover.conftest import REGION, client

KEY = "keycloak-aurora/aurora.tfstate"
BUCKET = "state"  # each test adds a number of its own: one emulated account per module
TABLE = "tflock"
_numbers = itertools.count()
#: Terraform 1.11's lock info, as written to `<key>.tflock` or the DynamoDB item.
LOCK = {
    "ID": "f428add5-94d9-b5ea-ca15-7c63447a6cf7", "Operation": "OperationTypeApply", "Info": "", "Who": "ci@runner-7",
    "Version": "1.11.4", "Created": "2026-11-29T02:40:59.749058493Z", "Path": f"state-bucket/{KEY}",
}


@pytest.fixture
def names() -> tuple[str, str]:
    """(bucket, lock table) of this test."""
    n = next(_numbers)
    return f"{BUCKET}-{n}", f"{TABLE}-{n}"


def s3_backend(tmp_path: Path, bucket: str, **settings: Any) -> Any:
    client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return state_backend(Backend("s3", {"bucket": bucket, "key": KEY, "region": REGION, **settings}, tmp_path), Aws())


def dynamodb_table(table: str) -> Any:
    dynamodb = client("dynamodb")
    dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    return dynamodb


@pytest.mark.usefixtures("aws")
def test_the_lock_file_names_who_when_which_operation_and_its_id(tmp_path: Path, names: tuple[str, str]) -> None:
    bucket, _ = names
    backend = s3_backend(tmp_path, bucket, use_lockfile=True)
    client("s3").put_object(Bucket=bucket, Key=f"{KEY}.tflock", Body=json.dumps(LOCK).encode())
    lock = backend.read_lock()
    assert lock is not None
    assert lock.describe(now=datetime(2026, 11, 29, 2, 46, 0, tzinfo=timezone.utc)) == (
        "held since 2026-11-29T02:40:59.749058493Z (5 min ago) by ci@runner-7, operation OperationTypeApply, "
        f"Terraform 1.11.4, lock ID {LOCK['ID']} (s3://{bucket}/{KEY}.tflock)"
    )


@pytest.mark.usefixtures("aws")
def test_the_dynamodb_lock_item_is_read_and_removed_and_the_digest_item_kept(
    tmp_path: Path, names: tuple[str, str]
) -> None:
    bucket, table = names
    dynamodb = dynamodb_table(table)
    backend = s3_backend(tmp_path, bucket, dynamodb_table=table)
    dynamodb.put_item(TableName=table, Item={"LockID": {"S": f"{bucket}/{KEY}"}, "Info": {"S": json.dumps(LOCK)}})
    dynamodb.put_item(TableName=table, Item={"LockID": {"S": f"{bucket}/{KEY}-md5"}, "Digest": {"S": "00" * 16}})
    lock = backend.read_lock()
    assert lock is not None and lock.id == LOCK["ID"] and lock.where == f"DynamoDB table {table}, LockID {bucket}/{KEY}"
    backend.remove_lock(LOCK["ID"])
    assert backend.read_lock() is None
    remaining = {item["LockID"]["S"] for item in dynamodb.scan(TableName=table)["Items"]}
    assert remaining == {f"{bucket}/{KEY}-md5"}


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("locking", ["lockfile", "dynamodb"])
def test_no_lock_held(tmp_path: Path, names: tuple[str, str], locking: str) -> None:
    bucket, table = names
    if locking == "dynamodb":
        dynamodb_table(table)
    settings = {"dynamodb_table": table} if locking == "dynamodb" else {"use_lockfile": True}
    assert s3_backend(tmp_path, bucket, **settings).read_lock() is None


@pytest.mark.usefixtures("aws")
def test_a_lock_is_removed_only_when_it_is_still_the_one_named(tmp_path: Path, names: tuple[str, str]) -> None:
    bucket, _ = names
    backend = s3_backend(tmp_path, bucket, use_lockfile=True)
    client("s3").put_object(Bucket=bucket, Key=f"{KEY}.tflock", Body=json.dumps(LOCK).encode())
    with pytest.raises(LockMismatch, match="does not match the lock held now"):
        backend.remove_lock("00000000-0000-0000-0000-000000000000")
    assert backend.read_lock() is not None
    backend.remove_lock(LOCK["ID"])
    assert backend.read_lock() is None
    assert client("s3").list_objects_v2(Bucket=bucket).get("KeyCount") == 0


STATE = {
    "version": 4,
    "resources": [
        {"mode": "managed", "type": "aws_vpc", "name": "vpc", "instances": [{"attributes": {"id": "vpc-1"}}]},
        {"mode": "managed", "type": "aws_route", "name": "to_aurora",
         "instances": [{"index_key": "rtb-1", "attributes": {"route_table_id": "rtb-1"}}]},
        {"mode": "data", "type": "aws_vpc", "name": "rosa", "instances": [{"attributes": {"id": "vpc-9"}}]},
    ],
    "outputs": {"vpc_id": {"value": "vpc-1", "type": "string"}},
}


@pytest.mark.usefixtures("aws")
def test_the_state_is_read_from_the_bucket(tmp_path: Path, names: tuple[str, str]) -> None:
    bucket, _ = names
    backend = s3_backend(tmp_path, bucket, use_lockfile=True)
    assert backend.read_state() == State()  # nothing saved yet
    client("s3").put_object(Bucket=bucket, Key=KEY, Body=json.dumps(STATE).encode())
    state = backend.read_state()
    assert state.exists
    assert sorted(state.resources) == ["aws_route.to_aurora[\"rtb-1\"]", "aws_vpc.vpc"]  # data sources left out
    assert state.outputs == {"vpc_id": "vpc-1"}


def test_local_state_is_read_relative_to_where_cdktf_runs_the_stack_and_has_no_lock_to_remove(tmp_path: Path) -> None:
    run_directory = tmp_path / "cdktf.out" / "stacks" / "aurora"
    run_directory.mkdir(parents=True)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "aurora.tfstate").write_text(json.dumps(STATE))
    backend = state_backend(Backend("local", {"path": "../../../state/aurora.tfstate"}, run_directory), Aws())
    assert backend.describe() == str(tmp_path / "state" / "aurora.tfstate")
    assert "aws_vpc.vpc" in backend.read_state().resources
    assert backend.read_lock() is None  # the OS lock ends with the Terraform process


def test_hcp_terraform_is_not_supported_and_says_so(tmp_path: Path) -> None:
    cloud = Backend("cloud", {"organization": "my-org", "workspaces": {"name": "kc-prod-aurora"}}, tmp_path)
    with pytest.raises(Unsupported) as raised:
        state_backend(cloud, Aws())
    assert str(raised.value) == (
        "state in HCP Terraform (workspace kc-prod-aurora): not supported yet. Unlock it in the workspace's "
        "settings (Settings > Locking) and import with import blocks by hand"
    )
