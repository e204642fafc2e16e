"""The recovery file: written by `make recover`, read by `main.py`, turned into Terraform
`import` blocks of its stack by the app."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modules.recover import imports_file
from modules.recover.imports_file import ImportBlock, RecoveryFile, RecoveryFileError
from tests.conftest import EXAMPLE_CONFIG, ROOT

VPC = "aws_vpc.network_vpc_4E8F0223"
ROUTE = 'aws_route.peering_route-to-aurora_FAB375FE["rtb-1"]'


KC = imports_file.DeploymentKey("kc", "s3://my-bucket/kc")


def test_written_read_and_removed(tmp_path: Path) -> None:
    blocks = [ImportBlock(VPC, "vpc-1")]
    path = imports_file.write(tmp_path, KC, "aurora", blocks)
    digest = hashlib.sha256(b"s3://my-bucket/kc").hexdigest()[:8]
    assert path == tmp_path / "kc" / f"s3_my-bucket_kc-{digest}" / "aurora.imports.json"
    document = json.loads(path.read_text())
    assert document["import"] == [{"to": VPC, "id": "vpc-1"}]
    assert (document["deployment"], document["state"]) == ("kc", "s3://my-bucket/kc")
    assert imports_file.read(tmp_path, KC, "aurora") == blocks
    assert imports_file.read_all(tmp_path, KC) == {"aurora": RecoveryFile(path, blocks)}
    assert imports_file.remove(tmp_path, KC, "aurora") == path
    assert not (tmp_path / "kc").exists()  # the empty directories go too
    assert imports_file.remove(tmp_path, KC, "aurora") is None
    assert imports_file.read_all(tmp_path, KC) == {}


def test_the_state_location_keys_the_files(tmp_path: Path) -> None:
    # GIVEN a recovery file of a deployment named kc with its state in one bucket
    imports_file.write(tmp_path, KC, "aurora", [ImportBlock(VPC, "vpc-1")])

    # THEN a deployment of the same name elsewhere (another bucket, prefix or backend) never sees it
    for state in ("s3://other-bucket/kc", "s3://my-bucket/kc-2", "local:state", "cloud://app.terraform.io/org/kc"):
        assert imports_file.read_all(tmp_path, imports_file.DeploymentKey("kc", state)) == {}
    # AND keys that read alike stay apart (the folder carries the key's digest)
    alike = imports_file.DeploymentKey("kc", "s3://my-bucket/kc/")
    assert alike.folder != KC.folder and imports_file.read_all(tmp_path, alike) == {}


def test_the_deployment_of_a_config_is_its_name_and_state_location(example_data: dict[str, Any]) -> None:
    from modules.config import parse_config

    deployment = imports_file.DeploymentKey.of(parse_config(example_data))
    assert deployment == imports_file.DeploymentKey("keycloak-aurora", "s3://my-org-keycloak-aurora-tfstate/keycloak-aurora")
    assert deployment.folder.parts[0] == "keycloak-aurora"
    assert deployment.folder.name.startswith("s3_my-org-keycloak-aurora-tfstate_keycloak-aurora-")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"deployment": "other", "state": "s3://my-bucket/kc", "import": []}',
         "written for deployment 'other', not 'kc'"),
        ('{"deployment": "kc", "state": "s3://b/p", "import": []}',
         "written for the deployment whose state is at 's3://b/p', not 's3://my-bucket/kc'"),
        ("not json", "not a recovery file"),
        ('{"deployment": "kc"}', "not a recovery file"),
    ],
)
def test_a_file_of_another_deployment_or_no_recovery_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / KC.folder).mkdir(parents=True)
    (tmp_path / KC.folder / "aurora.imports.json").write_text(content)
    with pytest.raises(RecoveryFileError, match=message):
        imports_file.read_all(tmp_path, KC)


def test_a_file_of_the_layout_before_is_refused_naming_where_it_goes(tmp_path: Path) -> None:
    (tmp_path / "kc").mkdir()
    (tmp_path / "kc" / "aurora.imports.json").write_text('{"deployment": "kc", "import": []}')
    with pytest.raises(RecoveryFileError) as raised:
        imports_file.read_all(tmp_path, KC)
    assert str(raised.value) == (
        f"{tmp_path}/kc/aurora.imports.json: a recovery file of the layout before they were keyed by state location. "
        f"If it belongs to the deployment whose state is at s3://my-bucket/kc, move it to {tmp_path / KC.folder}/; "
        "otherwise delete it"
    )


def test_the_directory_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(imports_file.RECOVERY_DIR_ENV, raising=False)
    assert imports_file.recovery_dir() == Path("recovery")
    monkeypatch.setenv(imports_file.RECOVERY_DIR_ENV, str(tmp_path))
    assert imports_file.recovery_dir() == tmp_path


def synthesized(example_data: dict[str, Any], tmp_path: Path, imports: dict[str, RecoveryFile]) -> dict[str, Any]:
    from modules.app import build_app
    from modules.config import parse_config

    build_app(parse_config(example_data), outdir=str(tmp_path / "out"), imports=imports).synth()
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in (tmp_path / "out" / "stacks").iterdir()}


def test_the_app_turns_a_recovery_file_into_import_blocks_of_its_stack(
    example_data: dict[str, Any], tmp_path: Path
) -> None:
    recovery = {
        "aurora": RecoveryFile(tmp_path / "aurora.imports.json", [ImportBlock(VPC, "vpc-1")]),
        "peering-rosa-site-a": RecoveryFile(tmp_path / "p.imports.json", [ImportBlock(ROUTE, "rtb-1_192.168.0.0/16")]),
    }
    stacks = synthesized(example_data, tmp_path, recovery)
    assert stacks["aurora"]["import"] == [{"id": "vpc-1", "to": VPC}]
    assert stacks["peering-rosa-site-a"]["import"] == [{"id": "rtb-1_192.168.0.0/16", "to": ROUTE}]
    assert "import" not in stacks["peering-rosa-site-b"]


@pytest.mark.parametrize(
    ("stack", "block", "message"),
    [
        ("aurora", ImportBlock("aws_vpc.gone", "vpc-1"), "stack aurora has no resource aws_vpc.gone"),
        ("peering-rosa-gone", ImportBlock(VPC, "vpc-1"), "this config has no stack peering-rosa-gone"),
    ],
)
def test_an_import_the_config_cannot_take_stops_the_synth(
    example_data: dict[str, Any], tmp_path: Path, stack: str, block: ImportBlock, message: str
) -> None:
    with pytest.raises(RecoveryFileError, match=message):
        synthesized(example_data, tmp_path, {stack: RecoveryFile(tmp_path / "x.imports.json", [block])})


def test_main_names_each_recovery_file_it_applies(tmp_path: Path) -> None:
    # GIVEN a recovery file of the example's deployment, and one of a namesake whose state is elsewhere
    example = imports_file.DeploymentKey("keycloak-aurora", "s3://my-org-keycloak-aurora-tfstate/keycloak-aurora")
    path = imports_file.write(tmp_path / "recovery", example, "aurora", [ImportBlock(VPC, "vpc-1")])
    namesake = imports_file.DeploymentKey("keycloak-aurora", "s3://another-bucket/keycloak-aurora")
    imports_file.write(tmp_path / "recovery", namesake, "aurora", [ImportBlock(VPC, "vpc-other")])
    env = {**os.environ, "KEYCLOAK_AURORA_CONFIG": str(EXAMPLE_CONFIG), "CDKTF_OUTDIR": str(tmp_path / "out"),
           imports_file.RECOVERY_DIR_ENV: str(tmp_path / "recovery")}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # THEN only the example's own file became import blocks
    assert f"{path}: 1 import blocks for stack aurora" in result.stderr
    assert "vpc-other" not in result.stderr
    assert json.loads((tmp_path / "out" / "stacks" / "aurora" / "cdk.tf.json").read_text())["import"] == [
        {"id": "vpc-1", "to": VPC}
    ]
