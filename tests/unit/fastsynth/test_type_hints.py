"""`modules.fastsynth.type_hints`: stubs' hints cached, every other call untouched."""

from __future__ import annotations

import typing

import pytest

from modules.fastsynth import type_hints


@pytest.fixture
def installed(monkeypatch):
    """A fresh wrapper over the real get_type_hints, undone after the test."""
    original = getattr(typing.get_type_hints, "__wrapped__", typing.get_type_hints)
    monkeypatch.setattr(typing, "get_type_hints", original)
    type_hints.install()
    return original


def _typecheckingstub__0123abcd(*, scope: "int", name: "typing.Optional[str]") -> None:
    ...


def annotated(value: "typing.List[int]") -> "str":
    ...


def test_a_stub_is_resolved_once_and_read_only(installed):
    first = typing.get_type_hints(_typecheckingstub__0123abcd)
    assert first is typing.get_type_hints(_typecheckingstub__0123abcd)
    assert dict(first) == installed(_typecheckingstub__0123abcd)
    with pytest.raises(TypeError):
        first["scope"] = str  # type: ignore[index]


def test_other_calls_reach_the_original_with_their_arguments(installed):
    assert typing.get_type_hints(annotated) == {"value": typing.List[int], "return": str}
    assert typing.get_type_hints(annotated) is not typing.get_type_hints(annotated)
    # Namespaces or extras passed: not the generated code's call, so not cached.
    hints = typing.get_type_hints(_typecheckingstub__0123abcd, globalns=globals())
    assert hints is not typing.get_type_hints(_typecheckingstub__0123abcd, globalns=globals())


def test_install_is_idempotent(installed):
    wrapper = typing.get_type_hints
    type_hints.install()
    assert typing.get_type_hints is wrapper
    assert wrapper.__wrapped__ is installed
