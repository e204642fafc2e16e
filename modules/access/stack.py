"""An `access-<name>` stack per ROSA cluster (with `keycloak.credentials` `iam` or
`external-secrets`): the AWS roles that cluster's pods assume, and nothing else.

Every resource lives in the database's account and region (the Aurora provider): the
role that signs Keycloak's IAM token must be allowed `rds-db:connect` on the cluster, and
there is no resource policy for `rds-db` that could grant it to another account. For a
ROSA cluster in another account (`role_arn`), the database account must therefore hold an
IAM OIDC provider for that cluster's issuer too (audience `sts.amazonaws.com`): pods then
assume these roles across accounts directly, with no role chaining in Keycloak. ROSA STS
creates the provider only in the cluster's own account; the lookup here fails with a
message naming the issuer when the database account has none.
"""

from __future__ import annotations

from cdktf import Postcondition, TerraformOutput, TerraformProvider, TerraformResourceLifecycle, TerraformStack
from constructs import Construct

from modules.access.pod_role import PodRole
from modules.aws.provider import aws_provider
from modules.aws.tagging import tag_resources
from modules.config import DeploymentConfig, RosaClusterSpec
from modules.naming import (
    AURORA_STACK_ID,
    BOOTSTRAP_SERVICE_ACCOUNT,
    SECRETS_READER_SERVICE_ACCOUNT,
    WEB_IDENTITY_AUDIENCE,
    access_stack_id,
    issuer_host_path,
    pod_role_name,
    rds_db_user_arn,
    service_account_subject,
)
from modules.providers import DataAwsCallerIdentity, DataAwsIamOpenidConnectProvider, DataAwsPartition
from modules.state.backend import configure_state, stack_outputs
from modules.construct_tree import reference, remote_output


def access_provider(stack: TerraformStack, config: DeploymentConfig) -> TerraformProvider:
    """The one provider of an `access-<name>` stack: the database's account and region, where
    the pod roles live (also a retired cluster's, which destroys them through it)."""
    return aws_provider(stack, "aws", region=config.aurora.region, aws=config.aws)


class AccessStack(TerraformStack):
    """The pod roles of one ROSA cluster, trusted by its OIDC provider (looked up by
    `rosa.oidc_issuer` in the database's account, as ROSA STS registers it).

    With `credentials: iam`: role `keycloak` for ServiceAccount `keycloak.service_account`,
    allowed `rds-db:connect` as `keycloak.db_user` on the cluster (by its resource id),
    and role `db-bootstrap` for the bootstrap Job's ServiceAccount, allowed to read the
    master secret and decrypt it with its key (through Secrets Manager only). With
    `external-secrets`: role `secrets-reader` for the SecretStore's ServiceAccount, with
    the same read access. Reads `cluster_resource_id`, `master_secret_arn` and
    `kms_key_arn` from the `aurora` stack's state and depends on that stack.
    Outputs: the role ARNs (`keycloak_role_arn` and `bootstrap_role_arn`, or
    `secrets_reader_role_arn`).
    """

    def __init__(
        self, scope: Construct, *, config: DeploymentConfig, rosa: RosaClusterSpec, aurora: TerraformStack
    ) -> None:
        stack_id = access_stack_id(rosa.name)
        super().__init__(scope, stack_id)
        configure_state(self, stack_id, config)
        self.add_dependency(aurora)
        if rosa.oidc_issuer is None:  # the config rules refuse this; a guard for direct callers
            raise ValueError(f"rosa cluster {rosa.name!r} has no oidc_issuer")

        spec, keycloak = config.aurora, config.keycloak
        access_provider(self, config)
        aurora_outputs = stack_outputs(self, "aurora-outputs", config, AURORA_STACK_ID)
        account = reference(DataAwsCallerIdentity(self, "account"), "account_id")
        partition = reference(DataAwsPartition(self, "partition"), "partition")

        # By URL, in its https:// form (the data source refuses the bare host/path).
        oidc = DataAwsIamOpenidConnectProvider(
            self,
            "oidc-provider",
            url=rosa.oidc_issuer,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'${{contains(self.client_id_list, "{WEB_IDENTITY_AUDIENCE}")}}',
                        error_message=(
                            f"The IAM OIDC provider of {rosa.oidc_issuer} does not list the client id "
                            f"{WEB_IDENTITY_AUDIENCE}, the audience of the pod identity webhook's tokens: add it "
                            "(aws iam add-client-id-to-open-id-connect-provider)."
                        ),
                    )
                ]
            ),
        )
        oidc_arn = reference(oidc, "arn")
        issuer = issuer_host_path(rosa.oidc_issuer)

        def role(id_: str, purpose: str, service_account: str, statements: list[dict[str, object]]) -> PodRole:
            return PodRole(
                self,
                id_,
                name=pod_role_name(spec.name, rosa.name, purpose),
                provider_arn=oidc_arn,
                issuer=issuer,
                subject=service_account_subject(keycloak.namespace, service_account),
                statements=statements,
            )

        secret_arn = remote_output(aurora_outputs, "master_secret_arn")
        read_master_secret: list[dict[str, object]] = [
            {"sid": "ReadMasterSecret", "effect": "Allow", "actions": ["secretsmanager:GetSecretValue"], "resources": [secret_arn]},
            {
                # The secret's key, and only for Secrets Manager decrypting that secret.
                "sid": "DecryptMasterSecret",
                "effect": "Allow",
                "actions": ["kms:Decrypt"],
                "resources": [remote_output(aurora_outputs, "kms_key_arn")],
                "condition": [
                    {"test": "StringEquals", "variable": "kms:ViaService", "values": [f"secretsmanager.{spec.region}.amazonaws.com"]},
                    {"test": "StringEquals", "variable": "kms:EncryptionContext:SecretARN", "values": [secret_arn]},
                ],
            },
        ]
        if keycloak.credentials == "iam":
            db_user = rds_db_user_arn(
                partition, spec.region, account, remote_output(aurora_outputs, "cluster_resource_id"), keycloak.db_user
            )
            keycloak_role = role(
                "keycloak-role",
                "keycloak",
                keycloak.service_account,
                [{"sid": "ConnectAsKeycloakUser", "effect": "Allow", "actions": ["rds-db:connect"], "resources": [db_user]}],
            )
            bootstrap_role = role("bootstrap-role", "db-bootstrap", BOOTSTRAP_SERVICE_ACCOUNT, read_master_secret)
            TerraformOutput(self, "keycloak_role_arn", value=keycloak_role.arn,
                            description="Role of Keycloak's ServiceAccount: rds-db:connect as keycloak.db_user.")
            TerraformOutput(self, "bootstrap_role_arn", value=bootstrap_role.arn,
                            description="Role of the database user bootstrap Job: reads the master secret.")
        else:
            reader = role("secrets-reader-role", "secrets-reader", SECRETS_READER_SERVICE_ACCOUNT, read_master_secret)
            TerraformOutput(self, "secrets_reader_role_arn", value=reader.arn,
                            description="Role of the SecretStore's ServiceAccount: reads the master secret.")

        # Every resource carries the deployment's tags and RosaCluster=<name> (last: it tags
        # the resources created above).
        tag_resources(self, deployment=spec.name, defaults=spec.tags, markers={"RosaCluster": rosa.name})
