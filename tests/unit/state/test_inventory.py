"""The states a deployment's backend holds, per backend: S3 (moto in this process), local
files, and HCP Terraform workspaces (a fake API on 127.0.0.1 serving responses shaped as
HCP Terraform's API documents them, in tests/unit/state/fixtures/)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from modules.config import parse_config
from modules.state.inventory import (
    CloudInventory,
    InventoryError,
    LocalInventory,
    S3Inventory,
    StoredState,
    summarize_state,
    terraform_token,
)
from modules.state.location import StateLocation
from tests.harness.http_server import serving
from tests.unit.recover.conftest import REGION, aws, client  # noqa: F401 - `aws` is a fixture

FIXTURES = Path(__file__).with_name("fixtures")
_numbers = itertools.count()


def state_document(resources: int, outputs: dict[str, str] | None = None) -> str:
    """A Terraform state (format 4) holding `resources` instances of one managed resource
    (count) and a data source, which does not count."""
    return json.dumps({
        "version": 4, "terraform_version": "1.11.4", "serial": 7, "lineage": "l",
        "outputs": {name: {"value": value, "type": "string"} for name, value in (outputs or {}).items()},
        "resources": [
            {"mode": "managed", "type": "aws_route", "name": "r", "provider": 'provider["aws"]',
             "instances": [{"index_key": n, "attributes": {"id": f"r-{n}"}} for n in range(resources)]},
            {"mode": "data", "type": "aws_vpc", "name": "v", "provider": 'provider["aws"]',
             "instances": [{"attributes": {"id": "vpc-1"}}]},
        ],
    })


def test_a_state_holds_its_managed_resource_instances_and_says_if_it_is_retired() -> None:
    assert summarize_state(state_document(3)) == (3, None)
    assert summarize_state(state_document(0, {"retired": "rosa-old"})) == (0, "rosa-old")


def test_the_location_of_each_backend(config_data: dict[str, Any]) -> None:
    s3 = StateLocation.of(parse_config(config_data))
    assert (s3.key, s3.describe()) == ("s3://my-org-keycloak-aurora-tfstate/keycloak-aurora",
                                       "s3://my-org-keycloak-aurora-tfstate/keycloak-aurora/")
    config_data["state"] = {"backend": "local", "local": {"directory": "states/"}}
    local = StateLocation.of(parse_config(config_data))
    assert (local.key, local.describe()) == ("local:states", "local directory states/")
    config_data["state"] = {"backend": "cloud", "cloud": {"organization": "acme", "workspace_prefix": "kc-prod"}}
    cloud = StateLocation.of(parse_config(config_data))
    assert cloud.key == "cloud://app.terraform.io/acme/kc-prod"
    assert cloud.describe() == "HCP Terraform app.terraform.io, organization acme, workspaces kc-prod-*"


# --- S3 --------------------------------------------------------------------------------


def s3_location(bucket: str, **extra: Any) -> StateLocation:
    return StateLocation("s3", bucket=bucket, prefix="kc", region=REGION, **extra)


@pytest.fixture
def bucket(aws: None) -> str:  # noqa: F811 - the fixture
    name = f"inventory-{next(_numbers)}"
    client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def put(bucket: str, key: str, body: str) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body.encode())


def test_s3_lists_the_states_directly_under_the_prefix(bucket: str) -> None:
    # GIVEN the deployment's states, a lock file, another prefix that starts alike, a deeper key
    for key in ("kc/aurora.tfstate", "kc/peering-a.tfstate", "kc/peering-a.tfstate.tflock", "kc-2/aurora.tfstate",
                "kc/sub/aurora.tfstate", "other/peering-b.tfstate", "kc/notes.txt"):
        put(bucket, key, state_document(1))
    inventory = S3Inventory(s3_location(bucket))
    # THEN only the states of this prefix are its stacks
    assert inventory.stacks() == ["aurora", "peering-a"]
    assert inventory.read("peering-a") == StoredState("peering-a", f"s3://{bucket}/kc/peering-a.tfstate", 1)


def test_s3_lists_every_page() -> None:
    # ListObjectsV2 answers at most 1000 keys a page: the listing goes through boto3's paginator
    class Paginator:
        def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
            assert kwargs == {"Bucket": "b", "Prefix": "kc/"}
            return [{"Contents": [{"Key": f"kc/peering-{n}.tfstate"} for n in range(1000)]},
                    {"Contents": [{"Key": "kc/aurora.tfstate"}]}]

    class S3:
        def get_paginator(self, operation: str) -> Paginator:
            assert operation == "list_objects_v2"
            return Paginator()

    assert len(S3Inventory(s3_location("b"), s3=S3()).stacks()) == 1001


def test_s3_removes_an_empty_state_and_its_dynamodb_digest(bucket: str) -> None:
    dynamodb = client("dynamodb")
    table = f"locks-{bucket}"
    dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    digest = {"LockID": {"S": f"{bucket}/kc/peering-a.tfstate-md5"}}
    dynamodb.put_item(TableName=table, Item={**digest, "Digest": {"S": "0cc175b9c0f1b6a831c399e269772661"}})
    put(bucket, "kc/peering-a.tfstate", state_document(0, {"retired": "a"}))
    inventory = S3Inventory(s3_location(bucket, dynamodb_table=table))

    assert inventory.remove("peering-a") == f"s3://{bucket}/kc/peering-a.tfstate"

    assert inventory.stacks() == []
    # the digest goes too: Terraform would compare a later state of that name with it and fail
    assert "Item" not in dynamodb.get_item(TableName=table, Key=digest)


@pytest.mark.parametrize(
    ("keys", "resources", "message"),
    [
        (["kc/peering-a.tfstate"], 2, "holds 2 resources: not removed"),
        (["kc/peering-a.tfstate", "kc/peering-a.tfstate.tflock"], 0, "is locked (kc/peering-a.tfstate.tflock): not removed"),
    ],
    ids=["holds resources", "locked"],
)
def test_s3_never_removes_a_state_that_holds_resources_or_is_locked(
    bucket: str, keys: list[str], resources: int, message: str
) -> None:
    for key in keys:
        put(bucket, key, state_document(resources))
    with pytest.raises(InventoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        S3Inventory(s3_location(bucket)).remove("peering-a")
    assert S3Inventory(s3_location(bucket)).stacks() == ["peering-a"]


def test_s3_before_the_bucket_exists_holds_nothing(aws: None) -> None:  # noqa: F811
    # `make deploy STACKS=state` creates the bucket (state.s3.bootstrap): nothing to list before
    assert S3Inventory(s3_location("not-created-yet")).stacks() == []


def test_s3_errors_name_the_location_and_the_permission() -> None:
    from botocore.exceptions import ClientError

    class Denied:
        def paginate(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "ListObjectsV2")

    class S3:
        def get_paginator(self, _operation: str) -> Denied:
            return Denied()

    with pytest.raises(InventoryError) as raised:
        S3Inventory(s3_location("b"), s3=S3()).stacks()
    assert str(raised.value) == (
        "cannot list the states in s3://b/kc/ (s3:ListBucket): An error occurred (AccessDenied) when calling the "
        "ListObjectsV2 operation: Access Denied"
    )


# --- local -------------------------------------------------------------------------------


def test_local_lists_reads_and_removes_state_files(tmp_path: Path) -> None:
    states = tmp_path / "state"
    states.mkdir()
    (states / "aurora.tfstate").write_text(state_document(12))
    (states / "peering-a.tfstate").write_text(state_document(0))
    (states / "peering-a.tfstate.backup").write_text(state_document(5))
    (states / ".tfstate").write_text("{}")
    inventory = LocalInventory(StateLocation("local", directory="state"), root=tmp_path)

    assert inventory.stacks() == ["aurora", "peering-a"]
    assert inventory.read("aurora") == StoredState("aurora", str(states / "aurora.tfstate"), 12)
    with pytest.raises(InventoryError, match="holds 12 resources: not removed"):
        inventory.remove("aurora")
    assert inventory.remove("peering-a") == str(states / "peering-a.tfstate")
    assert inventory.stacks() == ["aurora"]
    assert (states / "peering-a.tfstate.backup").exists()  # Terraform's backup of the state before: kept


def test_local_without_a_state_directory_holds_nothing(tmp_path: Path) -> None:
    assert LocalInventory(StateLocation("local", directory="state"), root=tmp_path).stacks() == []


def test_an_unreadable_local_state_is_named(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "aurora.tfstate").write_text("{not json")
    with pytest.raises(InventoryError, match=r"cannot read the state .*aurora\.tfstate"):
        LocalInventory(StateLocation("local", directory="state"), root=tmp_path).read("aurora")


# --- HCP Terraform -------------------------------------------------------------------------

CLOUD = StateLocation("cloud", hostname="app.terraform.io", organization="acme", prefix="kc-prod")


@pytest.fixture
def hcp_api() -> Iterator[tuple[str, list[tuple[str, dict[str, list[str]], str | None]]]]:
    """(address, requests seen as (path, query, Authorization header)) of a fake HCP
    Terraform API answering the organization's workspace list with the recorded pages."""
    seen: list[tuple[str, dict[str, list[str]], str | None]] = []
    pages = {n: (FIXTURES / f"hcp-workspaces-page-{n}.json").read_bytes() for n in (1, 2)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            seen.append((url.path, query, self.headers.get("Authorization")))
            page = int(query.get("page[number]", ["1"])[0])
            if url.path != "/api/v2/organizations/acme/workspaces" or page not in pages:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.api+json")
            self.send_header("Content-Length", str(len(pages[page])))
            self.end_headers()
            self.wfile.write(pages[page])

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield url, seen


def test_hcp_lists_the_deployments_workspaces_on_every_page(hcp_api: tuple[str, list[Any]]) -> None:
    address, seen = hcp_api
    inventory = CloudInventory(CLOUD, token="t0ken", address=address)

    # THEN every page was read, searching for the prefix, with the token
    assert inventory.stacks() == ["access-rosa-old", "aurora", "keycloak-rosa-a", "peering-rosa-a", "peering-rosa-old"]
    assert [(path, query["search[name]"], query["page[number]"], auth) for path, query, auth in seen] == [
        ("/api/v2/organizations/acme/workspaces", ["kc-prod-"], ["1"], "Bearer t0ken"),
        ("/api/v2/organizations/acme/workspaces", ["kc-prod-"], ["2"], "Bearer t0ken"),
    ]
    # AND each workspace's resource count is what it holds; a neighbour's kc-prod-eu-aurora
    # (prefix kc-prod-eu) and kc-production-dns are not this deployment's
    assert inventory.read("peering-rosa-old") == StoredState("peering-rosa-old", "workspace kc-prod-peering-rosa-old", 9)
    assert inventory.read("access-rosa-old").resources == 0
    assert len(seen) == 2  # listed once
    with pytest.raises(InventoryError, match="workspace kc-prod-peering-rosa-old: delete it in HCP Terraform"):
        inventory.remove("peering-rosa-old")


def test_hcp_without_a_token_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_TOKEN_app_terraform_io", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(InventoryError) as raised:
        CloudInventory(CLOUD, address="http://127.0.0.1:9").stacks()
    assert str(raised.value) == (
        "cannot list the workspaces of HCP Terraform app.terraform.io, organization acme, workspaces kc-prod-*: no API "
        "token for app.terraform.io (run `terraform login app.terraform.io`, or set TF_TOKEN_app_terraform_io)"
    )


def test_hcp_api_errors_are_named(hcp_api: tuple[str, list[Any]]) -> None:
    address, _ = hcp_api
    other = StateLocation("cloud", hostname="app.terraform.io", organization="other-org", prefix="kc-prod")
    with pytest.raises(InventoryError, match=r"cannot list the workspaces of .*organization other-org.*HTTP Error 404"):
        CloudInventory(other, token="t", address=address).stacks()


def test_the_token_is_terraforms_own(tmp_path: Path) -> None:
    # the environment first (dots as _, hyphens as __), then `terraform login`'s file
    assert terraform_token("tfe.example-corp.com", {"TF_TOKEN_tfe_example__corp_com": "from-env"}, tmp_path) == "from-env"
    credentials = tmp_path / ".terraform.d" / "credentials.tfrc.json"
    credentials.parent.mkdir()
    credentials.write_text(json.dumps({"credentials": {"app.terraform.io": {"token": "from-login"}}}))
    assert terraform_token("app.terraform.io", {}, tmp_path) == "from-login"
    assert terraform_token("tfe.example-corp.com", {}, tmp_path) is None
