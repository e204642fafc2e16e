"""Keycloak's identity with `keycloak.credentials: iam`: the ServiceAccount its pods run
as, annotated with the pod role that signs its IAM tokens, and the Secret that names its
database user (Keycloak 26's CR reads the user name from a Secret; there is no password).
"""

from __future__ import annotations

from constructs import Construct

from modules.config import KeycloakSpec
from modules.keycloak.secret import WATCHED_SECRET_LABELS
from modules.naming import DB_USERNAME_SECRET, ROLE_ARN_ANNOTATION
from modules.providers import SecretV1, ServiceAccountV1


class KeycloakIdentity(Construct):
    """ServiceAccount `keycloak.service_account` in `keycloak.namespace` with annotation
    `eks.amazonaws.com/role-arn: <role_arn>` (ROSA's pod identity webhook gives its pods
    that role's web identity), and Secret `keycloak-db-username` with the one key
    `username` = `keycloak.db_user` (not a secret; the CR just takes it from a Secret).

    Exposes `service_account` and `username_secret` (names) and `ready`.
    """

    def __init__(self, scope: Construct, id_: str, *, keycloak: KeycloakSpec, role_arn: str) -> None:
        super().__init__(scope, id_)
        labels = {"app.kubernetes.io/part-of": "keycloak"}
        account = ServiceAccountV1(
            self,
            "service-account",
            metadata={
                "name": keycloak.service_account,
                "namespace": keycloak.namespace,
                "labels": labels,
                "annotations": {ROLE_ARN_ANNOTATION: role_arn},
            },
        )
        secret = SecretV1(
            self,
            "username-secret",
            metadata={"name": DB_USERNAME_SECRET, "namespace": keycloak.namespace, "labels": WATCHED_SECRET_LABELS},
            type="Opaque",
            data={"username": keycloak.db_user},
        )
        self.service_account = keycloak.service_account
        self.username_secret = DB_USERNAME_SECRET
        self.ready = [account, secret]
