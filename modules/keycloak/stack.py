"""A `keycloak-<name>` stack per ROSA cluster: the database Secret Keycloak reads, in that
cluster, and optionally a check that the cluster reaches the Aurora writer.

The guide's last step ("Connecting Aurora database with Keycloak") needs a Secret with the
Aurora credentials next to the Keycloak CR; this stack creates it from the RDS-managed
secret, so no person handles the password. The CR patch itself is rendered from the
deployed outputs by `python -m modules.keycloak.render`.
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.aws.provider import aws_provider
from modules.config import DeploymentConfig, RosaClusterSpec
from modules.keycloak.connectivity_check import DbConnectivityCheck
from modules.keycloak.secret import KeycloakDbSecret
from modules.naming import AURORA_STACK_ID, keycloak_stack_id
from modules.providers import KubernetesProvider
from modules.state.backend import configure_state, stack_outputs


class KeycloakStack(TerraformStack):
    """Keycloak's database Secret (and the optional connectivity check) in one ROSA cluster.

    The kubernetes provider uses `rosa.kubernetes.config_path` (default `~/.kube/config`)
    and context `rosa.kubernetes.context` (default: the cluster's name); the aws provider
    is in the Aurora region, where the master secret lives. Reads `writer_endpoint`,
    `port`, `database_name` and `master_secret_arn` from the `aurora` stack's state, and
    depends on `aurora` and on the cluster's `peering` stack, so `cdktf deploy '*'` creates
    the route before the check uses it and `cdktf destroy '*'` removes this stack first.
    Outputs: `secret_name`, `secret_namespace`.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        config: DeploymentConfig,
        rosa: RosaClusterSpec,
        aurora: TerraformStack,
        peering: TerraformStack,
    ) -> None:
        stack_id = keycloak_stack_id(rosa.name)
        super().__init__(scope, stack_id)
        configure_state(self, stack_id, config)
        self.add_dependency(aurora)
        self.add_dependency(peering)

        keycloak = config.keycloak
        KubernetesProvider(
            self,
            "kubernetes",
            config_path=rosa.kubernetes.config_path,
            config_context=rosa.kube_context,
        )
        aws_provider(self, "aws", region=config.aurora.region, aws=config.aws)

        aurora_outputs = stack_outputs(self, "aurora-outputs", config, AURORA_STACK_ID)
        secret = KeycloakDbSecret(
            self,
            "db-secret",
            keycloak=keycloak,
            aurora=config.aurora,
            master_secret_arn=aurora_outputs.get_string("master_secret_arn"),
        )
        if keycloak.connectivity_check:
            # The guide's psql pod, as a Job the apply waits for.
            DbConnectivityCheck(
                self,
                "connectivity-check",
                namespace=keycloak.namespace,
                secret_name=secret.name,
                writer_endpoint=aurora_outputs.get_string("writer_endpoint"),
                port=aurora_outputs.get_string("port"),
                database_name=aurora_outputs.get_string("database_name"),
                engine_major=config.aurora.engine_major,
                depends_on=secret.ready,
            )
        TerraformOutput(self, "secret_name", value=secret.name, description="Secret with keys username and password.")
        TerraformOutput(self, "secret_namespace", value=secret.namespace, description="Namespace of the Secret and the Keycloak CR.")
