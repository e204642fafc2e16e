"""Terraform itself accepts every synthesized stack (init from the provider mirror)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import synth_stacks
from tests.harness.terraform import terraform

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory, example_data: dict[str, Any]) -> Path:
    outdir = tmp_path_factory.mktemp("validate") / "cdktf.out"
    synth_stacks(example_data, outdir)
    return outdir


@pytest.mark.parametrize("stack", ["aurora", "peering-rosa-site-a", "peering-rosa-site-b"])
def test_terraform_validate(stack: str, example_out: Path, terraform_env: dict[str, str]) -> None:
    stack_dir = example_out / "stacks" / stack
    # -backend=false: validation needs no state bucket; the backend block is still parsed.
    terraform(["init", "-backend=false", "-input=false"], cwd=stack_dir, env=terraform_env)
    result = terraform(["validate", "-json"], cwd=stack_dir, env=terraform_env)
    assert '"valid": true' in result.stdout, result.stdout
