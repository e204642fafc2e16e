"""The stacks of a retired ROSA cluster: what `rosa_clusters[].retired: true` synthesizes.

Deleting a cluster's entry would only stop synthesizing its stacks: Terraform would never
hear of them again, and the peering, its routes on both sides, the 5432 rule and the pod
roles would keep running with nothing to manage them. A retired cluster keeps its three
stacks instead, each with its backend (its state) and the providers of its live
counterpart, built from the entry's region and `role_arn`, and nothing else: no resource,
no data source (the ROSA VPC may be gone, and a lookup of it would fail the plan), no
remote state read, no output but `retired`. Terraform plans the destroy of everything
each state holds ("removed from the configuration"), and `make deploy` applies it. The
return route and the 5432 rule are the peering stack's, so they go with it; the Aurora
stack is not touched.

Order: dependants first, `keycloak-<name>` (the ServiceAccount, Secret and Job in the
cluster), then `access-<name>` (the pod roles), then `peering-<name>`. The live stacks'
dependencies are reversed for that: each retired stack depends on those that depended on it,
so the manifest, and with it `make deploy` and `cdktf deploy '*'`, runs them in that order.
Each still depends on `aurora`, so a destroy of everything empties them before the
database's network.
"""

from __future__ import annotations

from collections.abc import Callable

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.access.stack import access_provider
from modules.config import DeploymentConfig, RosaClusterSpec
from modules.keycloak.stack import keycloak_providers
from modules.naming import RETIRED_OUTPUT, access_stack_id, keycloak_stack_id, peering_stack_id
from modules.peering.stack import peering_providers
from modules.state.backend import configure_state


class RetiredStack(TerraformStack):
    """Stack `stack_id` of the retired cluster `rosa`: its backend, the providers
    `providers(stack)` adds, and the output `retired` (the cluster's name), which the plan
    review names the retirement by and the state keeps once the stack is empty."""

    def __init__(
        self,
        scope: Construct,
        stack_id: str,
        *,
        config: DeploymentConfig,
        rosa: RosaClusterSpec,
        providers: Callable[[TerraformStack], object],
    ) -> None:
        super().__init__(scope, stack_id)
        configure_state(self, stack_id, config)
        providers(self)
        TerraformOutput(
            self,
            RETIRED_OUTPUT,
            value=rosa.name,
            description="This ROSA cluster is retired (rosa_clusters[].retired): the stack holds nothing once applied.",
        )


def retire_cluster(
    scope: Construct, *, config: DeploymentConfig, rosa: RosaClusterSpec, aurora: TerraformStack
) -> list[RetiredStack]:
    """The stacks of the retired cluster `rosa`, in the order they are applied: `keycloak-`,
    `access-` (with pod roles, as when live) and `peering-<name>`; each depends on `aurora`
    and on the ones before it."""
    stacks = [
        RetiredStack(scope, keycloak_stack_id(rosa.name), config=config, rosa=rosa,
                     providers=lambda stack: keycloak_providers(stack, config, rosa)),
    ]
    if config.keycloak.uses_pod_roles:
        stacks.append(RetiredStack(scope, access_stack_id(rosa.name), config=config, rosa=rosa,
                                   providers=lambda stack: access_provider(stack, config)))
    stacks.append(RetiredStack(scope, peering_stack_id(rosa.name), config=config, rosa=rosa,
                               providers=lambda stack: peering_providers(stack, config, rosa)))
    for position, stack in enumerate(stacks):
        stack.add_dependency(aurora)
        for dependant in stacks[:position]:
            stack.add_dependency(dependant)
    return stacks
