"""Wires the stacks of a deployment: `aurora` (and `aurora-secondary` with
`aurora.secondary`); per ROSA cluster `peering-<name>`,
`access-<name>` (its pod roles; not with `keycloak.credentials: copy`) and
`keycloak-<name>`, empty for a retired cluster (`modules.retire`); and `state` (the state
bucket) when `state.s3.bootstrap` asks for it."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import App, TerraformStack

from modules import construct_tree
from modules.access.stack import AccessStack
from modules.aurora.stack import AuroraStack
from modules.config import DeploymentConfig
from modules.keycloak.stack import KeycloakStack
from modules.peering.stack import PeeringStack
from modules.recover.import_blocks import add_import_blocks
from modules.recover.imports_file import RecoveryFile, RecoveryFileError
from modules.retire.stack import retire_cluster
from modules.state.stack import StateStack


def build_app(
    config: DeploymentConfig,
    *,
    outdir: str | None = None,
    imports: Mapping[str, RecoveryFile] | None = None,
) -> App:
    """An App holding every stack of `config`; call `.synth()` to write Terraform JSON.

    `outdir` defaults to what the cdktf CLI passes (CDKTF_OUTDIR), else `cdktf.out`.
    `imports`: {stack: its recovery file} (`make recover`), default none; a stack the
    config does not have, or an import target it does not have, is an error
    (`RecoveryFileError`).
    """
    construct_tree.record()  # ids, paths and own tags known in Python: fewer jsii round trips
    app = App(outdir=outdir) if outdir else App()
    if config.state.s3 is not None and config.state.s3.bootstrap:
        StateStack(app, config=config)
    aurora = AuroraStack(app, config=config)
    if config.aurora.secondary is not None:
        AuroraStack(app, config=config, primary=aurora)
    for rosa in config.rosa_clusters:
        if rosa.retired:
            retire_cluster(app, config=config, rosa=rosa, aurora=aurora)
            continue
        peering = PeeringStack(app, config=config, rosa=rosa, aurora=aurora)
        access = AccessStack(app, config=config, rosa=rosa, aurora=aurora) if config.keycloak.uses_pod_roles else None
        KeycloakStack(app, config=config, rosa=rosa, aurora=aurora, peering=peering, access=access)
    stacks = {construct_tree.construct_id(child) or child.node.id: child
              for child in app.node.children if isinstance(child, TerraformStack)}
    for stack_id, recovery in (imports or {}).items():
        if stack_id not in stacks:
            raise RecoveryFileError(f"{recovery.path}: this config has no stack {stack_id}: delete the file")
        add_import_blocks(stacks[stack_id], recovery)
    return app
