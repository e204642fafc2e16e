"""The optional `state` stack: the state bucket, hardened, and the lock table if chosen."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Synth, only, resources


@pytest.fixture
def state(synth: Synth, config_data: dict[str, Any]) -> dict[str, Any]:
    config_data["state"]["s3"]["bootstrap"] = True
    return synth(config_data)["state"]


def test_no_state_stack_unless_asked(example_stacks: dict[str, Any]) -> None:
    assert "state" not in example_stacks


def test_its_own_state_is_local(state: dict[str, Any]) -> None:
    assert state["terraform"]["backend"] == {"local": {"path": "../../../state/state.tfstate"}}


def test_bucket_is_versioned_encrypted_private_and_kept(state: dict[str, Any]) -> None:
    bucket = only(state, "aws_s3_bucket")
    assert bucket["bucket"] == "my-org-keycloak-aurora-tfstate"
    assert bucket["lifecycle"] == {"prevent_destroy": True}
    assert only(state, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    (rule,) = only(state, "aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    assert rule["apply_server_side_encryption_by_default"]["kms_master_key_id"].startswith("${aws_kms_key.")
    assert only(state, "aws_kms_key")["enable_key_rotation"] is True
    block = only(state, "aws_s3_bucket_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))


def test_old_state_versions_expire(state: dict[str, Any]) -> None:
    (rule,) = only(state, "aws_s3_bucket_lifecycle_configuration")["rule"]
    assert rule["status"] == "Enabled"
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_bucket_policy_denies_plain_http(state: dict[str, Any]) -> None:
    (statement,) = json.loads(only(state, "aws_s3_bucket_policy")["policy"])["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_lock_table_only_with_dynamodb_locking(synth: Synth, config_data: dict[str, Any], state: dict[str, Any]) -> None:
    assert resources(state, "aws_dynamodb_table") == {}
    config_data["state"]["s3"].update(bootstrap=True, locking="dynamodb", dynamodb_table="tf-locks")
    table = only(synth(config_data)["state"], "aws_dynamodb_table")
    assert table["name"] == "tf-locks"
    assert table["hash_key"] == "LockID"
    assert table["server_side_encryption"]["enabled"] is True
    assert table["point_in_time_recovery"] == {"enabled": True}
