"""modules/fastsynth/struct_serialization.py: a struct goes to the jsii kernel without its
unset fields, everything else exactly as jsii sends it.

The kernel drops a struct field that is null (its `mapValues` keeps no undefined value),
so what it builds is the same whether the nulls are sent or not; the golden files and
the fast-vs-naive comparison of test_provider_loading.py check that on whole stacks.
Here: for each value, the new serialization equals jsii's own with the struct fields
that are null left out, key for key and in order.
"""

from __future__ import annotations

import datetime
import json
import types
from typing import Any

import jsii._kernel
import pytest
from cdktf import (
    App,
    S3Backend,
    S3BackendAssumeRoleConfig,
    S3BackendConfig,
    TerraformOutput,
    TerraformResourceLifecycle,
    TerraformStack,
)
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.vpc import VpcConfig

from modules.fastsynth import struct_serialization

#: jsii's own function, also when the test session's fast path has replaced it.
ORIGINAL = getattr(jsii._kernel._make_reference_for_native, "__wrapped__", jsii._kernel._make_reference_for_native)


@pytest.fixture
def serialize() -> Any:
    """The new serialization, installed on a stand-in for `jsii._kernel`."""
    module = types.SimpleNamespace(_make_reference_for_native=ORIGINAL)
    struct_serialization.install(module)
    assert module._make_reference_for_native is not ORIGINAL
    return module._make_reference_for_native


def without_null_struct_fields(wire: Any) -> Any:
    """jsii's wire form with the null fields of every struct left out (where any is set)."""
    if isinstance(wire, dict):
        if set(wire) == {"$jsii.struct"}:
            struct = wire["$jsii.struct"]
            data = {k: without_null_struct_fields(v) for k, v in struct["data"].items() if v is not None}
            # ... except a struct with no field set, which goes as jsii sends it
            return {"$jsii.struct": {"fqn": struct["fqn"], "data": data or struct["data"]}}
        return {k: without_null_struct_fields(v) for k, v in wire.items()}
    if isinstance(wire, list):
        return [without_null_struct_fields(v) for v in wire]
    return wire


VALUES = {
    "a struct with most fields unset": lambda: VpcConfig(cidr_block="10.0.0.0/16", tags={"a": "b"}),
    "a struct with a nested struct": lambda: S3BackendConfig(
        bucket="b", key="k", region="eu-west-1", encrypt=True,
        assume_role=S3BackendAssumeRoleConfig(role_arn="arn:aws:iam::111111111111:role/r"),
    ),
    "a struct with a list and a bool false": lambda: TerraformResourceLifecycle(
        prevent_destroy=False, ignore_changes=["tags", "engine_version"],
    ),
    "an empty struct (sent with its nulls)": lambda: TerraformResourceLifecycle(),
    "structs in a dict and a list": lambda: {"x": [TerraformResourceLifecycle(prevent_destroy=True), 1, None]},
    "plain values": lambda: ["s", 1, 1.5, True, None, {"k": "v"}, []],
    "a date": lambda: datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc),
}


@pytest.mark.parametrize("name", VALUES)
def test_jsii_s_wire_form_without_the_null_fields(serialize: Any, name: str) -> None:
    value = VALUES[name]()
    expected = without_null_struct_fields(ORIGINAL(None, value))
    got = serialize(None, value)
    assert json.dumps(got, default=repr) == json.dumps(expected, default=repr)  # same keys, same order


def test_the_original_s_null_fields_are_what_is_left_out(serialize: Any) -> None:
    """The case this exists for: jsii sends every declared field."""
    wire = ORIGINAL(None, VpcConfig(cidr_block="10.0.0.0/16"))["$jsii.struct"]["data"]
    assert len(wire) > 10 and sum(v is not None for v in wire.values()) == 1
    assert serialize(None, VpcConfig(cidr_block="10.0.0.0/16"))["$jsii.struct"]["data"] == {"cidrBlock": "10.0.0.0/16"}


def test_references_and_enums_go_to_jsii(serialize: Any) -> None:
    """A construct (a reference the kernel already holds) and anything not a plain value or
    a generated struct are handed to jsii's function unchanged."""
    stack = TerraformStack(App(), "stack")
    assert serialize(None, stack) is stack
    assert serialize(None, [stack]) == [stack]
    backend = S3Backend(stack, bucket="b", key="k", region="eu-west-1")
    assert serialize(None, {"b": backend}) == {"$jsii.map": {"b": backend}}


def test_a_function_is_refused_as_jsii_refuses_it(serialize: Any) -> None:
    with pytest.raises(jsii.errors.JSIIError, match="Cannot pass function"):
        serialize(None, len)


def test_install_is_idempotent(serialize: Any) -> None:
    module = types.SimpleNamespace(_make_reference_for_native=serialize)
    struct_serialization.install(module)
    assert module._make_reference_for_native is serialize


def test_the_session_s_fast_path_installed_it() -> None:
    assert getattr(jsii._kernel._make_reference_for_native, "__fast_synth_wrapper__", False)


def test_through_the_kernel_the_synth_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the kernel builds, as a stack synthesizes it: a struct with fields set, one with
    none (which the kernel reads as no value when its `data` is empty, so it must go with
    its nulls) and structs in a list, where `any` is expected; once with jsii's own
    serialization, once with the new one."""

    def synthesized() -> dict[str, Any]:
        stack = TerraformStack(App(), "stack")
        TerraformOutput(stack, "set", value=TerraformResourceLifecycle(prevent_destroy=True, ignore_changes=["a"]))
        TerraformOutput(stack, "empty", value=TerraformResourceLifecycle())
        TerraformOutput(stack, "listed", value=[TerraformResourceLifecycle(), VpcConfig(cidr_block="10.0.0.0/16")])
        return json.loads(CdktfTesting.synth(stack))["output"]

    monkeypatch.setattr(jsii._kernel, "_make_reference_for_native", ORIGINAL)
    expected = synthesized()
    module = types.SimpleNamespace(_make_reference_for_native=ORIGINAL)
    struct_serialization.install(module)
    monkeypatch.setattr(jsii._kernel, "_make_reference_for_native", module._make_reference_for_native)
    assert synthesized() == expected
    assert expected["empty"]["value"] == {}


def test_a_struct_missing_a_required_field_fails_as_jsii_fails(serialize: Any) -> None:
    """Possible only with the argument checks off (python -O): jsii's property read raises."""
    config = S3BackendConfig(bucket="b", key="k")
    del config._values["key"]
    with pytest.raises(AssertionError, match="Required property 'key' is missing") as jsii_s:
        ORIGINAL(None, config)
    with pytest.raises(AssertionError) as ours:
        serialize(None, config)
    assert str(ours.value) == str(jsii_s.value)
