"""A Job that proves a ROSA cluster reaches the Aurora writer and logs in as Keycloak does.

The guide checks the connection by starting a `postgres` pod in the cluster and running
`psql` against the writer; this is that step as a Kubernetes Job that Terraform waits for
(`wait_for_completion`), so a missing route, security group rule, role or wrong password
fails the apply instead of Keycloak's start-up. Two ways to log in, as Keycloak does:

* `SecretLogin` (`copy`, `external-secrets`): the user and password of Keycloak's Secret;
* `IamLogin` (`iam`): Keycloak's database user with an IAM token that the pod, running as
  Keycloak's own ServiceAccount, signs under Keycloak's pod role (an AWS CLI init
  container, `aws rds generate-db-auth-token`, into a memory emptyDir), over TLS verified
  against the RDS CA bundle. Success proves the trust policy, `rds-db:connect`, the
  database user, the network and TLS at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import ITerraformDependable
from constructs import Construct

from modules import providers
from modules.keycloak import pods

#: Name of the Job (and its pod's container name prefix) in the Keycloak namespace.
JOB_NAME = "keycloak-db-check"
#: Seconds a finished Job (and its pod and logs) is kept before Kubernetes deletes it.
TTL_SECONDS_AFTER_FINISHED = 600
#: Retries after the first failed pod (a new pod each time).
BACKOFF_LIMIT = 2


@dataclass(frozen=True)
class SecretLogin:
    """Log in with keys `username` and `password` of Secret `secret_name`."""

    secret_name: str


@dataclass(frozen=True)
class IamLogin:
    """Log in as `db_user` with an IAM token for `region`, signed by the pod role of
    ServiceAccount `service_account`, TLS verified against the RDS CA bundle."""

    service_account: str
    db_user: str
    region: str


_IAM_TOKEN = f"""umask 077
aws rds generate-db-auth-token --hostname "$PGHOST" --port "$PGPORT" --username "$PGUSER" --region "$AWS_REGION" \\
  > {pods.HANDOVER_DIR}/token
""" + pods.fetch_ca_bundle(f"{pods.HANDOVER_DIR}/rds-ca.pem")

_PSQL_WITH_TOKEN = f"""PGPASSWORD="$(cat {pods.HANDOVER_DIR}/token)"
export PGPASSWORD
exec psql "$@"
"""


class DbConnectivityCheck(Construct):
    """Job `keycloak-db-check` in `namespace`: `psql` from image `postgres:<engine_major>`
    runs a query showing the session and current user, database and version on
    `writer_endpoint:port/database_name`, logging in as `login` says.

    With `SecretLogin`, TLS is required (`PGSSLMODE=require`: the cluster's parameter
    group refuses plain connections) but the server certificate is not verified, since the
    RDS CA bundle is not in the `postgres` image. With `IamLogin`, it is verified
    (`verify-full`) against the bundle the init container fetches. Defaults:
    `backoff_limit` 2, deleted 600 s after it finishes, so each apply after that runs the
    check again (plan shows the Job to create).

    The pod runs as non-root with no privilege escalation, all capabilities dropped and a
    read-only root filesystem (OpenShift's restricted-v2 SCC assigns the user id), and
    without a Kubernetes API token (the pod role's token is projected by ROSA's pod
    identity webhook).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        namespace: str,
        login: SecretLogin | IamLogin,
        writer_endpoint: str,
        port: str,
        database_name: str,
        engine_major: int,
        depends_on: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, id_)
        labels = {"app.kubernetes.io/name": JOB_NAME, "app.kubernetes.io/part-of": "keycloak"}
        target = {"PGHOST": writer_endpoint, "PGPORT": port, "PGDATABASE": database_name}
        if isinstance(login, IamLogin):
            pod = self._iam_pod(login, target, engine_major)
        else:
            pod = self._secret_pod(login, target, engine_major)
        self.job = providers.JobV1(
            self,
            "job",
            metadata={"name": JOB_NAME, "namespace": namespace, "labels": labels},
            spec={
                "backoff_limit": BACKOFF_LIMIT,
                "ttl_seconds_after_finished": str(TTL_SECONDS_AFTER_FINISHED),
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "restart_policy": "Never",
                        "automount_service_account_token": False,
                        "security_context": pods.POD_SECURITY,
                        **pod,
                    },
                },
            },
            wait_for_completion=True,
            timeouts={"create": "5m", "update": "5m"},
            depends_on=list(depends_on),
        )

    @staticmethod
    def _secret_pod(login: SecretLogin, target: dict[str, str], engine_major: int) -> dict[str, Any]:
        def from_secret(name: str, key: str) -> dict[str, object]:
            return {"name": name, "valueFrom": {"secretKeyRef": {"name": login.secret_name, "key": key}}}

        container = {
            "name": "psql",
            "image": pods.psql_image(engine_major),
            "command": ["psql"],
            "args": ["--no-psqlrc", "--set=ON_ERROR_STOP=1", "--command=SELECT current_user, current_database(), version()"],
            "env": [
                *pods.env(target),
                from_secret("PGUSER", "username"),
                from_secret("PGPASSWORD", "password"),
                {"name": "PGSSLMODE", "value": "require"},
                {"name": "PGCONNECT_TIMEOUT", "value": "10"},
            ],
            "securityContext": pods.RESTRICTED,
            "resources": pods.SMALL,
        }
        return {"container": [container]}

    @staticmethod
    def _iam_pod(login: IamLogin, target: dict[str, str], engine_major: int) -> dict[str, Any]:
        connection = {**target, "PGUSER": login.db_user}
        token = pods.container(
            "iam-token",
            pods.AWS_CLI_IMAGE,
            script=_IAM_TOKEN,
            environment={**connection, "AWS_REGION": login.region, "AWS_STS_REGIONAL_ENDPOINTS": "regional", "HOME": "/tmp"},
            mounts={"handover": pods.HANDOVER_DIR, "home": "/tmp"},
            resources=pods.AWS_CLI,
        )
        psql = pods.container(
            "psql",
            pods.psql_image(engine_major),
            script=_PSQL_WITH_TOKEN,
            args=[
                "--no-psqlrc",
                "--set=ON_ERROR_STOP=1",
                "--command=SELECT session_user, current_user, current_database(), version()",
            ],
            environment={
                **connection,
                "PGSSLMODE": "verify-full",
                "PGSSLROOTCERT": f"{pods.HANDOVER_DIR}/rds-ca.pem",
                "PGCONNECT_TIMEOUT": "10",
            },
            mounts={"handover": pods.HANDOVER_DIR},
            read_only=("handover",),
        )
        return {
            # Keycloak's own ServiceAccount: the check uses the very role Keycloak uses.
            "service_account_name": login.service_account,
            "init_container": [token],
            "container": [psql],
            "volume": [pods.memory_volume("handover"), pods.scratch_volume("home")],
        }
