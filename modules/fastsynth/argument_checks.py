"""Cheaper argument checks in jsii-generated bindings (fast synth).

Every constructor, property setter and method of a jsii-generated Python binding
(cdktf, constructs, the prebuilt providers) starts with::

    if __debug__:
        type_hints = typing.get_type_hints(_typecheckingstub__<digest>)
        check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])

where the package's `check_type` calls typeguard's. With 50 ROSA clusters that is about a
third of the Python time of a synth, in two parts, each made cheaper here without
changing what passes and what fails:

1. `typing.get_type_hints` evaluates every annotation of the stub from its string form on
   each call, for a result that cannot change once the stub's module has loaded.
   `install()` wraps it so that a call for such a stub (a function whose name starts
   with `_typecheckingstub__`, no namespaces or extras passed) is answered from a
   per-process cache, as a read-only mapping (the generated code only indexes it). Newer
   jsii-pacmak output does the same through `jsii._type_checking.cached_type_hints`; the
   provider bindings pinned here were generated before it.
2. typeguard 2 checks a union member by member, formatting a TypeError message for each
   member that does not match, and finds its namespaces in the caller's frame, also when
   the value is simply an instance of the expected class. `check_typeguard()` puts a
   quick pass in front of `typeguard.check_type`: a value that is an instance of the
   expected plain class, or of a plain class among a union's members, passes at once, as
   typeguard would pass it. Everything else (generics such as `Sequence[...]`,
   protocols, tuples, a value that does not match) goes to typeguard with the caller's
   namespaces, so every error is typeguard's own. The quick pass's answer is remembered
   per (class of the value, expected type) where the class alone decides it (no ABC or
   other metaclass with an instance check of its own), so each of the few dozen
   questions a synth asks thousands of times is worked out once.

Installed by `modules.fastsynth.install()`; `CDKTF_FAST_PROVIDERS=0` leaves `typing`
and typeguard alone.
"""

from __future__ import annotations

import functools
import sys
import types
import typing

__all__ = ["check_typeguard", "install"]

STUB_PREFIX = "_typecheckingstub__"
_MARK = "__fast_synth_wrapper__"


def install() -> None:
    """Wrap `typing.get_type_hints` with the stub cache (point 1); idempotent."""
    original = typing.get_type_hints
    if getattr(original, _MARK, False):
        return
    cache: dict[object, types.MappingProxyType] = {}

    @functools.wraps(original)
    def get_type_hints(obj, globalns=None, localns=None, include_extras=False):
        if globalns is None and localns is None and not include_extras and _is_stub(obj):
            hints = cache.get(obj)
            if hints is None:
                hints = cache[obj] = types.MappingProxyType(original(obj))
            return hints
        return original(obj, globalns, localns, include_extras)

    setattr(get_type_hints, _MARK, True)
    typing.get_type_hints = get_type_hints


def check_typeguard(typeguard: types.ModuleType) -> bool:
    """Put the quick pass (point 2) in front of `typeguard.check_type`; idempotent. Only for
    typeguard 2 (`check_type(argname, value, expected_type, memo, *, globals, locals)`, what
    the pinned bindings call): returns False and changes nothing for any other."""
    original = typeguard.check_type
    if getattr(original, _MARK, False):
        return True
    if original.__code__.co_varnames[:4] != ("argname", "value", "expected_type", "memo"):
        return False

    @functools.wraps(original)
    def check_type(argname, value, expected_type, memo=None, *, globals=None, locals=None):
        if memo is None:
            if _plainly_an_instance(value, expected_type):
                return None
            # typeguard reads the namespaces from its caller's frame: give it the caller's.
            caller = sys._getframe(1)
            globals = caller.f_globals if globals is None else globals
            locals = caller.f_locals if locals is None else locals
        return original(argname, value, expected_type, memo, globals=globals, locals=locals)

    setattr(check_type, _MARK, True)
    typeguard.check_type = check_type
    return True


def _is_stub(obj: object) -> bool:
    return isinstance(obj, types.FunctionType) and obj.__name__.startswith(STUB_PREFIX)


#: (class of a value, id of an expected type) -> (that expected type, `_plainly_an_instance`),
#: for expected types whose answer depends on the value's class alone (`_class_decides`).
#: Keyed by identity: typing's unions hash their members on every call, and the generated
#: code passes the same objects (its hints are cached) every time. The entry holds the
#: type, so its id cannot be reused while the entry exists.
_answers: dict[tuple[type, int], tuple[object, bool]] = {}
#: id of an expected type -> (that type, whether `_class_decides` it).
_class_decided: dict[int, tuple[object, bool]] = {}


def _plainly_an_instance(value: object, expected_type: object) -> bool:
    """Whether `value` is an instance of `expected_type` as a plain class (not a protocol,
    tuple or TypedDict, which typeguard checks further), or of one such class among the
    members of a `Union`/`Optional`. Remembered per class of value where only the class
    can decide (every check of a synth asks the same few dozen questions thousands of
    times)."""
    cls = type(value)
    key = (cls, id(expected_type))
    remembered = _answers.get(key)
    if remembered is not None and remembered[0] is expected_type:
        return remembered[1]
    answer = _instance_of(value, expected_type)
    if value.__class__ is cls and _class_decides(expected_type):
        _answers[key] = (expected_type, answer)
    return answer


def _class_decides(expected_type: object) -> bool:
    """Whether `_instance_of(value, expected_type)` depends on the value's class alone:
    each of its members (itself, or those of its union) is either never plainly
    instantiated (a generic, `Any`, a protocol, a tuple or TypedDict: always False) or a
    class whose metaclass keeps `type`'s own instance check (not an ABC, whose
    registrations can change)."""
    remembered = _class_decided.get(id(expected_type))
    if remembered is not None and remembered[0] is expected_type:
        return remembered[1]
    members = expected_type.__args__ if getattr(expected_type, "__origin__", None) is typing.Union else (expected_type,)
    decided = all(
        not isinstance(member, type)
        or member is typing.Any  # a class since 3.11, whose instance check always refuses
        or _checked_further(member)
        or type(member).__instancecheck__ is type.__instancecheck__
        for member in members
    )
    _class_decided[id(expected_type)] = (expected_type, decided)
    return decided


def _checked_further(cls: type) -> bool:
    """A protocol, tuple or TypedDict: never passed by the quick pass (typeguard checks it)."""
    return bool(getattr(cls, "_is_protocol", False) or issubclass(cls, tuple) or typing.is_typeddict(cls))


def _instance_of(value: object, expected_type: object) -> bool:
    """`_plainly_an_instance`, worked out."""
    if isinstance(expected_type, type):
        if _checked_further(expected_type):
            return False
        try:
            return isinstance(value, expected_type)
        except TypeError:
            return False
    if getattr(expected_type, "__origin__", None) is typing.Union:
        return any(_instance_of(value, member) for member in expected_type.__args__)
    return False
