"""Memoized type hints for the argument checks of jsii-generated bindings (fast synth).

Every constructor, property setter and method of a jsii-generated Python binding
(cdktf, constructs, the prebuilt providers) starts with::

    if __debug__:
        type_hints = typing.get_type_hints(_typecheckingstub__<digest>)
        check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])

``typing.get_type_hints`` evaluates every annotation of the stub from its string form on
each call: about a fifth of the Python time of a synth with 50 ROSA clusters (0.5 s of
2.7 s), for a result that cannot change once the stub's module has loaded. ``install()``
wraps ``typing.get_type_hints`` so that a call for such a stub (a function whose name
starts with ``_typecheckingstub__``, with no namespaces or extras passed) is answered from
a per-process cache, as a read-only mapping (the generated code only indexes it). Every
other call goes to the original unchanged, and the checks themselves still run: a wrong
argument fails exactly as before. Newer jsii-pacmak output does the same through
``jsii._type_checking.cached_type_hints``; the provider bindings pinned here were generated
before it and call ``typing.get_type_hints`` directly.

Installed by ``modules.fastsynth.install()``; ``CDKTF_FAST_PROVIDERS=0`` leaves
``typing`` alone.
"""

from __future__ import annotations

import functools
import types
import typing

__all__ = ["install"]

STUB_PREFIX = "_typecheckingstub__"


def install() -> None:
    """Wrap ``typing.get_type_hints`` with the stub cache; idempotent."""
    original = typing.get_type_hints
    if getattr(original, "__wrapped_for_jsii_stubs__", False):
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

    get_type_hints.__wrapped_for_jsii_stubs__ = True
    typing.get_type_hints = get_type_hints


def _is_stub(obj: object) -> bool:
    return isinstance(obj, types.FunctionType) and obj.__name__.startswith(STUB_PREFIX)
