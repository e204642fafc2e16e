"""Every policy of a deployment, from the stacks its config synthesizes in each
`keycloak.credentials` mode (a mode the config rules refuse for this config is left out,
and named).

The plan and deploy roles must serve the config as it is and as it may become: moving
from `copy` to `iam` is a config change that a pull request plans with the plan role
and a merge deploys with the deploy role, so both are derived from every mode.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.config import ConfigError, DeploymentConfig, parse_config
from modules.iam import commands
from modules.iam.github import deploy_role_name, plan_role_name, roles_terraform
from modules.iam.policies import Derived, Grants, deploy_documents
from modules.iam.scopes import Scopes

#: Every `keycloak.credentials` mode; the config's own first.
CREDENTIALS_MODES = ("iam", "external-secrets", "copy")


@dataclass
class Policies:
    """The documents of one deployment, by file stem, and what was left out and why."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped_modes: dict[str, str] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    #: {file stem: trust policy} of each ROSA-account role: the workflows' roles may assume it.
    trusts: dict[str, dict[str, Any]] = field(default_factory=dict)


def synthesize(config: DeploymentConfig, outdir: Path) -> dict[str, dict[str, Any]]:
    """{stack id: synthesized JSON} of `config` (imports cdktf: starts Node.js)."""
    from modules.app import build_app

    build_app(config, outdir=str(outdir)).synth()
    stacks = outdir / "stacks"
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in sorted(stacks.iterdir())}


def mode_configs(data: Mapping[str, Any]) -> tuple[dict[str, DeploymentConfig], dict[str, str]]:
    """({mode: the config with that credentials mode}, {mode: why the rules refuse it})."""
    configs, refused = {}, {}
    for mode in CREDENTIALS_MODES:
        variant = copy.deepcopy(dict(data))
        variant.setdefault("keycloak", {})
        variant["keycloak"] = {**(variant["keycloak"] or {}), "credentials": mode}
        try:
            configs[mode] = parse_config(variant)
        except ConfigError as err:
            refused[mode] = "; ".join(err.problems)
    return configs, refused


def derive(config: DeploymentConfig, stacks_by_mode: Mapping[str, Mapping[str, Mapping[str, Any]]],
           *, account: str = "*") -> Derived:
    """The grants of every principal over the stacks of every mode."""
    derived = Derived(config, account)
    for stacks in stacks_by_mode.values():
        derived.add_stacks(stacks)
    return derived


def documents(config: DeploymentConfig, derived: Derived, *, account: str = "*") -> dict[str, dict[str, Any]]:
    """{file stem: policy document} of every role and command. The deploy role runs
    `make preflight` first (deploy.yml): its documents hold the preflight's reads too."""
    scopes = Scopes(config, region=config.aurora.region, account=account)
    role_arns = sorted({r.role_arn for r in config.rosa_clusters if r.role_arn})
    state_objects, lock_table = commands.state_arns(scopes)
    bucket = config.state.s3_settings.bucket if config.state.backend == "s3" else None
    preflight = commands.preflight(scopes, state_bucket=bucket, role_arns=role_arns)
    deploy = Grants()
    deploy.merge(derived.deploy)
    deploy.merge(preflight)
    found = {**deploy_documents(deploy), "plan": derived.plan.document()}
    for role_arn, grants in sorted(derived.rosa_roles.items()):
        clusters = [r.name for r in config.rosa_clusters if r.role_arn == role_arn]
        found[f"rosa-account-{clusters[0]}"] = grants.document()
    found["preflight"] = preflight.document()
    found["find-vpc"] = commands.find_vpc(role_arns).document()
    found["recover"] = commands.recover(scopes, name=config.aurora.name, state_objects=state_objects,
                                        lock_table=lock_table, role_arns=role_arns).document()
    if config.aurora.secondary is not None:
        secondary = Scopes(config, region=config.aurora.secondary.region, account=account,
                           cluster=config.aurora.secondary_cluster())
        found["switchover"] = commands.switchover(scopes, secondary).document()
    return found


def generate(data: Mapping[str, Any], *, account: str = "*") -> Policies:
    """Every policy of the config `data` (parsed YAML), for `account` (default `*`)."""
    config = parse_config(dict(data))
    configs, refused = mode_configs(data)
    with tempfile.TemporaryDirectory(prefix="keycloak-aurora-iam-") as work:
        stacks = {mode: synthesize(variant, Path(work) / mode) for mode, variant in configs.items()}
    derived = derive(config, stacks, account=account)
    found = documents(config, derived, account=account)
    deploy = {name: doc for name, doc in found.items() if name.startswith("deploy-")}
    roles = roles_terraform(config.aurora.name, plan=found["plan"], deploy=deploy)
    return Policies(found, refused, roles, rosa_account_trusts(config, found, account=account))


def rosa_account_trusts(config: DeploymentConfig, found: Mapping[str, Any], *, account: str) -> dict[str, Any]:
    """The trust policy of each ROSA-account role: the deploy role applies through it, the
    plan role plans through it (both run Terraform with the peering stack's provider)."""
    name = config.aurora.name
    principals = [f"arn:aws:iam::{account}:role/{role}" for role in (deploy_role_name(name), plan_role_name(name))]
    trusts = {}
    for stem in found:
        if stem.startswith("rosa-account-"):
            trusts[f"{stem}.trust"] = {"Version": "2012-10-17", "Statement": [{
                "Sid": "WorkflowRoles", "Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}]}
    return trusts


