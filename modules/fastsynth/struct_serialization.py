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
(the golden files of every example check it). A struct is recognised as jsii-pacmak
generates it: `__jsii_type__`, `__jsii_name_mapping__` (python name -> jsii name) and
the `_values` dict its properties read; a set field's value is still read through its
property, as the original does. Plain values (str, int, float, bool, None, by exact
type) are returned as they are, as the original returns them.

Installed by `modules.fastsynth.provider_loading` together with the other Python-side
changes; `CDKTF_FAST_PROVIDERS=0` leaves jsii alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["install"]

_MARK = "__fast_synth_wrapper__"
#: Values the original returns unchanged (exact types: subclasses such as enums go to it).
_PLAIN = frozenset({str, int, float, bool, type(None)})


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
        if type(values) is dict:
            return {
                "$jsii.struct": {
                    "fqn": fqn,
                    "data": {
                        jsii_name: make_reference_for_native(kernel, getattr(d, python_name))
                        for python_name, jsii_name in mapping.items()
                        if values.get(python_name) is not None
                    },
                }
            }
        return original(kernel, d)  # enums, references, native objects, errors: as jsii does

    setattr(make_reference_for_native, _MARK, True)
    make_reference_for_native.__wrapped__ = original  # type: ignore[attr-defined]
    # The original's own recursion (into a dict or list it handles) looks the name up in
    # the module, so it comes back here.
    kernel_module._make_reference_for_native = make_reference_for_native
