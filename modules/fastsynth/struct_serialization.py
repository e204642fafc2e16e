"""Structs sent to the jsii kernel without their unset fields (fast synth).

Every call into a jsii binding serializes its arguments with
`jsii._kernel._make_reference_for_native`, which sends a struct (a props or config
class such as `JobV1SpecTemplateSpec`) as every field its type declares, set or not:
`{"$jsii.struct": {"fqn": ..., "data": {<each field>: <value or null>}}}`. The kernel
then deserializes each of those nulls only to drop it (its `mapValues` keeps no
undefined value). With the Kubernetes Job's nested specs and the providers' wide
config structs most fields are unset: with 50 ROSA clusters, tens of thousands of
nulls go through Python's recursion, the JSON channel and the kernel's checks.

`install()` replaces that function with one that leaves a struct's unset (None)
fields out of `data` and otherwise delegates to the original: the kernel builds the
same object, key for key in the same order, so the synthesized JSON cannot change
(the golden files of every example check it). A struct is recognised as the original
recognises it (`__jsii_type__` and `__jsii_name_mapping__`, python name -> jsii name),
with the `_values` dict jsii-pacmak's generated properties read; a set field is still
read through its property. Left to jsii as it is: a struct with no field set (the kernel
takes an empty `data` for no value at all) and one lacking a required field (jsii's own
property read raises for it). Plain values (str, int, float, bool, None, by exact type)
are returned as they are, as the original returns them.

Installed by `modules.fastsynth.provider_loading` together with the other Python-side
changes; `CDKTF_FAST_PROVIDERS=0` leaves jsii alone.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["install"]

_MARK = "__fast_synth_wrapper__"
#: Values the original returns unchanged (exact types: subclasses such as enums go to it).
_PLAIN = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _required_fields(cls: type) -> frozenset[str] | None:
    """The fields a generated struct class requires: its constructor's keyword-only
    parameters without a default (None where the signature cannot be read)."""
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return None
    return frozenset(
        name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY and p.default is p.empty
    )


def _has_required(struct: Any, values: dict[str, Any]) -> bool:
    """Whether every required field of `struct` is set: jsii's own serialization reads every
    field through its property, and a required one that is missing raises there, so a
    struct lacking one (possible only with the argument checks off) is left to jsii."""
    required = _required_fields(type(struct))
    return required is not None and all(values.get(name) is not None for name in required)


def install(kernel_module: Any) -> None:
    """Replace `kernel_module._make_reference_for_native` (jsii's `jsii._kernel`); idempotent."""
    original: Callable[[Any, Any], Any] = kernel_module._make_reference_for_native
    if getattr(original, _MARK, False):
        return

    def make_reference_for_native(kernel: Any, d: Any) -> Any:
        if type(d) in _PLAIN:
            return d
        if type(d) is dict:
            return {"$jsii.map": {k: make_reference_for_native(kernel, v) for k, v in d.items()}}
        if type(d) is list:
            return [make_reference_for_native(kernel, i) for i in d]
        fqn = getattr(d, "__jsii_type__", None)
        mapping = getattr(d, "__jsii_name_mapping__", None) if fqn is not None else None
        values = getattr(d, "_values", None) if mapping is not None else None
        if type(values) is dict and not isinstance(d, enum.Enum) and _has_required(d, values):
            data = {
                jsii_name: make_reference_for_native(kernel, getattr(d, python_name))
                for python_name, jsii_name in mapping.items()
                if values.get(python_name) is not None
            }
            if data:
                return {"$jsii.struct": {"fqn": fqn, "data": data}}
            # A struct with no field set: the kernel reads an empty `data` as no value at
            # all (and refuses it where `any` is expected), so it goes with its nulls.
        return original(kernel, d)  # enums, references, native objects, errors: as jsii does

    setattr(make_reference_for_native, _MARK, True)
    make_reference_for_native.__wrapped__ = original  # type: ignore[attr-defined]
    # The original's own recursion (into a dict or list it handles) looks the name up in
    # the module, so it comes back here.
    kernel_module._make_reference_for_native = make_reference_for_native
