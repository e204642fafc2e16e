"""Which stacks a run takes, and in what order: from the manifest the synth writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.run.stacks import (
    Stack,
    StackError,
    check_destroy_complete,
    dependency_order,
    missing_dependants,
    read_manifest,
    retired_cluster,
    select,
    stacks_from_manifest,
)
from tests.unit.run.conftest import MANIFEST

STACKS = stacks_from_manifest(MANIFEST, Path("out"))


def test_the_manifest_gives_names_directories_and_dependencies(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST))
    stacks = read_manifest(tmp_path)
    assert list(stacks) == ["aurora", "keycloak-a", "peering-a"]
    assert stacks["peering-a"].directory == tmp_path / "stacks" / "peering-a"
    assert stacks["keycloak-a"].dependencies == ("aurora", "peering-a")


@pytest.mark.parametrize(
    ("patterns", "selected"),
    [
        (("*",), ["aurora", "keycloak-a", "peering-a"]),
        (("aurora", "peering-*"), ["aurora", "peering-a"]),
        (("peering-*", "aurora"), ["aurora", "peering-a"]),  # manifest order, not argument order
        (("*-a",), ["keycloak-a", "peering-a"]),
    ],
)
def test_patterns_select_in_manifest_order(patterns: tuple[str, ...], selected: list[str]) -> None:
    assert select(STACKS, patterns) == selected


def test_a_pattern_matching_nothing_is_an_error() -> None:
    with pytest.raises(StackError, match=r"no stack matches 'aurora-1', 'x\*'; the stacks are: aurora, keycloak-a"):
        select(STACKS, ("aurora", "aurora-1", "x*"))


@pytest.mark.parametrize(
    ("names", "order"),
    [
        (["aurora", "keycloak-a", "peering-a"], ["aurora", "peering-a", "keycloak-a"]),
        (["keycloak-a", "peering-a"], ["peering-a", "keycloak-a"]),  # aurora not selected: not waited for
        (["peering-a"], ["peering-a"]),
    ],
)
def test_dependencies_come_first(names: list[str], order: list[str]) -> None:
    assert dependency_order(STACKS, names) == order


def test_a_dependency_cycle_is_an_error() -> None:
    cyclic = stacks_from_manifest({"stacks": {"a": {"dependencies": ["b"]}, "b": {"dependencies": ["a"]}}}, Path("o"))
    with pytest.raises(StackError, match="cycle"):
        dependency_order(cyclic, ["a", "b"])


@pytest.mark.parametrize(
    ("names", "missing"),
    [
        (["aurora"], ["keycloak-a", "peering-a"]),
        (["peering-a"], ["keycloak-a"]),
        (["keycloak-a"], []),
        (["aurora", "keycloak-a", "peering-a"], []),
    ],
)
def test_what_a_destroy_would_leave_without_its_dependency(names: list[str], missing: list[str]) -> None:
    assert missing_dependants(STACKS, names) == missing


def test_the_destroy_check_names_the_flag() -> None:
    with pytest.raises(StackError) as raised:
        check_destroy_complete(STACKS, ["peering-a"])
    assert str(raised.value) == (
        "the following dependant stacks still hold resources and are not included in the stacks to run: keycloak-a. "
        "Add them, or pass --ignore-missing-stack-dependencies when they are kept on purpose."
    )


def test_the_destroy_check_ignores_dependants_that_hold_nothing() -> None:
    # GIVEN keycloak-a holds nothing (destroyed by an earlier call, or never deployed)
    check_destroy_complete(STACKS, ["peering-a"], holds_resources=lambda stack: stack != "keycloak-a")
    # AND aurora's other dependant, peering-a, still holds resources
    with pytest.raises(StackError, match=r"still hold resources .*: peering-a\."):
        check_destroy_complete(STACKS, ["aurora"], holds_resources=lambda stack: stack != "keycloak-a")


def test_a_retired_clusters_stack_is_known_by_its_output(tmp_path: Path) -> None:
    stack = Stack("peering-a", tmp_path / "peering-a")
    assert retired_cluster(stack) is None  # not synthesized
    stack.directory.mkdir()
    (stack.directory / "cdk.tf.json").write_text(json.dumps({"output": {"peering_connection_id": {"value": "x"}}}))
    assert retired_cluster(stack) is None
    (stack.directory / "cdk.tf.json").write_text(json.dumps({"output": {"retired": {"value": "a"}}}))
    assert retired_cluster(stack) == "a"
