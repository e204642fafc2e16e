"""The one tagging mechanism: deployment tags under a resource's own, stack markers over both,
data sources left alone."""

from __future__ import annotations

from typing import Any

from tests.conftest import construct_json, data_sources, resources


def tagged_stack() -> dict[str, Any]:
    from modules.aws.tagging import tag_resources
    from modules.providers import DataAwsVpc, IamRolePolicy, SecurityGroup, Vpc

    def build(stack: Any) -> None:
        tag_resources(stack, defaults={"CostCenter": "identity", "Name": "default-name"}, markers={"AuroraCluster": "kc"})
        Vpc(stack, "vpc", cidr_block="10.0.0.0/16", tags={"Name": "own-name", "AuroraCluster": "not-mine"})
        SecurityGroup(stack, "group", name="g")
        IamRolePolicy(stack, "policy", role="r", policy="{}")
        DataAwsVpc(stack, "found", tags={"Name": "rosa"})

    return construct_json(build)


def test_own_tags_override_defaults_and_markers_override_both() -> None:
    (vpc,) = resources(tagged_stack(), "aws_vpc").values()
    assert vpc["tags"] == {"CostCenter": "identity", "Name": "own-name", "AuroraCluster": "kc"}


def test_a_resource_without_tags_of_its_own_gets_the_stack_tags() -> None:
    (group,) = resources(tagged_stack(), "aws_security_group").values()
    assert group["tags"] == {"CostCenter": "identity", "Name": "default-name", "AuroraCluster": "kc"}


def test_untaggable_resources_and_data_sources_are_left_alone() -> None:
    stack = tagged_stack()
    (policy,) = resources(stack, "aws_iam_role_policy").values()
    assert "tags" not in policy
    (found,) = data_sources(stack, "aws_vpc").values()
    assert found["tags"] == {"Name": "rosa"}  # a filter, not a label
