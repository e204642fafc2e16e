"""The README's **First deploy**, walked as written by a newcomer, against a moto server of
its own: every command of the section's shell blocks, in order, in one shell, in a fresh
copy of the repository (no cdktf.out, no outputs, nothing rendered), with the config
exported once.

What the test does that a newcomer does by hand, and nothing more:

* the prerequisites of the checklist (the state bucket with versioning on, the ROSA VPCs,
  their nodes tagged with the cluster's id, their OIDC providers), built with boto3 as ROSA
  and an administrator would;
* "edit: names, CIDRs, ...": after the README's `cp config/example.yaml config/prod.yaml`,
  the file is replaced by the example pointed at moto (`e2e_config`);
* the one step that needs a Kubernetes API server, which these machines lack
  (`SKIPPED`), is not run; it is looked for, so the README cannot lose it unnoticed;
* `oc` is a stand-in that records what it is asked and answers the readiness check.

Everything else runs exactly as the README writes it: `make synth`, `make preflight`, the
plan before anything exists (green, listing what waits for aurora), the deploys, a second
plan, `make outputs`, `make render` and the `oc patch` the render prints.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.config.load import CONFIG_ENV
from modules.keycloak import crd
from modules.naming import ROSA_CLUSTER_ID_TAG
from tests.conftest import ROOT
from tests.e2e.failures import explain
from tests.e2e.world import STATE_BUCKET, Deployment, build_rosa_vpcs, e2e_config, new_world
from tests.harness.moto import MotoServer
from tests.unit.test_docs import blocks

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("first-deploy")]

README = ROOT / "README.md"
#: README commands not run here, and why: each must be in the section.
SKIPPED = {
    'make deploy STACKS="keycloak-*"': "no Kubernetes API server and no kubernetes provider on these machines",
}
#: The README's config copy, after which the newcomer edits the file.
CONFIG_COPY = "cp config/example.yaml config/prod.yaml"

FAKE_OC = f"""#!{sys.executable}
# `oc` stand-in: records each call; `patch` needs its patch file; `get` answers Ready=True.
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_OC_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if "patch" in args:
    patch_file = args[args.index("--patch-file") + 1]
    sys.exit(0 if os.path.isfile(patch_file) else 1)
if "get" in args:
    print("True")
"""


def section(text: str, title: str) -> tuple[int, int]:
    """(first line, end line) of the `## title` section, 0-based, end exclusive."""
    lines = text.splitlines()
    start = lines.index(f"## {title}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def first_deploy_commands() -> list[str]:
    """The shell commands of the README's First deploy section, as written, in order
    (comments kept: the shell drops them)."""
    start, end = section(README.read_text(encoding="utf-8"), "First deploy")
    commands: list[str] = []
    for block in blocks(README):
        if block.language != "sh" or not start < block.line - 1 < end:
            continue
        pending = ""
        for line in block.text.splitlines():
            pending += line
            if pending.endswith("\\"):
                pending += "\n"
                continue
            if pending.strip() and not pending.lstrip().startswith("#"):
                commands.append(pending.strip())
            pending = ""
    return commands


def words(command: str) -> list[str]:
    """The command as the shell splits it, its comment dropped."""
    return shlex.split(command, comments=True)


def find(commands: list[str], command: str) -> list[int]:
    """Indexes of `command` (compared as the shell reads it) among `commands`."""
    return [i for i, c in enumerate(commands) if words(c) == words(command)]


def fresh_copy(destination: Path) -> Path:
    """The repository as a fresh clone has it (tracked files and new files not ignored, as
    they are in the working tree), with the installed .venv and node_modules linked in."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for installed in (".venv", "node_modules"):
        (destination / installed).symlink_to((ROOT / installed).resolve())
    # make's `.venv/.synced: Pipfile.lock` rule: the copy's lock is not newer than the install
    os.utime(destination / "Pipfile.lock", (0, 0))
    return destination


@pytest.fixture(scope="module")
def walk(terraform_env: dict[str, str], example_data: dict[str, Any],
         tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The README's First deploy run once, start to end; what it left behind."""
    work = tmp_path_factory.mktemp("first-deploy")
    commands = first_deploy_commands()
    for skipped in SKIPPED:
        assert find(commands, skipped), f"the README's First deploy no longer has {skipped!r}: update SKIPPED"
    assert find(commands, CONFIG_COPY)
    with MotoServer.start(log_dir=work) as moto:
        rosa = build_rosa_vpcs(moto.url)
        data = e2e_config(example_data, moto.url)
        # rosa-site-a found by its cluster id, as the example does: ROSA tags its nodes with it
        example_site_a = next(r for r in example_data["rosa_clusters"] if r["name"] == "rosa-site-a")
        data["rosa_clusters"][0]["vpc"] = dict(example_site_a["vpc"])
        world = new_world(moto, terraform_env, work, data, rosa)  # the state bucket, nothing deployed
        ec2 = world.client("ec2")
        nodes = [i["InstanceId"] for r in ec2.describe_instances(
            Filters=[{"Name": "vpc-id", "Values": [rosa["rosa-site-a"].vpc_id]}])["Reservations"] for i in r["Instances"]]
        ec2.create_tags(Resources=nodes, Tags=[{"Key": ROSA_CLUSTER_ID_TAG, "Value": example_site_a["vpc"]["cluster_id"]}])
        world.client("s3").put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        checkout = fresh_copy(work / "keycloak-aurora")
        bin_dir = work / "bin"
        bin_dir.mkdir()
        (bin_dir / "oc").write_text(FAKE_OC)
        (bin_dir / "oc").chmod(stat.S_IRWXU)

        script = ["set -euo pipefail"]
        for number, command in enumerate(commands):
            script.append(f"echo '>>> step {number}: '{shlex.quote(command)}")
            skipped = [reason for key, reason in SKIPPED.items() if words(key) == words(command)]
            if skipped:
                script.append(f"echo {shlex.quote('skipped: ' + skipped[0])}")
                continue
            script.append(command)
            if words(command) == words(CONFIG_COPY):  # the newcomer's edit
                script.append('cp "$E2E_CONFIG" config/prod.yaml')
            if words(command) == ["make", "plan"]:
                script.append(f"cp plan-summary.md plan-summary.step-{number}.md")
        env = world.runner_env()
        env.pop(CONFIG_ENV)  # the README exports it
        # The Keycloak CRD `make render` checks against: a user's clone downloads it once;
        # these machines have no internet, so the copy the session has (verified) is put
        # where the render looks first.
        crd_copy = work / crd.FILENAME
        try:
            crd_copy.write_bytes(crd.crd_bytes())
        except crd.CrdUnavailable as err:
            pytest.fail(f"no copy of the Keycloak CRD for make render: {err}")
        env[crd.ENV] = str(crd_copy)
        env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", E2E_CONFIG=str(world.config_path),
                   FAKE_OC_LOG=str(work / "oc.jsonl"), DEPLOY_FLAGS="--auto-approve")
        result = subprocess.run(["bash", "-c", "\n".join(script)], cwd=checkout, env=env, capture_output=True,
                                text=True, timeout=1800, stdin=subprocess.DEVNULL)
        (work / "walk.log").write_text(result.stdout + result.stderr)
        yield {"result": result, "checkout": checkout, "world": world, "commands": commands, "work": work}


def _step(walk: dict[str, Any], command: str, occurrence: int = 0) -> int:
    return find(walk["commands"], command)[occurrence]


def test_every_command_runs_as_written_in_order(walk: dict[str, Any]) -> None:
    result = walk["result"]
    assert result.returncode == 0, explain(result, walk["world"].moto)
    ran = re.findall(r"^>>> step (\d+): ", result.stdout, flags=re.M)
    assert [int(n) for n in ran] == list(range(len(walk["commands"])))
    # the config was chosen once: no command fell back to the example; no warning either
    assert f"{CONFIG_ENV} is not set" not in result.stdout + result.stderr
    assert "warning:" not in result.stdout + result.stderr
    assert "All 16 checks passed." in result.stdout


def test_the_plan_before_anything_exists_plans_aurora_and_names_what_waits(walk: dict[str, Any]) -> None:
    summary = (walk["checkout"] / f"plan-summary.step-{_step(walk, 'make plan', 0)}.md").read_text()
    note = next(line for line in summary.splitlines() if line.startswith("> **Not planned yet"))
    for stack in ("peering-rosa-site-a", "access-rosa-site-a", "peering-rosa-site-b", "access-rosa-site-b"):
        assert f"`{stack}`" in note
    assert "wait for `aurora`" in note
    assert "- `aurora`: " in summary and "plan failed" not in summary


def test_the_second_plan_plans_the_aws_stacks_and_the_keycloak_stacks_wait(walk: dict[str, Any]) -> None:
    summary = (walk["checkout"] / f"plan-summary.step-{_step(walk, 'make plan', 1)}.md").read_text()
    assert "- `aurora`: no changes" in summary.splitlines()
    assert re.search(r"^- `peering-rosa-site-a`: \d+ to add", summary, flags=re.M)
    assert re.search(r"^- `access-rosa-site-b`: \d+ to add", summary, flags=re.M)
    assert "- `keycloak-rosa-site-a`: not planned, waits for `peering-rosa-site-a`, `access-rosa-site-a`" in summary


def test_the_database_and_both_peerings_exist(walk: dict[str, Any]) -> None:
    world: Deployment = walk["world"]
    (cluster,) = world.client("rds").describe_db_clusters()["DBClusters"]
    assert cluster["Status"] == "available"
    peerings = world.client("ec2").describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert sorted(p["Status"]["Code"] for p in peerings) == ["active", "active"]


def test_the_outputs_and_the_rendered_patches_name_the_deployed_writer(walk: dict[str, Any]) -> None:
    world: Deployment = walk["world"]
    checkout: Path = walk["checkout"]
    (cluster,) = world.client("rds").describe_db_clusters()["DBClusters"]
    outputs = json.loads((checkout / "outputs.json").read_text())
    assert outputs["aurora"]["writer_endpoint"] == cluster["Endpoint"]
    for site in ("rosa-site-a", "rosa-site-b"):
        patch = yaml.safe_load((checkout / "rendered" / site / "keycloak-db-patch.yaml").read_text())
        assert patch["spec"]["db"]["url"].startswith(f"jdbc:aws-wrapper:postgresql://{cluster['Endpoint']}:5432/")
    # AND the oc commands the README shows ran against the rendered file
    calls = [json.loads(line) for line in (walk["work"] / "oc.jsonl").read_text().splitlines()]
    assert calls[0] == ["--context", "rosa-site-a", "patch", "keycloak/keycloak", "-n", "keycloak", "--type", "merge",
                        "--patch-file", "rendered/rosa-site-a/keycloak-db-patch.yaml"]
    assert "get" in calls[1]
    # AND the state lives where the config says, nothing locally
    keys = {o["Key"] for o in world.client("s3").list_objects_v2(Bucket=STATE_BUCKET)["Contents"]}
    assert {"keycloak-aurora/aurora.tfstate", "keycloak-aurora/peering-rosa-site-a.tfstate"} <= keys
    assert not (checkout / "state").exists()
