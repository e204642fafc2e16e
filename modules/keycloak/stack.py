"""A `keycloak-<name>` stack per ROSA cluster: what Keycloak needs in that cluster to reach
the database, and optionally a check that it does.

The guide's last step ("Connecting Aurora database with Keycloak") points the Keycloak CR
at the database and its credentials. With `keycloak.credentials: iam` (the default) there
are no credentials to hand over: this stack creates the ServiceAccount whose pod role
signs Keycloak's IAM tokens, the Secret naming its database user, and runs the Job that
creates that user. With `copy` or `external-secrets` it creates the Secret with the
master user's password. The CR patch itself is rendered from the deployed outputs by
`python -m modules.keycloak.render`.
"""

from __future__ import annotations

from cdktf import ITerraformDependable, TerraformOutput, TerraformStack
from constructs import Construct

from modules.aws.provider import aws_provider
from modules.config import DeploymentConfig, RosaClusterSpec
from modules.keycloak.connectivity_check import DbConnectivityCheck, IamLogin, SecretLogin
from modules.keycloak.db_bootstrap import DbUserBootstrap
from modules.keycloak.identity import KeycloakIdentity
from modules.keycloak.secret import KeycloakDbSecret
from modules.naming import AURORA_STACK_ID, access_stack_id, keycloak_stack_id
from modules.providers import KubernetesProvider
from modules.state.backend import configure_state, stack_outputs
from modules.construct_tree import remote_output

#: Addresses that `copy` and `external-secrets` manage and `iam` leaves in the cluster
#: (Terraform `removed` blocks, `destroy = false`): the copied Secret, or the SecretStore
#: and the ExternalSecret that owns the synced Secret. Running Keycloak pods read that
#: Secret until the `iam` patch is applied; the README's migration deletes them after.
PASSWORD_SECRET_ADDRESSES = (
    "kubernetes_secret_v1.db-secret_E653DB88",
    "kubernetes_manifest.db-secret_secret-store_3AEE2796",
    "kubernetes_manifest.db-secret_external-secret_C3A82669",
)


def keycloak_providers(stack: TerraformStack, config: DeploymentConfig, rosa: RosaClusterSpec) -> None:
    """The providers of a `keycloak-<name>` stack: kubernetes, through
    `rosa.kubernetes.config_path` and its context, and aws in the Aurora region (where the
    master secret lives). A retired cluster's stack keeps them to destroy what it holds."""
    KubernetesProvider(
        stack,
        "kubernetes",
        config_path=rosa.kubernetes.config_path,
        config_context=rosa.kube_context,
    )
    aws_provider(stack, "aws", region=config.aurora.region, aws=config.aws)


class KeycloakStack(TerraformStack):
    """Keycloak's side of the database connection in one ROSA cluster.

    The kubernetes provider uses `rosa.kubernetes.config_path` (default `~/.kube/config`)
    and context `rosa.kubernetes.context` (default: the cluster's name); the aws provider
    is in the Aurora region, where the master secret lives. Reads `writer_endpoint`,
    `port`, `database_name` and `master_secret_arn` from the `aurora` stack's state and,
    with `iam` or `external-secrets`, the role ARNs from the `access-<name>` stack's.
    Depends on `aurora`, the cluster's `peering` stack and, when there is one, its
    `access` stack, so `cdktf deploy '*'` creates the route and the roles before the
    Jobs use them and `cdktf destroy '*'` removes this stack first.

    Outputs: with `iam`, `service_account`, `username_secret` and `namespace`; else
    `secret_name` and `secret_namespace`.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        config: DeploymentConfig,
        rosa: RosaClusterSpec,
        aurora: TerraformStack,
        peering: TerraformStack,
        access: TerraformStack | None,
    ) -> None:
        stack_id = keycloak_stack_id(rosa.name)
        super().__init__(scope, stack_id)
        configure_state(self, stack_id, config)
        self.add_dependency(aurora)
        self.add_dependency(peering)
        if access is not None:
            self.add_dependency(access)

        keycloak = config.keycloak
        keycloak_providers(self, config, rosa)

        aurora_outputs = stack_outputs(self, "aurora-outputs", config, AURORA_STACK_ID)
        database = {
            "writer_endpoint": remote_output(aurora_outputs, "writer_endpoint"),
            "port": remote_output(aurora_outputs, "port"),
            "database_name": remote_output(aurora_outputs, "database_name"),
        }
        ready: list[ITerraformDependable]
        login: SecretLogin | IamLogin
        if keycloak.credentials == "iam":
            roles = stack_outputs(self, "access-outputs", config, access_stack_id(rosa.name))
            identity = KeycloakIdentity(self, "identity", keycloak=keycloak, role_arn=remote_output(roles, "keycloak_role_arn"))
            bootstrap = DbUserBootstrap(
                self,
                "db-bootstrap",
                keycloak=keycloak,
                aurora=config.aurora,
                role_arn=remote_output(roles, "bootstrap_role_arn"),
                master_secret_arn=remote_output(aurora_outputs, "master_secret_arn"),
                **database,
            )
            # Moving from copy or external-secrets: forget the password Secret, never delete
            # it under a running Keycloak (no-ops when it was never managed here).
            self.add_override(
                "removed", [{"from": address, "lifecycle": {"destroy": False}} for address in PASSWORD_SECRET_ADDRESSES]
            )
            ready = [*identity.ready, *bootstrap.ready]
            login = IamLogin(service_account=identity.service_account, db_user=keycloak.db_user, region=config.aurora.region)
            outputs = {
                "service_account": (identity.service_account, "ServiceAccount of Keycloak's pods (annotated with its role)."),
                "username_secret": (identity.username_secret, "Secret with Keycloak's database user name (key username)."),
                "namespace": (keycloak.namespace, "Namespace of the ServiceAccount, the Secret and the Keycloak CR."),
            }
        else:
            reader_role_arn = None
            if keycloak.credentials == "external-secrets":
                roles = stack_outputs(self, "access-outputs", config, access_stack_id(rosa.name))
                reader_role_arn = remote_output(roles, "secrets_reader_role_arn")
            secret = KeycloakDbSecret(
                self,
                "db-secret",
                keycloak=keycloak,
                aurora=config.aurora,
                master_secret_arn=remote_output(aurora_outputs, "master_secret_arn"),
                reader_role_arn=reader_role_arn,
            )
            ready = secret.ready
            login = SecretLogin(secret_name=secret.name)
            outputs = {
                "secret_name": (secret.name, "Secret with keys username and password."),
                "secret_namespace": (secret.namespace, "Namespace of the Secret and the Keycloak CR."),
            }
        if keycloak.connectivity_check:
            # The guide's psql pod, as a Job the apply waits for.
            DbConnectivityCheck(
                self,
                "connectivity-check",
                namespace=keycloak.namespace,
                login=login,
                engine_major=config.aurora.engine_major,
                depends_on=ready,
                **database,
            )
        for name, (value, description) in outputs.items():
            TerraformOutput(self, name, value=value, description=description)
