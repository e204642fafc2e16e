"""The test harness finds a provider mirror by itself, and says in one line what to set
when Terraform can install no aws provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import terraform as harness


def mirror_with_aws(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws" / harness.AWS_PROVIDER_VERSION).mkdir(parents=True)
    return root


def test_explicit_mirror_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(mirror_with_aws(tmp_path)))
    assert harness.provider_mirror() == tmp_path
    assert harness.provider_source_problem() is None


def test_a_local_mirror_is_found_without_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_PROVIDER_MIRROR", raising=False)
    monkeypatch.setattr(harness, "MIRROR_CANDIDATES", (str(tmp_path / "absent"), str(mirror_with_aws(tmp_path / "m"))))
    assert harness.provider_mirror() == tmp_path / "m"


def test_a_mirror_without_the_aws_provider_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(tmp_path))
    assert harness.provider_source_problem() == (
        f"TF_PROVIDER_MIRROR={tmp_path} holds no registry.terraform.io/hashicorp/aws/{harness.AWS_PROVIDER_VERSION}: "
        "point it at a Terraform filesystem mirror that does"
    )


def test_no_mirror_and_no_registry_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_PROVIDER_MIRROR", raising=False)
    monkeypatch.setattr(harness, "MIRROR_CANDIDATES", ())
    monkeypatch.setattr(harness, "registry_reachable", lambda timeout=3.0: False)
    problem = harness.provider_source_problem()
    assert problem is not None and "\n" not in problem
    assert problem.startswith("Terraform cannot reach registry.terraform.io and no provider mirror was found: set TF_PROVIDER_MIRROR")
