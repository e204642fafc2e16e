"""The state's unused copy is taken out of the state by Terraform itself, from a directory
holding only the stack's backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.recover.stack import Backend
from modules.recover.terraform import TerraformFailed, remove_from_state

pytestmark = pytest.mark.terraform


@pytest.fixture(autouse=True)
def cli_config(terraform_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`terraform init` installs the aws provider the state names: from the mirror here."""
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", terraform_env["TF_CLI_CONFIG_FILE"])

STATE = {
    "version": 4, "terraform_version": "1.11.4", "serial": 7, "lineage": "3f1c-recover-test", "outputs": {},
    "resources": [
        {"mode": "managed", "type": "aws_vpc", "name": "network_vpc", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"schema_version": 1, "attributes": {"id": "vpc-2"}}]},
        {"mode": "managed", "type": "aws_kms_key", "name": "key", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"schema_version": 0, "attributes": {"id": "k-1"}}]},
    ],
}


def test_state_rm_on_the_stacks_own_state(tmp_path: Path) -> None:
    # A local state as the stacks declare it: relative to where cdktf runs them.
    run_directory = tmp_path / "cdktf.out" / "stacks" / "aurora"
    run_directory.mkdir(parents=True)
    state = tmp_path / "state" / "aurora.tfstate"
    state.parent.mkdir()
    state.write_text(json.dumps(STATE))
    backend = Backend("local", {"path": "../../../state/aurora.tfstate"}, run_directory)

    output = remove_from_state(backend, ["aws_vpc.network_vpc"])

    assert "Removed aws_vpc.network_vpc" in output
    after = json.loads(state.read_text())
    assert [r["type"] for r in after["resources"]] == ["aws_kms_key"]
    assert after["serial"] > STATE["serial"] and after["lineage"] == STATE["lineage"]
    # An address the state does not hold fails loudly, and changes nothing.
    with pytest.raises(TerraformFailed, match="state rm"):
        remove_from_state(backend, ["aws_vpc.nowhere"])
    assert json.loads(state.read_text())["serial"] == after["serial"]
