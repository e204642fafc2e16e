"""State backends chosen in config: the same stacks with s3, cloud or local state."""

from __future__ import annotations

from typing import Any

import pytest

from modules.config import ConfigError, parse_config
from tests.conftest import Synth


@pytest.fixture
def cloud_stacks(synth: Synth, config_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    config_data["state"] = {
        "backend": "cloud",
        "cloud": {"organization": "acme", "project": "identity", "workspace_prefix": "kc-prod"},
    }
    return synth(config_data)


def test_cloud_backend_one_workspace_per_stack(cloud_stacks: dict[str, dict[str, Any]]) -> None:
    for stack_id, stack in cloud_stacks.items():
        assert stack["terraform"]["cloud"] == {
            "hostname": "app.terraform.io",
            "organization": "acme",
            "workspaces": {"name": f"kc-prod-{stack_id}", "project": "identity"},
        }
        assert "backend" not in stack["terraform"]


def test_cloud_stacks_read_aurora_outputs_from_its_workspace(cloud_stacks: dict[str, dict[str, Any]]) -> None:
    remote = cloud_stacks["peering-rosa-site-a"]["data"]["terraform_remote_state"]["aurora-outputs"]
    assert remote["backend"] == "remote"
    assert remote["config"] == {
        "hostname": "app.terraform.io",
        "organization": "acme",
        "workspaces": {"name": "kc-prod-aurora"},
    }


def test_cloud_backend_needs_an_organization(config_data: dict[str, Any]) -> None:
    config_data["state"] = {"backend": "cloud"}
    with pytest.raises(ConfigError) as raised:
        parse_config(config_data)
    assert raised.value.problems == [
        "state = {'backend': 'cloud'}: backend 'cloud' needs a cloud section with at least an organization"
    ]
