"""A Job that proves a ROSA cluster reaches the Aurora writer with Keycloak's credentials.

The guide checks the connection by starting a `postgres` pod in the cluster and running
`psql` against the writer; this is that step as a Kubernetes Job that Terraform waits for
(`wait_for_completion`), so a missing route, security group rule or wrong password fails
the apply instead of Keycloak's start-up.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable
from constructs import Construct

from modules import providers

#: Name of the Job (and its pod's container name prefix) in the Keycloak namespace.
JOB_NAME = "keycloak-db-check"
#: Seconds a finished Job (and its pod and logs) is kept before Kubernetes deletes it.
TTL_SECONDS_AFTER_FINISHED = 600
#: Retries after the first failed pod (a new pod each time).
BACKOFF_LIMIT = 2


class DbConnectivityCheck(Construct):
    """Job `keycloak-db-check` in `namespace`: `psql` from image `postgres:<engine_major>`
    runs `SELECT current_user, current_database(), version()` on `writer_endpoint:port/
    database_name` as the user and password of Secret `secret_name` (secretKeyRef).

    TLS is required (`PGSSLMODE=require`: the cluster's parameter group refuses plain
    connections); the server certificate is not verified, since the RDS CA bundle is not in
    the `postgres` image. Defaults: `backoff_limit` 2, deleted 600 s after it finishes,
    so each apply after that runs the check again (plan shows the Job to create).

    The pod runs as non-root with no privilege escalation, all capabilities dropped and a
    read-only root filesystem (OpenShift's restricted-v2 SCC assigns the user id), and
    without a service account token: it needs no Kubernetes API access.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        namespace: str,
        secret_name: str,
        writer_endpoint: str,
        port: str,
        database_name: str,
        engine_major: int,
        depends_on: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, id_)
        labels = {"app.kubernetes.io/name": JOB_NAME, "app.kubernetes.io/part-of": "keycloak"}

        # Elements of lists (container, env) reach jsii as plain maps, not structs, so their
        # keys are the jsii (camelCase) names; the synthesized JSON is snake_case as usual.
        def from_secret(name: str, key: str) -> dict[str, object]:
            return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}

        container = {
            "name": "psql",
            "image": f"postgres:{engine_major}",
            "command": ["psql"],
            "args": ["--no-psqlrc", "--set=ON_ERROR_STOP=1", "--command=SELECT current_user, current_database(), version()"],
            "env": [
                {"name": "PGHOST", "value": writer_endpoint},
                {"name": "PGPORT", "value": port},
                {"name": "PGDATABASE", "value": database_name},
                from_secret("PGUSER", "username"),
                from_secret("PGPASSWORD", "password"),
                {"name": "PGSSLMODE", "value": "require"},
                {"name": "PGCONNECT_TIMEOUT", "value": "10"},
            ],
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "runAsNonRoot": True,
                "capabilities": {"drop": ["ALL"]},
            },
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
        }
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
                        "security_context": {"run_as_non_root": True, "seccomp_profile": {"type": "RuntimeDefault"}},
                        "container": [container],
                    },
                },
            },
            wait_for_completion=True,
            timeouts={"create": "5m", "update": "5m"},
            depends_on=list(depends_on),
        )
