"""Issue #23, end to end on a moto world of its own with IAM enforcement on: the generated
policies are enough, and no more than that is needed, for what each role runs.

moto checks actions (and S3 ARNs), not other ARNs or conditions (`tests/harness/moto_iam.py`):
those are checked in `tests/unit/iam/`. The world (xdist group `least-privilege`), in file order:

1. `make iam-policies`' documents for the e2e config (two ROSA clusters, one in another
   account and region through `role_arn`) are loaded into moto: user `deployer` holds the deploy
   documents, `planner` the plan document, one user each the preflight, find-vpc and
   recover documents; the partner account's role holds the ROSA-account document. Then
   enforcement goes on: every later request is checked, the world's own included (as
   `admin`, who holds `*`).
2. `planner` cannot deploy: the first write is refused (AccessDenied).
3. `deployer` deploys aurora, every peering (the partner's through its role) and access
   stack with `python -m modules.run deploy` (make deploy), and re-plans them clean.
4. `planner` plans every AWS stack in each `keycloak.credentials` mode (what `iam` does
   not have: external-secrets' access stacks), and the copy mode's secret read, on the aws
   provider alone, stays out of its plan; moto's request log shows no GetSecretValue and
   no Decrypt during any plan.
5. preflight, find-vpc and recover succeed with their own policies.
6. Taking one of a sample of actions out of the deploy documents makes the plan or the
   destroy that needs it fail, naming it.
7. `deployer` lifts deletion protection and destroys everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modules.iam.generate import Policies, generate
from tests.conftest import ROOT
from tests.e2e.world import (
    AWS_STACKS,
    NODE_DNS,
    PARTNER_ROLE,
    WITHOUT_KEYCLOAK_STACKS,
    Deployment,
    build_rosa_vpcs,
    e2e_config,
    new_world,
)
from tests.harness.moto import MotoServer
from tests.harness.moto_iam import (
    Principal,
    create_user,
    enforce_iam,
    replace_policy,
    role_in_account,
    without_action,
)
from tests.harness.terraform import terraform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("least-privilege")]

#: moto's default account: the database's.
ACCOUNT = "123456789012"
ADMIN = {"admin": {"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "*",
                                                            "Resource": "*"}]}}
#: Requests that would read a secret value.
SECRET_READS = {"secretsmanager.GetSecretValue", "TrentService.Decrypt"}


class World:
    """The deployment, its policies and its principals."""

    def __init__(self, deployment: Deployment, policies: Policies, users: dict[str, Principal]) -> None:
        self.d = deployment
        self.policies = policies
        self.users = users
        self.timings: dict[str, float] = {}

    def run(self, user: str, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m modules.run <command>` (make plan / deploy / destroy) as `user`."""
        started = time.monotonic()
        result = subprocess.run(self.d.runner_argv(command, *args), cwd=ROOT,
                                env=self.users[user].env(self.d.runner_env()), capture_output=True, text=True,
                                timeout=900, stdin=subprocess.DEVNULL)
        self.timings[f"{user} {command} {' '.join(args)}"] = time.monotonic() - started
        print(result.stdout[-4000:], result.stderr[-2000:])
        return result

    def command(self, user: str, *argv: str) -> subprocess.CompletedProcess[str]:
        """`python -m <argv>` (a boto3 command) as `user`."""
        return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env=self.users[user].env(self.d.env),
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)

    def admin(self, service: str, region: str = "eu-west-1") -> Any:
        return self.users["admin"].client(service, self.d.moto.url, region)

    def secret_reads(self) -> list[str]:
        """GetSecretValue or Decrypt requests moto served since recording started."""
        targets = [(entry.get("headers") or {}).get("X-Amz-Target", "") for entry in self.d.moto.recorded_requests()]
        return [target for target in targets if target in SECRET_READS]


@pytest.fixture(scope="module")
def world(terraform_env: dict[str, str], example_data: dict[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("least-privilege")
    started = time.monotonic()
    with MotoServer.start(log_dir=work) as moto:
        data = e2e_config(example_data, moto.url, partner=True)
        # rosa-site-a (same account and region: auto_accept) and rosa-partner (another
        # account and region: a request there, an accepter here) cover every peering type;
        # rosa-site-b (another region) would add time, not types.
        data["rosa_clusters"] = [r for r in data["rosa_clusters"] if r["name"] != "rosa-site-b"]
        d = new_world(moto, terraform_env, work, data, rosa=build_rosa_vpcs(moto.url, partner=True))
        d.client("s3").put_bucket_versioning(Bucket=data["state"]["s3"]["bucket"],
                                             VersioningConfiguration={"Status": "Enabled"})
        policies = generate(data, account=ACCOUNT)
        documents = policies.documents
        deploy = {stem: doc for stem, doc in documents.items() if stem.startswith("deploy-")}
        users = {
            "admin": create_user(moto.url, "admin", ADMIN),
            "deployer": create_user(moto.url, "deployer", deploy),
            "planner": create_user(moto.url, "planner", {"plan": documents["plan"]}),
            **{name: create_user(moto.url, name, {name: documents[name]}) for name in ("preflight", "find-vpc", "recover")},
        }
        trusted = [f"arn:aws:iam::{ACCOUNT}:user/{name}" for name in ("deployer", "planner", "preflight", "find-vpc")]
        role_in_account(moto.url, PARTNER_ROLE, documents["rosa-account-rosa-partner"], trusted)
        enforce_iam(moto.url)
        w = World(d, policies, users)
        w.timings["setup"] = time.monotonic() - started
        yield w
        print("timings (s):", json.dumps({k: round(v, 1) for k, v in w.timings.items()}, indent=1))
        print(f"world: {time.monotonic() - started:.0f} s")


def test_enforcement_is_on(world: World) -> None:
    # GIVEN enforcement WHEN the harness's default credentials ask THEN moto refuses them
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        world.d.client("ec2").describe_vpcs()
    assert world.admin("ec2").describe_vpcs()["Vpcs"]


def test_plan_role_cannot_deploy(world: World) -> None:
    # WHEN the plan role runs `make deploy STACKS=aurora`
    result = world.run("planner", "deploy", "aurora", "--auto-approve")
    # THEN the first write is refused: the state lock file (plans of the plan role run
    # with -lock=false), before anything is created
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Error acquiring the state lock" in output and "S3: PutObject" in output, output[-3000:]
    assert "api error AccessDenied" in output
    assert "deploy aurora: failed" in output
    assert not world.admin("rds").describe_db_clusters()["DBClusters"]


def test_deploy_role_deploys_every_aws_stack(world: World) -> None:
    result = world.run("deployer", "deploy", *AWS_STACKS, "--auto-approve")
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert world.admin("rds").describe_db_clusters()["DBClusters"][0]["Status"] == "available"
    peerings = world.admin("ec2").describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert any(p["Status"]["Code"] == "active" for p in peerings)


def test_deploy_role_replans_clean(world: World) -> None:
    result = world.run("deployer", "plan", *AWS_STACKS, "--detailed-exitcode", "--plans-dir",
                       str(world.d.outdir.parent / "plans-deployer"), "--summary",
                       str(world.d.outdir.parent / "summary-deployer.md"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]


#: The AWS stacks each mode adds to what `iam` planned: aurora and the peering stacks are the
#: same in every mode (`tests/unit/iam/test_actions.py`), `copy` has no access stacks, and
#: its keycloak stacks' AWS side is planned below (their Kubernetes side needs a cluster).
MODE_STACKS = {"iam": AWS_STACKS, "external-secrets": ("access-*",)}


@pytest.mark.parametrize("mode", list(MODE_STACKS))
def test_plan_role_plans_every_aws_stack_without_reading_a_secret(world: World, mode: str) -> None:
    # GIVEN the deployed world, its config switched to `mode`
    data = world.d.config()
    data["keycloak"] = {**data.get("keycloak", {}), "credentials": mode}
    world.d.write_config(data)
    world.d.moto.start_recording()
    try:
        # WHEN the plan role plans the mode's AWS stacks, as the workflows do
        result = world.run("planner", "plan", *MODE_STACKS[mode], "--no-lock", "--detailed-exitcode",
                           "--plans-dir", str(world.d.outdir.parent / f"plans-{mode}"), "--summary",
                           str(world.d.outdir.parent / f"summary-{mode}.md"))
    finally:
        reads = world.secret_reads()
        world.d.moto.stop_recording()
        data["keycloak"]["credentials"] = "iam"
        world.d.write_config(data)
    # THEN every plan succeeds (2: external-secrets swaps the access stacks' roles)
    assert result.returncode == (2 if mode == "external-secrets" else 0), (result.stdout + result.stderr)[-6000:]
    # AND nothing read a secret value
    assert reads == []


def test_copy_mode_reads_the_secret_while_applying_never_while_planning(world: World, tmp_path: Path) -> None:
    """The copy mode's mechanism (`modules/keycloak/secret.py`) with the aws provider only:
    the same ephemeral read and revision feeding an SSM parameter's write-only value (the
    keycloak stack's Kubernetes Secret needs a cluster). The plan role, which may not read
    the secret, plans it; the read happens while applying."""
    from modules.keycloak.secret import APPLY_TIME_ONLY

    secret_arn = world.admin("rds").describe_db_clusters()["DBClusters"][0]["MasterUserSecret"]["SecretArn"]
    current = ('one([for v in data.aws_secretsmanager_secret_versions.master.versions : v.created_time '
               'if contains(v.version_stages, "AWSCURRENT")])')
    config = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
        "provider": {"aws": {"region": "eu-west-1", "skip_credentials_validation": True,
                             "skip_requesting_account_id": True, "skip_metadata_api_check": "true",
                             "endpoints": [{"secretsmanager": world.d.moto.url, "ssm": world.d.moto.url}]}},
        "data": {"aws_secretsmanager_secret_versions": {"master": {"secret_id": secret_arn}}},
        "ephemeral": {"aws_secretsmanager_secret_version": {"master": {
            "secret_id": f"{APPLY_TIME_ONLY}{secret_arn}", "version_stage": "AWSCURRENT"}}},
        "resource": {"aws_ssm_parameter": {"copy": {
            "name": "copy-of-the-master-password", "type": "SecureString",
            "value_wo": "${jsondecode(ephemeral.aws_secretsmanager_secret_version.master.secret_string).password}",
            "value_wo_version": f'${{parseint(formatdate("YYYYMMDDhhmmss", {current}), 10)}}'}}},
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    terraform(["init", "-input=false"], cwd=tmp_path, env=world.d.env)
    world.d.moto.start_recording()
    plan = terraform(["plan", "-input=false", "-out=copy.tfplan"], cwd=tmp_path,
                     env=world.users["planner"].env(world.d.env), ok_codes=(0, 1))
    planned_reads = world.secret_reads()
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    assert "Configuration unknown, deferring" in plan.stdout
    assert planned_reads == []
    world.d.moto.start_recording()
    terraform(["apply", "-input=false", "copy.tfplan"], cwd=tmp_path, env=world.users["admin"].env(world.d.env))
    assert "secretsmanager.GetSecretValue" in world.secret_reads()
    world.d.moto.stop_recording()
    value = world.admin("ssm").get_parameter(Name="copy-of-the-master-password", WithDecryption=True)
    stored = world.admin("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    assert value["Parameter"]["Value"] == json.loads(stored)["password"]


@pytest.mark.parametrize("user", ["preflight", "deployer"])
def test_preflight_with_its_policy(world: World, user: str) -> None:
    # deploy.yml runs `make preflight` with the deploy role before `make deploy`.
    result = world.command(user, "modules.preflight")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks passed" in result.stdout


def test_find_vpc_with_its_policy(world: World) -> None:
    result = world.command("find-vpc", "modules.peering.find_vpc", "--region", "eu-west-1", "--node", NODE_DNS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert world.d.rosa["rosa-site-a"].vpc_id in result.stdout


def test_recover_with_its_policy(world: World) -> None:
    result = world.command("recover", "modules.recover", "aurora", "peering-rosa-site-a", "access-rosa-site-a")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lock: none" in result.stdout and "error" not in result.stdout


#: (document, action, stack, command, what the failure says): an action of the deploy
#: documents, a run that needs it early (a plan's refresh or data source, a destroy's
#: first call), and the words naming it: the failed operation in the SDK's error
#: (`operation error RDS: DescribeDBClusters, ... StatusCode: 403`), which is the action's
#: name but for S3 (HeadObject is authorized as s3:GetObject). moto's AccessDenied message
#: names the action too, but the SDK parses it for EC2 only.
SAMPLE = [
    ("deploy-state", "s3:GetObject", "aurora", "plan", "S3: HeadObject"),
    ("deploy-database", "rds:DescribeDBClusters", "aurora", "plan", "RDS: DescribeDBClusters"),
    ("deploy-network", "ec2:DescribeVpcPeeringConnections", "peering-rosa-site-a", "plan",
     "EC2: DescribeVpcPeeringConnections"),
    ("deploy-identity", "iam:GetOpenIDConnectProvider", "access-rosa-site-a", "plan", "IAM: GetOpenIDConnectProvider"),
    ("deploy-identity", "iam:DeleteRolePolicy", "access-rosa-site-a", "destroy", "IAM: DeleteRolePolicy"),
    ("deploy-network", "ec2:DeleteRoute", "peering-rosa-site-a", "destroy", "EC2: DeleteRoute"),
]


@pytest.mark.parametrize(("document", "action", "stack", "command", "named"), SAMPLE, ids=[s[1] for s in SAMPLE])
def test_without_one_action_the_run_fails_naming_it(world: World, document: str, action: str, stack: str,
                                                    command: str, named: str) -> None:
    # GIVEN the deploy role without `action`
    deployer = world.users["deployer"]
    original = world.policies.documents[document]
    assert action in json.dumps(original)
    replace_policy(world.users["admin"], world.d.moto.url, deployer.policy_arns[document],
                   without_action(original, action))
    try:
        # WHEN it runs what needs the action
        args = ["--plans-dir", str(world.d.outdir.parent / "plans-sample"), "--summary",
                str(world.d.outdir.parent / "summary-sample.md")] if command == "plan" else \
            ["--auto-approve", WITHOUT_KEYCLOAK_STACKS]
        result = world.run("deployer", command, stack, *args)
    finally:
        replace_policy(world.users["admin"], world.d.moto.url, deployer.policy_arns[document], original)
    # THEN it fails, naming the action (Terraform wraps its messages: compare words)
    assert result.returncode == 1
    words = " ".join((result.stdout + result.stderr).split())
    assert f"operation error {named}" in words
    assert "StatusCode: 403" in words


def test_deploy_role_destroys_everything_after_lifting_protection(world: World) -> None:
    data = world.d.config()
    data["aurora"]["deletion_protection"] = False
    world.d.write_config(data)
    lifted = world.run("deployer", "deploy", "aurora", "--auto-approve")
    assert lifted.returncode == 0, (lifted.stdout + lifted.stderr)[-6000:]
    destroyed = world.run("deployer", "destroy", *AWS_STACKS, "--auto-approve", WITHOUT_KEYCLOAK_STACKS)
    assert destroyed.returncode == 0, (destroyed.stdout + destroyed.stderr)[-6000:]
    assert world.admin("rds").describe_db_clusters()["DBClusters"] == []
