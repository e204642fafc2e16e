"""The plan-review comment from REAL plans of the session deployment (moto).

Each case plans, never applies: `terraform plan -out` and `terraform show -json` in a stack
directory, then `python -m modules.review` as the workflow runs it. Variants of
the e2e config are synthesized into directories of their own; their stacks use the same
S3 state keys as the deployment, so they plan against what is deployed. Plans take the
state lock for their few seconds like any plan (nothing else runs meanwhile), and
test_teardown.py, which runs after this module, finds the deployment as it was.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.review.markdown import MARKER
from modules.review.plan import DATA_RESOURCE_TYPES
from tests.conftest import ROOT, synth_stacks
from tests.e2e.world import AWS_STACKS, Deployment, register_oidc_provider
from tests.harness.terraform import terraform

pytestmark = pytest.mark.e2e

NO_RISK = "No resource that holds or reaches the data would be destroyed or replaced."
#: A master password no summary may ever show (TF_VAR_master_password in case d).
SECRET = "Pr-Review-7f3Kq9-DoNotShow"


def plan_to_json(stack_dir: Path, out: Path, env: dict[str, str]) -> Path:
    """`terraform plan -out` in `stack_dir`, then `terraform show -json` into `out/<stack>.json`."""
    out.mkdir(parents=True, exist_ok=True)
    planfile = out / f"{stack_dir.name}.tfplan"
    terraform(["plan", "-input=false", f"-out={planfile}"], cwd=stack_dir, env=env)
    shown = terraform(["show", "-json", str(planfile)], cwd=stack_dir, env=env)
    path = out / f"{stack_dir.name}.json"
    path.write_text(shown.stdout)
    return path


def plan_all(stack_dirs: list[Path], out: Path, env: dict[str, str], *, init_first: bool = False) -> list[Path]:
    """`plan_to_json` of every stack, two at a time (each stack has its own state and lock).

    With `init_first`, the stacks are initialised one after another first:
    Terraform's plugin cache is not safe for concurrent `init`s (two of them
    race to create the same cache directory and one fails).
    """
    if init_first:
        for stack_dir in stack_dirs:
            init(stack_dir, env)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda stack_dir: plan_to_json(stack_dir, out, env), stack_dirs))


def summarize(plans: list[Path], *args: str) -> str:
    """The comment, from the CLI exactly as the workflow runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "modules.review", *map(str, plans), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def variant(deployment: Deployment, work: Path, change: Callable[[dict[str, Any]], None]) -> tuple[Path, Path]:
    """(stacks dir, config file) of the e2e config changed by `change`, synthesized into `work`."""
    data = copy.deepcopy(yaml.safe_load(deployment.config_path.read_text()))
    change(data)
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    synth_stacks(data, work / "cdktf.out")
    return work / "cdktf.out" / "stacks", config


def init(stack_dir: Path, env: dict[str, str]) -> None:
    terraform(["init", "-input=false"], cwd=stack_dir, env=env)


def aws_stacks(stacks_dir: Path) -> list[Path]:
    """The stack directories the session deploys (`AWS_STACKS`; keycloak-* need Kubernetes)."""
    return sorted(
        p for p in stacks_dir.iterdir()
        if p.is_dir() and any(fnmatch.fnmatchcase(p.name, pattern) for pattern in AWS_STACKS)
    )


def counts(text: str) -> dict[str, str]:
    """{stack: what its counts line says} from the `- `stack`: ...` lines."""
    out = {}
    for line in text.splitlines():
        if line.startswith("- `") and "`: " in line:
            stack, said = line[3:].split("`: ", 1)
            out[stack] = said
    return out


def managed_changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        rc for rc in plan.get("resource_changes", [])
        if rc["mode"] == "managed" and rc["change"]["actions"] != ["no-op"]
    ]


def test_no_config_change_plans_no_changes_in_any_stack(deployment: Deployment, tmp_path: Path) -> None:
    stacks = aws_stacks(deployment.stack_dir("aurora").parent)
    assert [s.name for s in stacks] == [
        "access-rosa-partner", "access-rosa-site-a", "access-rosa-site-b",
        "aurora", "peering-rosa-partner", "peering-rosa-site-a", "peering-rosa-site-b",
    ]

    plans = plan_all(stacks, tmp_path, deployment.env)
    text = summarize(plans)

    lines = text.splitlines()
    assert lines[:2] == [MARKER, "## Terraform plan: 7 stacks, 0 with changes"]
    assert "[!CAUTION]" not in text
    assert NO_RISK in lines
    assert counts(text) == {stack.name: "no changes" for stack in stacks}
    assert "| resource | action |" not in text


def test_adding_a_rosa_cluster_only_creates_its_stacks(deployment: Deployment, tmp_path: Path) -> None:
    vpc_id = deployment.client("ec2").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    issuer = "https://oidc.op1.openshiftapps.com/e2e0site0c0000000000000000000003"
    register_oidc_provider(deployment.moto.url, issuer)

    def add_site_c(data: dict[str, Any]) -> None:
        data["rosa_clusters"].append(
            {"name": "rosa-site-c", "vpc": {"id": vpc_id}, "machine_cidr": "10.3.0.0/16", "oidc_issuer": issuer}
        )

    stacks, config = variant(deployment, tmp_path, add_site_c)
    names = [p.name for p in aws_stacks(stacks)]
    assert names == [
        "access-rosa-partner", "access-rosa-site-a", "access-rosa-site-b", "access-rosa-site-c",
        "aurora", "peering-rosa-partner", "peering-rosa-site-a", "peering-rosa-site-b", "peering-rosa-site-c",
    ]
    plans = plan_all([stacks / name for name in names], tmp_path / "plans", deployment.env, init_first=True)
    by_stack = {path.stem: json.loads(path.read_text()) for path in plans}
    created = {stack: managed_changes(by_stack[stack]) for stack in ("access-rosa-site-c", "peering-rosa-site-c")}
    assert all(changes and all(rc["change"]["actions"] == ["create"] for rc in changes) for changes in created.values())

    text = summarize(plans, "--config", str(config))

    lines = text.splitlines()
    assert lines[1] == "## Terraform plan: 9 stacks, 2 with changes"
    assert "[!CAUTION]" not in text
    assert NO_RISK in lines
    unchanged = {name: "no changes" for name in names if not name.endswith("site-c")}
    assert counts(text) == {
        **unchanged,
        "access-rosa-site-c": f"{len(created['access-rosa-site-c'])} to add, 0 to change, 0 to replace, 0 to destroy; "
        "outputs change: `bootstrap_role_arn`, `keycloak_role_arn`",
        "peering-rosa-site-c": f"{len(created['peering-rosa-site-c'])} to add, 0 to change, 0 to replace, 0 to destroy; "
        "outputs change: `machine_cidr`, `peering_connection_id`, `rosa_vpc_id`",
    }
    rows = [line for line in lines if line.startswith("| `")]
    all_created = [rc for changes in created.values() for rc in changes]
    assert sorted(row.split(" | ")[0][3:-1] for row in rows) == sorted(rc["address"] for rc in all_created)
    assert all(row.split(" | ")[1] == "create" for row in rows)
    types = {rc["type"] for rc in all_created}
    assert {"aws_vpc_peering_connection", "aws_route", "aws_vpc_security_group_ingress_rule", "aws_iam_role"} <= types
    # Keycloak's credentials for the new cluster: its pod roles, named in the notice
    roles = sorted(rc["address"] for rc in created["access-rosa-site-c"] if rc["type"] == "aws_iam_role")
    assert [line for line in lines if line.startswith("> - `access-rosa-site-c`")] == [
        f"> - `access-rosa-site-c`: `{address}` created" for address in roles
    ]
    # the topology of the variant shows the new cluster and its peering
    assert '"ROSA rosa-site-c · eu-west-1"' in text and f"VPC found by id<br>{vpc_id}" in text
    assert text.count('-->|"peering-rosa-site-') == 3


def _rename(data: dict[str, Any], *, protected: bool) -> None:
    data["aurora"]["name"] = "keycloak-aurora-renamed"
    # With protection on (the default), prevent_destroy makes Terraform refuse this plan
    # outright (see the next test); off, the plan shows the replacement the warning is about.
    data["aurora"]["deletion_protection"] = protected


def test_renaming_the_cluster_warns_of_its_replacement(deployment: Deployment, tmp_path: Path) -> None:
    stacks, _ = variant(deployment, tmp_path, lambda data: _rename(data, protected=False))
    init(stacks / "aurora", deployment.env)
    plan_path = plan_to_json(stacks / "aurora", tmp_path / "plans", deployment.env)
    plan = json.loads(plan_path.read_text())
    (cluster,) = [rc for rc in plan["resource_changes"] if rc["type"] == "aws_rds_cluster"]
    assert cluster["change"]["actions"] == ["delete", "create"]
    assert ["cluster_identifier"] in cluster["change"]["replace_paths"]
    forced_by = sorted(".".join(map(str, path)) for path in cluster["change"]["replace_paths"])

    text = summarize([plan_path])

    lines = text.splitlines()
    assert lines[3] == "> [!CAUTION]"
    assert lines[4].startswith("> **Data at risk: ")
    # the lines of that block (the notices after it have lines of their own: the renamed
    # cluster's alarms, for one)
    warnings = [line for line in lines[5:lines.index("", 5)] if line.startswith("> - ")]
    assert f"> - `aurora`: `{cluster['address']}` will be **replaced**, forced by " + ", ".join(
        f"`{p}`" for p in forced_by
    ) in warnings
    assert warnings[0].startswith(f"> - `aurora`: `{cluster['address']}`")  # the database first
    at_risk = {rc["address"] for rc in plan["resource_changes"]
               if "delete" in rc["change"]["actions"] and rc["type"] in DATA_RESOURCE_TYPES}
    assert sorted(w.split("`")[3] for w in warnings) == sorted(at_risk)
    replaced = sum(set(rc["change"]["actions"]) == {"delete", "create"} for rc in managed_changes(plan))
    assert counts(text)["aurora"].split(", ")[2] == f"{replaced} to replace"
    assert text.index("> [!CAUTION]") < text.index("**Changes per stack**")


def test_renaming_a_protected_cluster_fails_the_plan_and_the_summary_says_so(
    deployment: Deployment, tmp_path: Path
) -> None:
    stacks, _ = variant(deployment, tmp_path, lambda data: _rename(data, protected=True))
    stack_dir, planfile = stacks / "aurora", tmp_path / "aurora.tfplan"
    init(stack_dir, deployment.env)
    failed = terraform(["plan", "-input=false", f"-out={planfile}"], cwd=stack_dir, env=deployment.env, ok_codes=(1,))
    assert "prevent_destroy" in failed.stderr
    # Terraform saves the errored plan; the workflow summarizes it as well as failing.
    shown = terraform(["show", "-json", str(planfile)], cwd=stack_dir, env=deployment.env)
    plan = json.loads(shown.stdout)
    assert plan["errored"] is True
    plan_path = tmp_path / "aurora.json"
    plan_path.write_text(shown.stdout)

    text = summarize([plan_path], "--failed", "aurora")

    lines = text.splitlines()
    assert lines[3:5] == [
        "> [!CAUTION]",
        "> **The plan failed for `aurora`.** What this comment shows of it is incomplete at best; read the job log.",
    ]
    assert counts(text)["aurora"].startswith("**plan failed**; planned before failing: ")
    # What the plan wanted before prevent_destroy stopped it is still shown, database first.
    (cluster,) = [rc for rc in managed_changes(plan) if rc["type"] == "aws_rds_cluster"]
    warnings = [line for line in lines if line.startswith("> - ")]
    assert warnings[0].startswith(f"> - `aurora`: `{cluster['address']}` will be **replaced**, forced by ")
    assert "`cluster_identifier`" in warnings[0]


def test_a_sensitive_change_never_shows_its_value(deployment: Deployment, tmp_path: Path) -> None:
    def variable_password(data: dict[str, Any]) -> None:
        data["aurora"]["master_password"] = "variable"
        data["keycloak"] = {"credentials": "copy"}  # iam reads the RDS-managed secret

    stacks, _ = variant(deployment, tmp_path, variable_password)
    env = {**deployment.env, "TF_VAR_master_password": SECRET}
    init(stacks / "aurora", env)
    plan_path = plan_to_json(stacks / "aurora", tmp_path / "plans", env)
    # The plan JSON does hold the password, so the summary has something to leave out.
    in_plan = SECRET in plan_path.read_text()
    assert in_plan, "the plan JSON should carry the variable's value"

    text = summarize([plan_path])

    leaked = SECRET in text
    assert not leaked, "the summary shows the master password"  # checked before anything prints `text`
    plan = json.loads(plan_path.read_text())
    (cluster,) = [rc for rc in plan["resource_changes"] if rc["type"] == "aws_rds_cluster"]
    assert cluster["change"]["actions"] == ["update"]
    (row,) = [line for line in text.splitlines() if line.startswith(f"| `{cluster['address']}` |")]
    assert row.startswith(f"| `{cluster['address']}` | update | ")
    assert "`master_password` (sensitive)" in row
    assert NO_RISK in text.splitlines()
    # Keycloak's password changes, and RDS drops the secret it managed: said up front.
    assert (f"> - `aurora`: `{cluster['address']}` changes `manage_master_user_password`, `master_password`"
            " (turning it off makes RDS delete the master secret it managed)") in text.splitlines()

