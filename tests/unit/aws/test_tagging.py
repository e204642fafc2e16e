"""The one tagging mechanism: deployment tags under a resource's own, stack markers over both,
the identity tags (deployment, Terraform address) over everything, data sources left alone."""

from __future__ import annotations

import json
import re
from typing import Any

from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG
from tests.conftest import construct_json, data_sources, resources
from tests.golden import GOLDEN_DIR


def tagged_stack() -> dict[str, Any]:
    from modules.aws.tagging import same_aws_object, tag_resources
    from modules.providers import DataAwsVpc, IamRolePolicy, SecurityGroup, Vpc

    def build(stack: Any) -> None:
        vpc = Vpc(stack, "vpc", cidr_block="10.0.0.0/16", tags={"Name": "own-name", "AuroraCluster": "not-mine"})
        SecurityGroup(stack, "group", name="g")
        SecurityGroup(stack, "same-object", name="g2", tags=same_aws_object(vpc))
        IamRolePolicy(stack, "policy", role="r", policy="{}")
        DataAwsVpc(stack, "found", tags={"Name": "rosa"})
        tag_resources(
            stack, deployment="kc", defaults={"CostCenter": "identity", "Name": "default-name", ADDRESS_TAG: "x"},
            markers={"AuroraCluster": "kc"},
        )

    return construct_json(build)


def test_own_tags_override_defaults_and_markers_override_both() -> None:
    (vpc,) = resources(tagged_stack(), "aws_vpc").values()
    assert vpc["tags"] == {
        "CostCenter": "identity", "Name": "own-name", "AuroraCluster": "kc",
        DEPLOYMENT_TAG: "kc", ADDRESS_TAG: "test/aws_vpc.vpc",
    }


def test_a_resource_without_tags_of_its_own_gets_the_stack_tags() -> None:
    group = resources(tagged_stack(), "aws_security_group")["group"]
    assert group["tags"] == {
        "CostCenter": "identity", "Name": "default-name", "AuroraCluster": "kc",
        DEPLOYMENT_TAG: "kc", ADDRESS_TAG: "test/aws_security_group.group",
    }


def test_a_resource_managing_the_same_aws_object_carries_the_other_address() -> None:
    # A peering connection and its accepter are one AWS object: two different address tags
    # would flip on every apply.
    group = resources(tagged_stack(), "aws_security_group")["same-object"]
    assert group["tags"][ADDRESS_TAG] == "test/aws_vpc.vpc"


def test_untaggable_resources_and_data_sources_are_left_alone() -> None:
    stack = tagged_stack()
    (policy,) = resources(stack, "aws_iam_role_policy").values()
    assert "tags" not in policy
    (found,) = data_sources(stack, "aws_vpc").values()
    assert found["tags"] == {"Name": "rosa"}  # a filter, not a label


def golden_resources() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(golden file, stack, type, body) of every resource of every golden stack."""
    found = []
    for path in sorted(GOLDEN_DIR.glob("*/*.tf.json")):
        stack = path.name.removesuffix(".tf.json")
        for rtype, items in json.loads(path.read_text()).get("resource", {}).items():
            found += [(f"{path.parent.name}/{path.name}", stack, f"{rtype}.{name}", body) for name, body in items.items()]
    return found


#: What EC2, RDS, IAM, KMS and CloudWatch Logs all accept in a tag value (IAM's and Logs'
#: rule, the strictest), and the shortest maximum length among them.
TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{0,256}$")


def test_every_taggable_resource_of_every_config_names_its_deployment_and_address() -> None:
    tagged = [(golden, stack, address, body["tags"]) for golden, stack, address, body in golden_resources()
              if "tags" in body]
    assert len(tagged) > 100
    for golden, stack, address, tags in tagged:
        assert tags[DEPLOYMENT_TAG], golden
        if address.startswith("aws_vpc_peering_connection_accepter."):
            assert tags[ADDRESS_TAG].startswith(f"{stack}/aws_vpc_peering_connection."), golden
        else:
            assert tags[ADDRESS_TAG] == f"{stack}/{address}", golden
        assert TAG_VALUE.match(tags[ADDRESS_TAG]) and TAG_VALUE.match(tags[DEPLOYMENT_TAG]), golden


def test_the_longest_address_fits_a_tag_value() -> None:
    # The longest stack id (a ROSA name has at most 40 characters) with the longest address.
    longest = max((address for _, _, address, _ in golden_resources()), key=len)
    assert len(f"peering-{'r' * 40}/{longest}") <= 256


def test_the_keycloak_stacks_have_no_aws_resources_to_tag() -> None:
    # "Every taggable resource of every stack": the keycloak-* stacks hold Kubernetes
    # objects only, which take labels, not AWS tags.
    keycloak = [address for golden, stack, address, _ in golden_resources() if stack.startswith("keycloak-")]
    assert keycloak and not [a for a in keycloak if a.startswith("aws_")]
