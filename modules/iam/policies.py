"""The IAM policy documents of a deployment, generated from its synthesized stacks and the
table in `actions.py`:

* `deploy-*`: the deploy role (`AWS_DEPLOY_ROLE_ARN`: `make preflight`, `make deploy`, `make destroy`):
  create, read, update, delete, tag and import what every AWS stack holds, in the
  deployment's own account; write and read the state. Split by service into documents
  that each fit a managed policy (6,144 characters).
* `plan`: the plan role (`AWS_PLAN_ROLE_ARN`, pull-request plans and the drift check):
  the read actions of the same rows, and reading the state objects. No lock (those plans
  run with `-lock=false`), no `secretsmanager:GetSecretValue`, no `kms:Decrypt` (but
  through S3, for state objects in a bucket encrypted with the state stack's key).
* `rosa-account-<cluster>`: the role `rosa_clusters[].role_arn` in a ROSA cluster's own
  account: find its VPC, request the peering, route to Aurora.
* `preflight`, `find-vpc`, `recover`: the boto3 commands (`commands.py`).

Every statement names ARN patterns of the deployment's names (`scopes.py`), but for the
actions AWS authorizes on no resource (`actions.UNSCOPED`, `"*"`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modules.config import DeploymentConfig
from modules.iam import actions as table
from modules.iam.scopes import Scopes, deployment_tag, partition
from modules.iam.stacks import Use, backend, remote_states, uses
from modules.naming import AURORA_SECONDARY_STACK_ID

VERSION = "2012-10-17"
#: AWS's limit on a managed policy's size (characters, whitespace not counted).
MANAGED_POLICY_LIMIT = 6144

#: Actions granted only on the scope named here, and no other scope is given them.
ONLY_ON = {
    "iam:PassRole": "iam:passed-role",
    "iam:AttachRolePolicy": "iam:role-with-policy",
    "iam:DetachRolePolicy": "iam:role-with-policy",
    "iam:CreateServiceLinkedRole": "iam:rds-service-role",
}
#: Actions that must request the deployment tag (`aws:RequestTag`).
REQUEST_TAGGED = frozenset({"kms:CreateKey"})
#: The services of each deploy document (order: the documents' order).
DEPLOY_DOCUMENTS = {
    "deploy-network": ("ec2",),
    "deploy-database": ("rds", "logs", "secretsmanager"),
    "deploy-keys": ("kms",),
    "deploy-monitoring": ("cloudwatch", "sns"),
    "deploy-identity": ("iam", "sts"),
    "deploy-state": ("s3", "dynamodb"),
}


class UnknownType(LookupError):
    """A synthesized stack uses an AWS type that `actions.py` has no row for."""


@dataclass
class Grants:
    """Actions per (resources, condition): what becomes the statements of one document."""

    _by_target: dict[tuple[tuple[str, ...], str], set[str]] = field(default_factory=dict)

    def add(self, actions: Iterable[str], resources: Sequence[str], condition: Mapping[str, Any] | None = None) -> None:
        key = (tuple(sorted(set(resources))), json.dumps(condition or {}, sort_keys=True))
        self._by_target.setdefault(key, set()).update(actions)

    def merge(self, other: Grants) -> None:
        for (resources, condition), found in other._by_target.items():
            self.add(found, resources, json.loads(condition))

    def actions(self) -> set[str]:
        return {action for found in self._by_target.values() for action in found}

    def only(self, services: Sequence[str]) -> Grants:
        """The grants of actions of `services`."""
        kept = Grants()
        for (resources, condition), found in self._by_target.items():
            mine = {a for a in found if a.split(":", 1)[0] in services}
            if mine:
                kept.add(mine, resources, json.loads(condition))
        return kept

    def document(self) -> dict[str, Any]:
        """The policy document: each (action, resource, condition) granted once, in as few
        statements as that allows (one per set of actions sharing resources and condition)."""
        per_resource: dict[tuple[str, str], set[str]] = {}
        for (resources, condition), found in self._by_target.items():
            for resource in resources:
                per_resource.setdefault((resource, condition), set()).update(found)
        grouped: dict[tuple[tuple[str, ...], str], list[str]] = {}
        for (resource, condition), found in per_resource.items():
            grouped.setdefault((tuple(sorted(found)), condition), []).append(resource)
        statements = []
        names: dict[str, int] = {}
        for (found, condition), resources in sorted(grouped.items(), key=lambda kv: (kv[0][0][0], kv[0])):
            services = sorted({a.split(":", 1)[0] for a in found})
            base = "".join(s.title().replace("-", "") for s in services) + _label(resources, json.loads(condition))
            names[base] = names.get(base, 0) + 1
            statement: dict[str, Any] = {
                "Sid": base if names[base] == 1 else f"{base}{names[base]}",
                "Effect": "Allow",
                "Action": list(found) if len(found) > 1 else found[0],
                "Resource": sorted(resources) if len(resources) > 1 else resources[0],
            }
            if json.loads(condition):
                statement["Condition"] = json.loads(condition)
            statements.append(statement)
        return {"Version": VERSION, "Statement": statements}


def _label(resources: Sequence[str], condition: Mapping[str, Any]) -> str:
    if list(resources) == ["*"]:
        return "AnyResource" if not condition else "AnyResourceTagged"
    keys = {key for test in condition.values() for key in test}
    if any(key.endswith("keycloak-aurora:deployment") for key in keys):
        return "DeploymentTagged"
    return "Scoped" if not condition else "Conditioned"


def row(use: Use) -> table.Actions:
    """The table row of a use; `UnknownType` when there is none."""
    rows = {"resource": table.RESOURCES, "data": table.DATA_SOURCES, "ephemeral": table.EPHEMERAL}[use.kind]
    if use.type not in rows:
        raise UnknownType(
            f"{use.kind} type {use.type} (stack {use.stack}) has no row in modules/iam/actions.py: add the IAM "
            "actions Terraform calls for it, or the deploy role will be refused them"
        )
    return rows[use.type]


def _grant(grants: Grants, actions: Iterable[str], use: Use, entry: table.Actions, scopes: Scopes,
           *, name: str) -> None:
    """Add `actions` of `entry` on the scopes of `use`'s row to `grants`."""
    for action in actions:
        service = action.split(":", 1)[0]
        if action in table.UNSCOPED:
            condition = deployment_tag(name, request=True) if action in REQUEST_TAGGED else None
            grants.add([action], ["*"], condition)
            continue
        kinds = [k for k in entry.scope if k.split(":", 1)[0] == service]
        only = ONLY_ON.get(action)
        kinds = [k for k in kinds if k == only] if only else [k for k in kinds if k not in ONLY_ON.values()]
        if not kinds:
            raise UnknownType(f"{action} of {use.type} has no scope of service {service} in modules/iam/actions.py")
        for kind in kinds:
            scope = scopes.scope(kind, use.bodies)
            if scope is None:
                continue
            condition = scope.condition
            if action in table.DESTROY_IF_TAGGED and scope.tagged:
                condition = deployment_tag(name)
            grants.add([action], scope.resources, condition or None)


@dataclass
class Derived:
    """Grants of each principal, derived from the stacks of one or more syntheses."""

    config: DeploymentConfig
    account: str
    deploy: Grants = field(default_factory=Grants)
    plan: Grants = field(default_factory=Grants)
    #: Role ARN of a ROSA cluster's account -> its grants (reads and writes).
    rosa_roles: dict[str, Grants] = field(default_factory=dict)

    def add_stacks(self, stacks: Mapping[str, Mapping[str, Any]]) -> None:
        """Add what `stacks` ({stack id: synthesized JSON}) need."""
        name = self.config.aurora.name
        # The secondary's resources are named after it (issue #25).
        secondary = self.config.aurora.secondary_cluster() if self.config.aurora.secondary is not None else None
        for use in uses(stacks):
            entry = row(use)
            account = use.role_arn.split(":")[4] if use.role_arn else self.account
            cluster = secondary if use.stack == AURORA_SECONDARY_STACK_ID else None
            scopes = Scopes(self.config, region=use.region, account=account, cluster=cluster)
            if use.role_arn:
                target = self.rosa_roles.setdefault(use.role_arn, Grants())
                _grant(target, [*entry.read, *entry.write], use, entry, scopes, name=name)
                for principal in (self.deploy, self.plan):
                    principal.add(["sts:AssumeRole"], [use.role_arn])
                continue
            _grant(self.deploy, [*entry.read, *entry.write], use, entry, scopes, name=name)
            if use.kind != "ephemeral":
                _grant(self.plan, entry.read, use, entry, scopes, name=name)
        for stack in stacks.values():
            self._state(stack)

    def _state(self, stack: Mapping[str, Any]) -> None:
        """Reading and writing a stack's own state, reading the states it reads outputs from."""
        own = backend(stack)
        if own is not None and own[0] == "s3":
            self._s3_state(own[1], write=True)
        for kind, settings in remote_states(stack):
            if kind == "s3":
                self._s3_state(settings, write=False)

    def _s3_state(self, settings: Mapping[str, Any], *, write: bool) -> None:
        s3 = self.config.state.s3_settings
        region = str(settings.get("region") or self.config.state_region)
        part = partition(region)
        bucket = f"arn:{part}:s3:::{settings['bucket']}"
        objects = f"{bucket}/{s3.key_prefix.strip('/')}/*"
        for principal in (self.deploy, self.plan):
            principal.add(["s3:ListBucket"], [bucket])
            principal.add(["s3:GetObject"], [objects])
        if write:
            # The state object, and the lock file next to it (`use_lockfile`).
            self.deploy.add(["s3:PutObject", "s3:DeleteObject"], [objects])
        table_name = settings.get("dynamodb_table")
        if table_name:
            table_arn = f"arn:{part}:dynamodb:{region}:{self.account}:table/{table_name}"
            # The backend reads the state's digest item on every state read.
            for principal in (self.deploy, self.plan):
                principal.add(["dynamodb:GetItem"], [table_arn])
            if write:
                self.deploy.add(["dynamodb:PutItem", "dynamodb:DeleteItem"], [table_arn])
        if self.config.state.s3_settings.bootstrap:
            # The state stack's bucket encrypts with its own key (SSE-KMS): S3 decrypts the
            # state objects with the reader's permission, so both roles may use that key
            # through S3, and for objects of this bucket only.
            condition = {"StringEquals": {"kms:ViaService": [f"s3.{region}.amazonaws.com"]},
                         "ArnLike": {"kms:EncryptionContext:aws:s3:arn": [f"{bucket}/*"]}}
            key = f"arn:{part}:kms:{region}:{self.account}:key/*"
            self.plan.add(["kms:Decrypt"], [key], condition)
            self.deploy.add(["kms:Decrypt", "kms:GenerateDataKey"], [key], condition)


def deploy_documents(grants: Grants) -> dict[str, dict[str, Any]]:
    """The deploy role's documents, one per group of services (empty ones left out). A
    group over the managed-policy size limit (a global database's second region adds its
    ARNs) is split into one document per service, `<name>-<service>`."""
    documents = {}
    covered: set[str] = set()
    for name, services in DEPLOY_DOCUMENTS.items():
        part = grants.only(services)
        covered |= set(services)
        if not part.actions():
            continue
        document = part.document()
        if size(document) <= MANAGED_POLICY_LIMIT or len(services) == 1:
            documents[name] = document
            continue
        for service in services:
            alone = grants.only((service,))
            if alone.actions():
                documents[f"{name}-{service}"] = alone.document()
    missing = {a.split(":", 1)[0] for a in grants.actions()} - covered
    if missing:
        raise UnknownType(f"services {', '.join(sorted(missing))} belong to no document of DEPLOY_DOCUMENTS")
    return documents


def size(document: Mapping[str, Any]) -> int:
    """A document's size as AWS counts it against the quota (no whitespace)."""
    return len(json.dumps(document, separators=(",", ":")))
