"""The tags every taggable AWS resource of a stack carries, added in one place.

Constructs set only what is their own (a `Name`); `tag_resources(stack, ...)`, the last
call of a stack's constructor, gives every managed resource with a `tags` argument the
deployment's tags (`aurora.tags`, which the resource's own tags override), the stack's
marker tags (`AuroraCluster=<name>`, `RosaCluster=<name>`, ...), which override both, and
two identity tags that override everything:

* `keycloak-aurora:deployment` = `aurora.name` (the deployment; the cluster identifier
  is unique per account and region),
* `keycloak-aurora:address` = `<stack>/<type>.<logical id>`, the resource's Terraform
  address in its stack, as `terraform state list` shows it.

With them, `python -m modules.recover` finds what an interrupted apply created but never
wrote to state (issue #16). Both fit every service's tag rules (EC2, RDS, IAM, KMS, Logs:
values up to 256 characters of letters, digits, spaces and `_ . : / = + - @`; stack ids,
types and logical ids use only letters, digits, `-`, `_`). Adding them to a deployed
resource is an in-place tag update.

Two resources that manage ONE AWS object (a peering connection and its accepter) must
carry the same tags, or every apply flips them: the second names the first's address with
`same_aws_object(first)` in its own tags. Data sources are never touched: their `tags` is
a filter, not a label.

Why a call at the end and not a cdktf aspect: an aspect costs one Node.js-to-Python
callback per construct at synth, a third of the synth time of a stack (measured with
`make bench ARGS=--profile`); this is one walk in Python over the stack's resources.
`tests/unit/aws/test_tagging.py` checks that every taggable resource of every golden
config carries the tags, so a resource added after the call is caught.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import TerraformResource, TerraformStack

from modules import construct_tree
from modules.logical_ids import logical_id
from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG


def address(resource: TerraformResource, *, stack_id: str | None = None, resource_type: str | None = None) -> str:
    """`<stack>/<type>.<logical id>`: the value of the address tag of `resource`, computed
    in Python where `modules.construct_tree` recorded its creation; else asked of the kernel
    (a caller that knows the stack id or the type passes them: a round trip each)."""
    components = construct_tree.components(resource)
    if components:
        stack_id = stack_id or construct_tree.stack_id(resource)
        resource_type = resource_type or construct_tree.terraform_type(type(resource))
        if stack_id and resource_type:
            return f"{stack_id}/{resource_type}.{logical_id(components)}"
    stack_id = stack_id or TerraformStack.of(resource).node.id
    return f"{stack_id}/{resource_type or resource.terraform_resource_type}.{resource.friendly_unique_id}"


def same_aws_object(resource: TerraformResource) -> dict[str, str]:
    """Own tags for a resource managing the same AWS object as `resource` (the accepter of
    a peering connection): it then carries `resource`'s address tag, not one of its own."""
    return {ADDRESS_TAG: address(resource)}


def tag_resources(
    stack: TerraformStack, *, deployment: str, defaults: Mapping[str, str], markers: Mapping[str, str]
) -> None:
    """Tag every taggable resource `stack` holds now (call it after the last one) with
    `{**defaults, **own tags, **markers, **identity}`: `defaults` overridable by a
    resource's own tags, `markers` not, and the identity tags of `deployment`
    (`aurora.name`) and of the resource's address (or of the address its own tags name,
    see `same_aws_object`)."""
    stack_id = construct_tree.construct_id(stack) or stack.node.id
    resource_types: dict[type, str] = {}  # one jsii round trip per class, not per resource
    recorded = construct_tree.descendants(stack)
    for node in stack.node.find_all() if recorded is None else recorded:
        cls = type(node)
        if isinstance(node, TerraformResource) and hasattr(cls, "tags_input"):
            if cls not in resource_types:
                resource_types[cls] = construct_tree.terraform_type(cls) or node.terraform_resource_type
            own = _own_tags(node)
            address_tag = own.get(ADDRESS_TAG) or address(node, stack_id=stack_id, resource_type=resource_types[cls])
            node.tags = {**defaults, **own, **markers, DEPLOYMENT_TAG: deployment, ADDRESS_TAG: address_tag}


def _own_tags(resource: TerraformResource) -> dict[str, str]:
    """The tags `resource` was created with: from the construct tree Python recorded (no
    round trip), else asked of the kernel."""
    recorded = construct_tree.props(resource)
    return dict((recorded.get("tags") if recorded is not None else resource.tags_input) or {})
