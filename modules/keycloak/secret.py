"""The Secret Keycloak reads its database credentials from (guide: "Connecting Aurora
database with Keycloak": `spec.db.usernameSecret` / `passwordSecret`), with
`keycloak.credentials` `copy` or `external-secrets` (the master user and its password;
`iam` has no password and no such Secret, see `identity.py`).

Two ways to fill it, chosen by `keycloak.credentials`:

* `copy`: Terraform reads the RDS-managed master secret while applying, never while
  planning, and writes `username` and `password` into a `kubernetes_secret_v1` as
  write-only data (`data_wo`: in no plan and no state). Nothing else to install, but
  after RDS rotates the password the copy is stale until the stack is applied again;
  every plan shows that: `data_wo_revision` is the creation time (`YYYYMMDDhhmmss`) of
  the secret's current version, read from its version list (ids and dates, no value),
  and a rotation changes it. The read is an ephemeral resource whose secret id Terraform
  knows only at apply (`APPLY_TIME_ONLY`), so a plan, a pull request's included, runs
  with a role that may not read the secret (docs/security.md, "Roles and policies").
* `external-secrets`: a SecretStore and an ExternalSecret (`kubernetes_manifest`) from the
  same templates the render command writes; the External Secrets Operator creates the
  Secret and refreshes it every `keycloak.refresh_interval`. The SecretStore's
  ServiceAccount `aurora-secrets-reader` is created here too, annotated with the
  `access-<name>` stack's `secrets-reader` role.

With `aurora.master_password: variable` there is no RDS-managed secret: `copy` takes the
password from the same sensitive variable as the `aurora` stack (`TF_VAR_master_password`)
and the username from `aurora.master_username` (the config rules refuse
`external-secrets` then).
"""

from __future__ import annotations

from cdktf import ITerraformDependable, TerraformStack, Token
from constructs import Construct

from modules.aurora.master_password import master_password_variable
from modules.config import AuroraSpec, KeycloakSpec, PasswordMode
from modules.keycloak.manifests import STORE_SERVICE_ACCOUNT, external_secret, secret_store
from modules.naming import ROLE_ARN_ANNOTATION
from modules.providers import DataAwsSecretsmanagerSecretVersions, Manifest, SecretV1, ServiceAccountV1

#: The Keycloak operator labels the Secrets a Keycloak CR references so that it sees their
#: changes (and rolls the pods); setting the label ourselves keeps Terraform from
#: removing it on every apply.
WATCHED_SECRET_LABELS = {"operator.keycloak.org/component": "watched-secret"}

#: An empty string Terraform knows only while applying (`timestamp()` is unknown while
#: planning): prefixed to an ephemeral resource's argument, it makes Terraform defer
#: opening that resource to the apply ("Configuration unknown, deferring...").
APPLY_TIME_ONLY = "${substr(timestamp(), 0, 0)}"
#: The Terraform versions that know write-only attributes (`data_wo`).
WRITE_ONLY_TERRAFORM = ">= 1.11.0"
#: The ephemeral resource type that reads a secret's value.
SECRET_VALUE_TYPE = "aws_secretsmanager_secret_version"


class KeycloakDbSecret(Construct):
    """Secret `keycloak.secret_name` in `keycloak.namespace` with keys `username` and
    `password`, filled as `keycloak.credentials` says (`copy` or `external-secrets`).

    `master_secret_arn` is the `aurora` stack's `master_secret_arn` output (a token);
    `reader_role_arn`, with `external-secrets`, the `access-<name>` stack's
    `secrets_reader_role_arn`. Exposes `name`, `namespace` and `ready`, the resources a
    consumer of the Secret must wait for.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        keycloak: KeycloakSpec,
        aurora: AuroraSpec,
        master_secret_arn: str,
        reader_role_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.name = keycloak.secret_name
        self.namespace = keycloak.namespace
        self.ready: list[ITerraformDependable]
        if keycloak.credentials == "external-secrets":
            if reader_role_arn is None:
                raise ValueError("external-secrets needs the secrets reader's role ARN")
            self.ready = self._external_secret(keycloak, aurora.region, master_secret_arn, reader_role_arn)
        else:
            self.ready = [self._copy(keycloak, aurora, master_secret_arn)]

    def _copy(self, keycloak: KeycloakSpec, aurora: AuroraSpec, master_secret_arn: str) -> SecretV1:
        metadata = {"name": keycloak.secret_name, "namespace": keycloak.namespace, "labels": WATCHED_SECRET_LABELS}
        if aurora.master_password is not PasswordMode.MANAGED:
            password = master_password_variable(
                self,
                description="Master password of the Aurora cluster, as given to the aurora stack (TF_VAR_master_password).",
            )
            data = {"username": aurora.master_username, "password": password.string_value}
            return SecretV1(self, "secret", metadata=metadata, type="Opaque", data=data)

        # Which version is current: ids and creation times (ListSecretVersionIds), no value.
        versions = DataAwsSecretsmanagerSecretVersions(self, "master-secret-versions", secret_id=master_secret_arn)
        current = (f'one([for v in {versions.fqn}.versions : v.created_time '
                   f'if contains(v.version_stages, "AWSCURRENT")])')
        # The value, read while applying only. cdktf 0.21 has no ephemeral resources: the
        # block is written into the stack's JSON as Terraform's own syntax has it.
        # Write-only attributes need Terraform 1.11: older ones stop with this, not with an
        # unknown argument.
        stack = TerraformStack.of(self)
        stack.add_override("terraform.required_version", WRITE_ONLY_TERRAFORM)
        ephemeral = f"{self.node.id}_master-secret"
        stack.add_override(
            f"ephemeral.{SECRET_VALUE_TYPE}.{ephemeral}",
            {"secret_id": f"{APPLY_TIME_ONLY}{master_secret_arn}", "version_stage": "AWSCURRENT"},
        )
        # The RDS-managed secret is JSON: {"username": ..., "password": ...}.
        value = f"jsondecode(ephemeral.{SECRET_VALUE_TYPE}.{ephemeral}.secret_string)"
        return SecretV1(
            self,
            "secret",
            metadata=metadata,
            type="Opaque",
            data_wo={key: f"${{{value}.{key}}}" for key in ("username", "password")},
            data_wo_revision=Token.as_number(f'${{parseint(formatdate("YYYYMMDDhhmmss", {current}), 10)}}'),
        )

    def _external_secret(
        self, keycloak: KeycloakSpec, region: str, master_secret_arn: str, reader_role_arn: str
    ) -> list[ITerraformDependable]:
        # The SecretStore's `jwt` auth: the operator requests a token of this account
        # (audience sts.amazonaws.com) and assumes the role its annotation names.
        reader = ServiceAccountV1(
            self,
            "secrets-reader",
            metadata={
                "name": STORE_SERVICE_ACCOUNT,
                "namespace": keycloak.namespace,
                "labels": {"app.kubernetes.io/part-of": "keycloak"},
                "annotations": {ROLE_ARN_ANNOTATION: reader_role_arn},
            },
        )
        # One source of truth: the documents the render command writes, parsed back.
        store = secret_store(keycloak, region=region)
        synced = external_secret(
            keycloak, secret_arn=master_secret_arn, store_name=store.document["metadata"]["name"]
        )
        store_manifest = Manifest(self, "secret-store", manifest=store.document, depends_on=[reader])
        # Ready once ESO has fetched the secret and written the Secret.
        secret_manifest = Manifest(
            self,
            "external-secret",
            manifest=synced.document,
            depends_on=[store_manifest],
            wait={"condition": [{"type": "Ready", "status": "True"}]},
            timeouts={"create": "5m", "update": "5m"},
        )
        return [secret_manifest]
