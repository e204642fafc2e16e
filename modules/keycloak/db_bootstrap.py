"""The one-time, idempotent creation of Keycloak's IAM database user, as a Kubernetes Job
in the ROSA cluster (where the database is reachable), with `keycloak.credentials: iam`.

The Job reads the master credentials at run time from Secrets Manager through its own
pod role (the `access-<name>` stack's `db-bootstrap` role: GetSecretValue on the master
secret, Decrypt on its key, nothing else): the master password is in no Kubernetes
Secret, no Terraform state and no pod spec. One pod, two containers sharing a memory
emptyDir:

1. `master-secret` (AWS CLI): reads the RDS-managed secret and writes `username` and
   `password` to separate files (no quoting of the password anywhere), and fetches the
   RDS CA bundle;
2. `psql`: runs `templates/bootstrap-db-user.sql` (from a ConfigMap) as the master user,
   TLS verified (`sslmode=verify-full`), with `modules.keycloak.db_user.psql_args`.

Terraform waits for the Job (`wait_for_completion`): a failed bootstrap fails the apply.
The Job stays after it completes, so later plans are empty; the pod template carries the
SHA-256 of the SQL and its variables, so changing either replaces the Job, which runs
again (the SQL is idempotent).
"""

from __future__ import annotations

import hashlib

from cdktf import ITerraformDependable
from constructs import Construct

from modules import providers
from modules.config import AuroraSpec, KeycloakSpec
from modules.construct_tree import expression
from modules.keycloak import pods
from modules.keycloak.db_user import bootstrap_sql, psql_args, psql_variables
from modules.naming import BOOTSTRAP_SERVICE_ACCOUNT, ROLE_ARN_ANNOTATION
from modules.providers import ConfigMapV1, ServiceAccountV1

#: The Job, and the prefix of its ConfigMap.
JOB_NAME = "keycloak-db-bootstrap"
#: The SQL's file name in the ConfigMap (and under /sql in the pod).
SQL_KEY = "bootstrap-db-user.sql"
#: Retries after the first failed pod (a new pod each time; the SQL is one transaction).
BACKOFF_LIMIT = 3

_READ_MASTER_SECRET = f"""umask 077
secret="$(aws secretsmanager get-secret-value --secret-id "$MASTER_SECRET_ARN" --query SecretString --output text)"
printf '%s' "$secret" | jq --join-output .username > {pods.HANDOVER_DIR}/username
printf '%s' "$secret" | jq --join-output .password > {pods.HANDOVER_DIR}/password
""" + pods.fetch_ca_bundle(f"{pods.HANDOVER_DIR}/rds-ca.pem")

_RUN_SQL = f"""PGUSER="$(cat {pods.HANDOVER_DIR}/username)"
PGPASSWORD="$(cat {pods.HANDOVER_DIR}/password)"
export PGUSER PGPASSWORD
exec psql "$@"
"""


class DbUserBootstrap(Construct):
    """ServiceAccount `keycloak-db-bootstrap` (annotated with `role_arn`), ConfigMap
    `keycloak-db-bootstrap-sql` and Job `keycloak-db-bootstrap` in `keycloak.namespace`,
    creating user `keycloak.db_user` on `writer_endpoint:port/database_name` as the master
    user of `master_secret_arn` (tokens of the `aurora` stack's outputs are fine).

    Exposes `ready`: what a consumer of the user (the connectivity check) waits for.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        keycloak: KeycloakSpec,
        aurora: AuroraSpec,
        role_arn: str,
        master_secret_arn: str,
        writer_endpoint: str,
        port: str,
        database_name: str,
    ) -> None:
        super().__init__(scope, id_)
        namespace = keycloak.namespace
        labels = {"app.kubernetes.io/name": JOB_NAME, "app.kubernetes.io/part-of": "keycloak"}
        account = ServiceAccountV1(
            self,
            "service-account",
            metadata={
                "name": BOOTSTRAP_SERVICE_ACCOUNT,
                "namespace": namespace,
                "labels": labels,
                "annotations": {ROLE_ARN_ANNOTATION: role_arn},
            },
        )
        sql = bootstrap_sql()
        config_map = ConfigMapV1(
            self,
            "sql",
            metadata={"name": f"{JOB_NAME}-sql", "namespace": namespace, "labels": labels},
            data={SQL_KEY: sql},
        )
        # A reference, not the name itself: the Job then waits for the ConfigMap.
        sql_config_map = f"${{{expression(config_map, 'metadata[0].name')}}}"
        variables = psql_variables(keycloak.db_user)
        checksum = hashlib.sha256((sql + repr(sorted(variables.items()))).encode()).hexdigest()

        handover = {"handover": pods.HANDOVER_DIR}
        read_secret = pods.container(
            "master-secret",
            pods.AWS_CLI_IMAGE,
            script=_READ_MASTER_SECRET,
            environment={
                "MASTER_SECRET_ARN": master_secret_arn,
                "AWS_REGION": aurora.region,
                "AWS_STS_REGIONAL_ENDPOINTS": "regional",
                "HOME": "/tmp",
            },
            mounts={**handover, "home": "/tmp"},
            resources=pods.AWS_CLI,
        )
        run_sql = pods.container(
            "psql",
            pods.psql_image(aurora.engine_major),
            script=_RUN_SQL,
            args=psql_args(keycloak.db_user, f"/sql/{SQL_KEY}"),
            environment={
                "PGHOST": writer_endpoint,
                "PGPORT": port,
                "PGDATABASE": database_name,
                "PGSSLMODE": "verify-full",
                "PGSSLROOTCERT": f"{pods.HANDOVER_DIR}/rds-ca.pem",
                "PGCONNECT_TIMEOUT": "10",
                "PGAPPNAME": JOB_NAME,
            },
            mounts={**handover, "sql": "/sql"},
            read_only=("handover", "sql"),
        )
        self.job = providers.JobV1(
            self,
            "job",
            metadata={"name": JOB_NAME, "namespace": namespace, "labels": labels},
            spec={
                "backoff_limit": BACKOFF_LIMIT,
                "template": {
                    "metadata": {"labels": labels, "annotations": {"keycloak-aurora/sql-sha256": checksum}},
                    "spec": {
                        "restart_policy": "Never",
                        "service_account_name": BOOTSTRAP_SERVICE_ACCOUNT,
                        # The role's web identity token is projected by ROSA's pod identity
                        # webhook; the pod needs no Kubernetes API token.
                        "automount_service_account_token": False,
                        "security_context": pods.POD_SECURITY,
                        "init_container": [read_secret],
                        "container": [run_sql],
                        "volume": [
                            pods.memory_volume("handover"),
                            pods.scratch_volume("home"),
                            {"name": "sql", "configMap": {"name": sql_config_map}},
                        ],
                    },
                },
            },
            wait_for_completion=True,
            timeouts={"create": "10m", "update": "10m"},
            depends_on=[account],
        )
        self.ready: list[ITerraformDependable] = [self.job]
