"""`modules.fastsynth.argument_checks`: stubs' hints cached and plain instances passed at
once, while every other call and every failure is exactly what it was."""

from __future__ import annotations

import types
import typing

import pytest
import typeguard

from modules.fastsynth import argument_checks


@pytest.fixture
def installed(monkeypatch):
    """A fresh wrapper over the real get_type_hints, undone after the test."""
    original = getattr(typing.get_type_hints, "__wrapped__", typing.get_type_hints)
    monkeypatch.setattr(typing, "get_type_hints", original)
    argument_checks.install()
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
    argument_checks.install()
    assert typing.get_type_hints is wrapper
    assert wrapper.__wrapped__ is installed


# --- typeguard -------------------------------------------------------------------------

REAL_CHECK = getattr(typeguard.check_type, "__wrapped__", typeguard.check_type)


@pytest.fixture
def checked() -> types.SimpleNamespace:
    """A stand-in for the typeguard module, with the quick pass in front of the real check."""
    module = types.SimpleNamespace(check_type=REAL_CHECK)
    assert argument_checks.check_typeguard(module) is True
    return module


class Plain:
    pass


class Shaped(typing.Protocol):
    def shape(self) -> str: ...


@pytest.mark.parametrize(("value", "expected"), [
    ("text", str),
    (True, int),
    (None, typing.Optional[str]),
    (Plain(), typing.Union[bool, Plain]),
    (Plain(), typing.Union[typing.Sequence[int], typing.Optional[Plain]]),
])
def test_a_plain_instance_passes_without_typeguard(value, expected):
    def typeguard_check(argname, value, expected_type, memo=None, *, globals=None, locals=None):
        raise AssertionError("typeguard was asked")

    module = types.SimpleNamespace(check_type=typeguard_check)
    assert argument_checks.check_typeguard(module) is True
    assert module.check_type("argument x", value, expected) is None
    REAL_CHECK("argument x", value, expected)  # and typeguard agrees


@pytest.mark.parametrize(("value", "expected"), [
    (5, str),
    (5, typing.Union[str, bool]),
    ([1, "a"], typing.List[int]),
    ("text", typing.Mapping[str, str]),
    ((1, "a"), typing.Tuple[int, int]),
    (Plain(), typing.Optional[typing.Sequence[Plain]]),
])
def test_anything_else_fails_exactly_as_typeguard_says(checked, value, expected):
    with pytest.raises(TypeError) as real:
        REAL_CHECK("argument x", value, expected)
    with pytest.raises(TypeError) as quick:
        checked.check_type("argument x", value, expected)
    assert str(quick.value) == str(real.value)


@pytest.mark.parametrize(("value", "expected"), [
    (1.5, float),
    (1, float),  # typeguard's numeric tower, not isinstance
    ([1, 2], typing.Sequence[int]),
    (b"x", bytes),
    (Plain(), Shaped),  # a protocol: typeguard's call, not isinstance
])
def test_what_typeguard_passes_still_passes(checked, value, expected):
    REAL_CHECK("argument x", value, expected)
    assert checked.check_type("argument x", value, expected) is None


def test_typeguard_still_resolves_names_in_the_callers_frame(checked):
    class Local:
        pass

    # A forward reference: typeguard resolves it in the namespaces of check_type's caller.
    assert checked.check_type("argument x", Local(), typing.ForwardRef("Local")) is None
    with pytest.raises(TypeError, match="must be"):
        checked.check_type("argument x", 5, typing.ForwardRef("Local"))


def test_only_typeguard_2_is_wrapped():
    def check_type(value, expected_type, **config):  # typeguard 3 and later
        return value

    module = types.SimpleNamespace(check_type=check_type)
    assert argument_checks.check_typeguard(module) is False
    assert module.check_type is check_type


def test_wrapping_is_idempotent(checked):
    wrapper = checked.check_type
    assert argument_checks.check_typeguard(checked) is True
    assert checked.check_type is wrapper


# --- remembered answers ------------------------------------------------------------------


class Other:
    pass


def test_an_answer_is_remembered_per_class_where_the_class_decides(checked):
    expected = typing.Union[Plain, typing.Sequence[int], None]  # the generic member is never plain
    key = (Plain, id(expected))
    argument_checks._answers.pop(key, None)
    assert checked.check_type("argument x", Plain(), expected) is None
    assert argument_checks._answers[key] == (expected, True)
    # a class that does not match still gets typeguard's own error, every time
    for _ in range(2):
        with pytest.raises(TypeError) as quick:
            checked.check_type("argument x", Other(), expected)
        with pytest.raises(TypeError) as real:
            REAL_CHECK("argument x", Other(), expected)
        assert str(quick.value) == str(real.value)


def test_an_abc_is_asked_every_time_its_registrations_can_change(checked):
    import abc

    class Registry(abc.ABC):
        pass

    class Later:
        pass

    assert not argument_checks._plainly_an_instance(Later(), Registry)
    Registry.register(Later)
    assert argument_checks._plainly_an_instance(Later(), Registry)
    assert (Later, id(Registry)) not in argument_checks._answers


def test_a_value_whose_class_is_not_its_type_is_not_remembered():
    class Disguised:
        __class__ = Plain  # type: ignore[assignment]

    assert argument_checks._plainly_an_instance(Disguised(), Plain) is isinstance(Disguised(), Plain)
    assert (Disguised, id(Plain)) not in argument_checks._answers


def test_any_among_the_members_does_not_stop_remembering(checked):
    expected = typing.Union[Plain, typing.Any, None]
    argument_checks._answers.pop((Other, id(expected)), None)
    assert argument_checks._plainly_an_instance(Other(), expected) is False  # Any is typeguard's to pass
    assert argument_checks._answers[(Other, id(expected))] == (expected, False)
    assert checked.check_type("argument x", Other(), expected) is None  # and typeguard passes it
