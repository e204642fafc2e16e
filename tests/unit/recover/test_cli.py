"""`make recover` / `python -m modules.recover`: what it runs, what it refuses."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "modules.recover", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_the_command_itself_loads_no_cdktf_or_jsii() -> None:
    # It synthesizes by running main.py; its own process stays light (boto3, config, naming).
    probe = "import sys, modules.recover.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'constructs')))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_make_recover_passes_stacks_and_flags() -> None:
    result = subprocess.run(["make", "-n", "recover", "STACKS=aurora peering-*", "ARGS=--unlock --yes"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "python -m modules.recover 'aurora' 'peering-*' --unlock --yes" in result.stdout


def test_hcp_terraform_state_is_named_as_not_supported() -> None:
    result = run("--config", "config/examples/hcp-terraform.yaml", "aurora")
    assert result.returncode == 2
    assert "state in HCP Terraform (workspace kc-prod-aurora): not supported yet" in result.stdout


def test_a_pattern_matching_no_stack_names_the_stacks_there_are() -> None:
    result = run("--config", "config/example.yaml", "peering-nowhere")
    assert result.returncode == 2
    assert "no stack matches peering-nowhere (stacks: access-rosa-site-a, access-rosa-site-b, aurora, keycloak-rosa-site-a" in result.stderr
