"""IAM principals on a moto server, and switching its IAM enforcement on.

moto authorizes a request (once enforcement is on, `enforce_iam`) by its action against
the caller's policies, with two limits that shape what is loaded into it:

* the resource it checks is `*` for every service but S3 (which checks bucket and
  object ARNs), so a statement naming ARNs of another service would grant nothing;
* conditions are ignored (but `StringEquals` in trust policies).

`for_moto(document)` therefore keeps S3 statements as they are and gives every other
statement `Resource: "*"` and no condition: moto checks the generated policies' actions
(and S3 ARNs); their ARN patterns and conditions are checked in unit tests
(`tests/unit/iam/`).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.harness.moto import boto3_client

REGION = "eu-west-1"


def enforce_iam(url: str) -> None:
    """From the next request on, moto authenticates every request and authorizes it
    against the caller's IAM policies (`INITIAL_NO_AUTH_ACTION_COUNT` 0)."""
    # text/plain: a form content type would leave moto an empty body to parse.
    request = urllib.request.Request(f"{url}/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=30).close()


def for_moto(document: Mapping[str, Any]) -> dict[str, Any]:
    """`document` as moto can check it (see the module docstring)."""
    statements = []
    for statement in document["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        if all(action.startswith("s3:") for action in actions):
            statements.append(dict(statement))
        else:
            statements.append({"Sid": statement["Sid"], "Effect": statement["Effect"], "Action": actions,
                               "Resource": "*"})
    return {"Version": document["Version"], "Statement": statements}


@dataclass(frozen=True)
class Principal:
    """An IAM user on moto and its access key; `policy_arns`: {document name: ARN}."""

    name: str
    access_key: str
    secret_key: str
    policy_arns: dict[str, str]

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` with this user's credentials."""
        return {**base, "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def client(self, service: str, url: str, region: str = REGION) -> Any:
        import boto3

        return boto3.session.Session(aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                                     region_name=region).client(service, endpoint_url=url)


def create_user(url: str, name: str, documents: Mapping[str, Mapping[str, Any]]) -> Principal:
    """User `name` holding one managed policy per document (as `for_moto` loads it)."""
    iam = boto3_client("iam", REGION, url)
    iam.create_user(UserName=name)
    arns = {}
    for stem, document in documents.items():
        arn = iam.create_policy(PolicyName=f"{name}-{stem}", PolicyDocument=json.dumps(for_moto(document)))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        arns[stem] = arn
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Principal(name, key["AccessKeyId"], key["SecretAccessKey"], arns)


def replace_policy(admin: Principal, url: str, policy_arn: str, document: Mapping[str, Any]) -> None:
    """Make `document` (as `for_moto` loads it) the policy's default version, as an admin
    edits a policy: the old version is deleted."""
    iam = admin.client("iam", url)
    old = [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]]
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=json.dumps(for_moto(document)), SetAsDefault=True)
    for version in old:
        iam.delete_policy_version(PolicyArn=policy_arn, VersionId=version)


def without_action(document: Mapping[str, Any], action: str) -> dict[str, Any]:
    """`document` with `action` taken out of every statement (statements left empty go)."""
    statements = []
    for statement in document["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else list(statement["Action"])
        kept = [a for a in actions if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}


def role_in_account(url: str, role_arn: str, document: Mapping[str, Any], trusted: list[str]) -> None:
    """Create the role `role_arn` in its own account (through an assumed role, as moto
    allows before enforcement) with `document` as its policy and `trusted` principals."""
    name = role_arn.rsplit("/", 1)[1]
    iam = boto3_client("iam", REGION, url, role_arn)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=name, PolicyName="rosa-account", PolicyDocument=json.dumps(for_moto(document)))
