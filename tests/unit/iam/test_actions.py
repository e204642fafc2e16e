"""The table covers every AWS type the stacks use, a type it lacks stops the generator, and
the generated documents keep the roles apart."""

from __future__ import annotations

import json
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from modules.iam import actions
from modules.iam.github import SUBJECTS, deploy_role_name, plan_role_name
from modules.iam.policies import UnknownType, row
from modules.iam.stacks import uses
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


def _golden_stacks() -> dict[str, dict[str, Any]]:
    return {f"{d.name}/{f.name}": json.loads(f.read_text()) for d in sorted(GOLDEN.iterdir()) if d.is_dir()
            for f in sorted(d.glob("*.tf.json"))}


def test_every_aws_type_of_every_golden_stack_has_a_row() -> None:
    # GIVEN every synthesized stack of every config under config/ (tests/golden)
    missing = []
    for name, stack in _golden_stacks().items():
        for use in uses({name: stack}):
            try:
                row(use)
            except UnknownType as err:
                missing.append(str(err))
    # THEN the table knows every type they use
    assert missing == []


def test_every_aws_type_of_each_credentials_mode_has_a_row(generated) -> None:
    # The generator synthesizes every mode and raises on a type without a row: generating
    # the policies of every config is the check (the fixture did it).
    assert {"deploy-network", "deploy-database", "plan"} <= set(generated["example.yaml"].documents)


def test_a_resource_type_without_a_row_stops_the_generator(synth, example_data) -> None:
    # GIVEN a stack that gained a type the table does not know (a Lambda function, say)
    from modules.config import parse_config
    from modules.iam.generate import derive

    stacks = synth(example_data)
    stacks["aurora"]["resource"]["aws_lambda_function"] = {"rotator": {"function_name": "x"}}
    # WHEN the policies are derived THEN the error names the type, the stack and the table
    with pytest.raises(UnknownType, match=r"resource type aws_lambda_function \(stack aurora\).*"
                                          r"modules/iam/actions.py"):
        derive(parse_config(example_data), {"iam": stacks})


def test_aurora_and_peering_stacks_are_the_same_in_every_credentials_mode(example_data, tmp_path: Path) -> None:
    # So the end-to-end world plans them in one mode only (tests/e2e/test_least_privilege.py).
    from modules.iam.generate import mode_configs, synthesize

    configs, refused = mode_configs(example_data)
    assert refused == {}
    stacks = {mode: synthesize(config, tmp_path / mode) for mode, config in configs.items()}
    for stack_id in stacks["iam"]:
        if stack_id == "aurora" or stack_id.startswith("peering-"):
            assert stacks["copy"][stack_id] == stacks["iam"][stack_id] == stacks["external-secrets"][stack_id]
    assert not any(s.startswith("access-") for s in stacks["copy"])


def test_rows_list_each_action_once_and_write_actions_are_not_reads() -> None:
    for name, entry in {**actions.RESOURCES, **actions.DATA_SOURCES, **actions.EPHEMERAL}.items():
        listed = [*entry.read, *entry.write]
        assert len(listed) == len(set(listed)), name
        assert not set(entry.read) & {"secretsmanager:GetSecretValue", "kms:Decrypt"}, name


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["Statement"]


def test_the_deploy_role_cannot_change_the_workflow_roles(generated) -> None:
    # GIVEN the roles the workflows assume
    for config, policies in generated.items():
        if not policies.roles:
            continue  # a derived document set without roles (the monitoring rows)
        name = policies.roles["resource"]["aws_iam_role"]["deploy"]["name"].removeprefix("github-").removesuffix("-deploy")
        targets = [f"arn:aws:iam::123456789012:role/{deploy_role_name(name)}",
                   f"arn:aws:iam::123456789012:role/{plan_role_name(name)}"]
        identity = policies.documents["deploy-identity"]
        for statement in _statements(identity):
            names = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            if all(a.split(":", 1)[1].startswith(("Get", "List")) for a in names):
                continue  # reading
            resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
            # THEN no IAM statement of the deploy role that writes names them
            for target in targets:
                assert not any(fnmatchcase(target, r) for r in resources), f"{config}: {statement['Sid']} reaches {target}"


def test_the_roles_trust_exactly_the_workflows_subjects(generated) -> None:
    roles = generated["example.yaml"].roles["resource"]["aws_iam_role"]
    for role in ("plan", "deploy"):
        trust = json.loads(roles[role]["assume_role_policy"])
        (statement,) = trust["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"]["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
        subjects = statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"]
        assert subjects == [s.replace("<repo>", "${var.github_repository}") for s in SUBJECTS[role]]
        assert not any("*" in s for s in subjects)
    assert SUBJECTS["deploy"] == ("repo:<repo>:environment:production",)


def test_the_roles_configuration_passes_checkov(generated, tmp_path: Path) -> None:
    # GIVEN the Terraform configuration `make iam-policies` writes, policies embedded
    (tmp_path / "roles.tf.json").write_text(json.dumps(generated["example.yaml"].roles))
    command = [sys.executable, "-m", "checkov.main", "--directory", str(tmp_path), "--framework", "terraform_json",
               "--output", "json", "--quiet", "--compact", "--skip-download"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [f"{c['check_id']} {c['check_name']} ({c['resource']})" for r in reports for c in r["results"]["failed_checks"]]
    passed = sum(r["summary"]["passed"] for r in reports)
    # THEN checkov's IAM checks (wildcards, privilege escalation, exposure, ...) find nothing
    assert failed == []
    assert passed > 10
