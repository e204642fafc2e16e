"""An IAM role that exactly one Kubernetes ServiceAccount of one ROSA cluster may assume.

ROSA's pod identity webhook (the same as EKS's IRSA) gives a pod whose ServiceAccount
carries `eks.amazonaws.com/role-arn` a projected token signed by the cluster's OIDC
issuer, with audience `sts.amazonaws.com`; the AWS SDK trades it for the role's
credentials with `sts:AssumeRoleWithWebIdentity`. The trust policy is the one of ROSA's
"Setting up an AWS IAM role for a service account": the cluster's OIDC provider as the
federated principal, and `StringEquals` on the token's `sub` (that ServiceAccount, no
wildcard) and `aud`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs import Construct

from modules.construct_tree import reference
from modules.naming import WEB_IDENTITY_AUDIENCE
from modules.providers import DataAwsIamPolicyDocument, IamRole, IamRolePolicy


class PodRole(Construct):
    """Role `name`, assumable only by tokens of `subject` (`system:serviceaccount:<ns>:<sa>`)
    issued by `issuer` (the OIDC issuer without `https://`, the prefix of IAM's condition
    keys) through the IAM OIDC provider `provider_arn`, with one inline policy made of
    `statements` (dicts of `effect`, `actions`, `resources` and optionally `condition`).

    Exposes `arn` and `name`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        provider_arn: str,
        issuer: str,
        subject: str,
        statements: Sequence[dict[str, Any]],
    ) -> None:
        super().__init__(scope, id_)
        # Structs inside lists reach jsii as plain maps: keys are the jsii (camelCase)
        # names, which for these one-word keys are the Terraform names too.
        trust = DataAwsIamPolicyDocument(
            self,
            "trust",
            statement=[
                {
                    "effect": "Allow",
                    "actions": ["sts:AssumeRoleWithWebIdentity"],
                    "principals": [{"type": "Federated", "identifiers": [provider_arn]}],
                    "condition": [
                        {"test": "StringEquals", "variable": f"{issuer}:sub", "values": [subject]},
                        {"test": "StringEquals", "variable": f"{issuer}:aud", "values": [WEB_IDENTITY_AUDIENCE]},
                    ],
                }
            ],
        )
        permissions = DataAwsIamPolicyDocument(self, "permissions", statement=list(statements))
        # references computed in Python (`construct_tree.reference`): no round trip each
        self.role = IamRole(self, "role", name=name, assume_role_policy=reference(trust, "json"), tags={"Name": name})
        IamRolePolicy(self, "policy", name=name, role=reference(self.role, "id"), policy=reference(permissions, "json"))

    @property
    def arn(self) -> str:
        return reference(self.role, "arn")

    @property
    def name(self) -> str:
        return self.role.name
