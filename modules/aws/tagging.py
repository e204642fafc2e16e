"""The tags every taggable AWS resource of a stack carries, added in one place.

Constructs set only what is their own (a `Name`); `tag_resources(stack, ...)` adds an
aspect that, when the stack is synthesized, gives every managed resource with a `tags`
argument the deployment's tags (`aurora.tags`, which the resource's own tags override),
the stack's marker tags (`AuroraCluster=<name>`, `RosaCluster=<name>`, ...), which
override both, and two identity tags that override everything:

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
"""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from cdktf import Aspects, IAspect, TerraformResource, TerraformStack
from constructs import IConstruct

from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG


def address(resource: TerraformResource) -> str:
    """`<stack>/<type>.<logical id>`: the value of the address tag of `resource`."""
    stack = TerraformStack.of(resource).node.id
    return f"{stack}/{resource.terraform_resource_type}.{resource.friendly_unique_id}"


def same_aws_object(resource: TerraformResource) -> dict[str, str]:
    """Own tags for a resource managing the same AWS object as `resource` (the accepter of
    a peering connection): it then carries `resource`'s address tag, not one of its own."""
    return {ADDRESS_TAG: address(resource)}


@jsii.implements(IAspect)
class ResourceTags:
    """Aspect: `{**defaults, **own tags, **markers, **identity}` on every taggable managed
    resource, identity being the deployment and address tags."""

    def __init__(self, *, deployment: str, defaults: Mapping[str, str], markers: Mapping[str, str]) -> None:
        self._deployment = deployment
        self._defaults = dict(defaults)
        self._markers = dict(markers)

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformResource) and hasattr(type(node), "tags_input"):
            own = dict(node.tags_input or {})
            identity = {DEPLOYMENT_TAG: self._deployment, ADDRESS_TAG: own.get(ADDRESS_TAG) or address(node)}
            node.tags = {**self._defaults, **own, **self._markers, **identity}


def tag_resources(
    scope: IConstruct, *, deployment: str, defaults: Mapping[str, str], markers: Mapping[str, str]
) -> None:
    """Tag every taggable resource under `scope` (a stack) with `defaults` (overridable by
    a resource's own tags), `markers` (not overridable) and the identity tags of
    `deployment` (`aurora.name`) and of the resource's address."""
    Aspects.of(scope).add(ResourceTags(deployment=deployment, defaults=defaults, markers=markers))
