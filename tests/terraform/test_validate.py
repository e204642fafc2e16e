"""Terraform itself accepts every AWS stack (`aurora`, `aurora-secondary`, `peering-*`, `access-*`, `state`) of
every config under `config/` (init from the provider mirror or the registry, then
`terraform validate`).

The `keycloak-<name>` stacks are left out: they need the hashicorp/kubernetes provider,
which these machines do not have (see README "Testing")."""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.config import load_config
from modules.naming import access_stack_id, keycloak_stack_id
from tests.conftest import synth_stacks
from tests.golden import config_files, golden_name
from tests.harness.terraform import terraform

pytestmark = pytest.mark.terraform


def _aws_stacks() -> list[tuple[Path, str]]:
    cases = []
    for config in config_files():
        loaded = load_config(config)
        kubernetes = {keycloak_stack_id(rosa.name) for rosa in loaded.rosa_clusters}
        stacks = ["aurora", *(f"peering-{rosa.name}" for rosa in loaded.rosa_clusters)]
        if loaded.aurora.secondary is not None:
            stacks.append("aurora-secondary")
        if loaded.keycloak.uses_pod_roles:
            stacks += [access_stack_id(rosa.name) for rosa in loaded.rosa_clusters]
        if loaded.state.s3 is not None and loaded.state.s3.bootstrap:
            stacks.append("state")
        cases += [(config, stack) for stack in stacks if stack not in kubernetes]
    return cases


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """{config: its cdktf.out}, each config synthesized once."""
    import yaml

    out = {}
    for config in config_files():
        outdir = tmp_path_factory.mktemp("validate") / "cdktf.out"
        synth_stacks(yaml.safe_load(config.read_text()), outdir)
        out[config] = outdir
    return out


@pytest.mark.parametrize(("config", "stack"), _aws_stacks(), ids=lambda v: golden_name(v) if isinstance(v, Path) else v)
def test_terraform_validate(config: Path, stack: str, synthesized: dict[Path, Path], terraform_env: dict[str, str]) -> None:
    stack_dir = synthesized[config] / "stacks" / stack
    # -backend=false: validation needs no state bucket or workspace; the block is still parsed.
    terraform(["init", "-backend=false", "-input=false"], cwd=stack_dir, env=terraform_env)
    result = terraform(["validate", "-json"], cwd=stack_dir, env=terraform_env)
    assert '"valid": true' in result.stdout, result.stdout


def test_the_workflow_roles_configuration_validates(tmp_path: Path, terraform_env: dict[str, str]) -> None:
    """`iam-policies/roles.tf.json` (`make iam-policies`) is a valid Terraform configuration."""
    import json

    import yaml

    from modules.iam.generate import generate
    from tests.conftest import EXAMPLE_CONFIG

    roles = generate(yaml.safe_load(EXAMPLE_CONFIG.read_text())).roles
    (tmp_path / "roles.tf.json").write_text(json.dumps(roles))
    terraform(["init", "-input=false"], cwd=tmp_path, env=terraform_env)
    result = terraform(["validate", "-json"], cwd=tmp_path, env=terraform_env)
    assert '"valid": true' in result.stdout, result.stdout
