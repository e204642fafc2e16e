"""Wires the stacks of a deployment: `aurora`; per ROSA cluster `peering-<name>`,
`access-<name>` (its pod roles; not with `keycloak.credentials: copy`) and
`keycloak-<name>`; and `state` (the state bucket) when `state.s3.bootstrap` asks for it."""

from __future__ import annotations

from cdktf import App

from modules.access.stack import AccessStack
from modules.aurora.stack import AuroraStack
from modules.config import DeploymentConfig
from modules.keycloak.stack import KeycloakStack
from modules.peering.stack import PeeringStack
from modules.state.stack import StateStack


def build_app(config: DeploymentConfig, *, outdir: str | None = None) -> App:
    """An App holding every stack of `config`; call `.synth()` to write Terraform JSON.

    `outdir` defaults to what the cdktf CLI passes (CDKTF_OUTDIR), else `cdktf.out`.
    """
    app = App(outdir=outdir) if outdir else App()
    if config.state.s3 is not None and config.state.s3.bootstrap:
        StateStack(app, config=config)
    aurora = AuroraStack(app, config=config)
    for rosa in config.rosa_clusters:
        peering = PeeringStack(app, config=config, rosa=rosa, aurora=aurora)
        access = AccessStack(app, config=config, rosa=rosa, aurora=aurora) if config.keycloak.uses_pod_roles else None
        KeycloakStack(app, config=config, rosa=rosa, aurora=aurora, peering=peering, access=access)
    return app
