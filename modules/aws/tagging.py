"""The tags every taggable AWS resource of a stack carries, added in one place.

Constructs set only what is their own (a `Name`); `tag_resources(stack, ...)` adds an
aspect that, when the stack is synthesized, gives every managed resource with a `tags`
argument the deployment's tags (`aurora.tags`, which the resource's own tags override) and
the stack's marker tags (`AuroraCluster=<name>`, `RosaCluster=<name>`, ...), which
override both. Data sources are never touched: their `tags` is a filter, not a label.
"""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from cdktf import Aspects, IAspect, TerraformResource
from constructs import IConstruct


@jsii.implements(IAspect)
class ResourceTags:
    """Aspect: `{**defaults, **own tags, **markers}` on every taggable managed resource."""

    def __init__(self, *, defaults: Mapping[str, str], markers: Mapping[str, str]) -> None:
        self._defaults = dict(defaults)
        self._markers = dict(markers)

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformResource) and hasattr(type(node), "tags_input"):
            node.tags = {**self._defaults, **(node.tags_input or {}), **self._markers}


def tag_resources(scope: IConstruct, *, defaults: Mapping[str, str], markers: Mapping[str, str]) -> None:
    """Tag every taggable resource under `scope` (a stack) with `defaults` (overridable by
    a resource's own tags) and `markers` (not overridable)."""
    Aspects.of(scope).add(ResourceTags(defaults=defaults, markers=markers))
