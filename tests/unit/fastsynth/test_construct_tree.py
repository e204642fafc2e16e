"""`modules.construct_tree`: what Python records of the construct tree answers without a
jsii round trip exactly what the kernel would have, so the synthesized JSON is the same
with recording (every synth: `modules.app.build_app`) and without (every name asked of
the kernel)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "examples-cross-region-cross-account"

#: Synthesizes the cross-region, cross-account example with recording turned off.
UNRECORDED = """
import sys
from modules import fastsynth
fastsynth.install()
from modules import construct_tree
construct_tree.record = lambda: None
from modules.app import build_app
from modules.config import load_config
build_app(load_config("config/examples/cross-region-cross-account.yaml"), outdir=sys.argv[1]).synth()
"""


def test_without_recording_the_synth_is_byte_for_byte_the_same(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", UNRECORDED, str(tmp_path)], cwd=ROOT, check=True, timeout=300,
                   capture_output=True, text=True)
    stacks = sorted((tmp_path / "stacks").iterdir())
    assert [s.name for s in stacks] == sorted(p.name.removesuffix(".tf.json") for p in GOLDEN.glob("*.tf.json"))
    for stack in stacks:
        assert (stack / "cdk.tf.json").read_text() == (GOLDEN / f"{stack.name}.tf.json").read_text(), stack.name


def test_terraform_types_from_the_binding_modules() -> None:
    from modules.construct_tree import terraform_type
    from modules.providers import DataAwsEc2InstanceType, DataAwsVpc, IamRole, VpcPeeringConnectionAccepterA

    assert terraform_type(IamRole) == "aws_iam_role"
    assert terraform_type(DataAwsVpc) == "aws_vpc"
    assert terraform_type(DataAwsEc2InstanceType) == "aws_ec2_instance_type"
    assert terraform_type(VpcPeeringConnectionAccepterA) == "aws_vpc_peering_connection_accepter"
    assert terraform_type(Path) is None


def test_an_unrecorded_construct_is_asked_of_the_kernel() -> None:
    from modules import construct_tree

    class Unrecorded:
        arn = "${TfToken[TOKEN.1]}"

    assert construct_tree.reference(Unrecorded(), "arn") == "${TfToken[TOKEN.1]}"
    assert construct_tree.components(Unrecorded()) is None
    assert construct_tree.props(Unrecorded()) is None


def test_kubernetes_types_and_expressions() -> None:
    from modules.construct_tree import terraform_type
    from modules.providers import ConfigMapV1, DataAwsVpcs

    assert terraform_type(ConfigMapV1) == "kubernetes_config_map_v1"
    assert terraform_type(DataAwsVpcs) == "aws_vpcs"


def test_descendants_are_what_the_kernel_finds(tmp_path: Path) -> None:
    """The tag pass walks the recorded tree instead of `node.find_all()`: same constructs,
    same order, for every stack of an example with every kind of stack."""
    from modules import construct_tree
    from modules.app import build_app
    from modules.config import load_config

    app = build_app(load_config(ROOT / "config" / "examples" / "cross-region-cross-account.yaml"), outdir=str(tmp_path))
    stacks = [child for child in app.node.children if construct_tree.construct_id(child)]
    assert len(stacks) >= 7
    for stack in stacks:
        recorded = construct_tree.descendants(stack)
        kernel = stack.node.find_all()[1:]  # without the stack itself
        assert recorded is not None
        assert [id(node) for node in recorded] == [id(node) for node in kernel], construct_tree.construct_id(stack)
    assert construct_tree.descendants(app) is None  # the App itself is not recorded


def test_an_expression_of_an_unrecorded_construct_is_asked_of_the_kernel() -> None:
    from modules import construct_tree

    class Unrecorded:
        fqn = "data.aws_vpcs.x"

    assert construct_tree.expression(Unrecorded(), "ids") == "data.aws_vpcs.x.ids"
    assert construct_tree.expression(Unrecorded(), "metadata[0].name") == "data.aws_vpcs.x.metadata[0].name"
