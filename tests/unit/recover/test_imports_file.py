"""The recovery file: written by `make recover`, read by `main.py`, turned into Terraform
`import` blocks of its stack by the app."""

from __future__ import annotations

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


def test_written_read_and_removed(tmp_path: Path) -> None:
    blocks = [ImportBlock(VPC, "vpc-1")]
    path = imports_file.write(tmp_path, "kc", "aurora", blocks)
    assert path == tmp_path / "kc" / "aurora.imports.json"
    assert json.loads(path.read_text())["import"] == [{"to": VPC, "id": "vpc-1"}]
    assert imports_file.read(tmp_path, "kc", "aurora") == blocks
    assert imports_file.read_all(tmp_path, "kc") == {"aurora": RecoveryFile(path, blocks)}
    assert imports_file.remove(tmp_path, "kc", "aurora") == path
    assert not (tmp_path / "kc").exists()  # the empty deployment directory goes too
    assert imports_file.remove(tmp_path, "kc", "aurora") is None
    assert imports_file.read_all(tmp_path, "kc") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"deployment": "other", "import": []}', "written for deployment 'other', not 'kc'"),
        ("not json", "not a recovery file"),
        ('{"deployment": "kc"}', "not a recovery file"),
    ],
)
def test_a_file_of_another_deployment_or_no_recovery_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "kc").mkdir()
    (tmp_path / "kc" / "aurora.imports.json").write_text(content)
    with pytest.raises(RecoveryFileError, match=message):
        imports_file.read_all(tmp_path, "kc")


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
    imports_file.write(tmp_path / "recovery", "keycloak-aurora", "aurora", [ImportBlock(VPC, "vpc-1")])
    env = {**os.environ, "KEYCLOAK_AURORA_CONFIG": str(EXAMPLE_CONFIG), "CDKTF_OUTDIR": str(tmp_path / "out"),
           imports_file.RECOVERY_DIR_ENV: str(tmp_path / "recovery")}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "recovery" / "keycloak-aurora" / "aurora.imports.json"
    assert f"{path}: 1 import blocks for stack aurora" in result.stderr
    assert json.loads((tmp_path / "out" / "stacks" / "aurora" / "cdk.tf.json").read_text())["import"] == [
        {"id": "vpc-1", "to": VPC}
    ]
