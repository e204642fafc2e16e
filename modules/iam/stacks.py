"""What the policies are derived from: every AWS object type of the synthesized stacks,
with the provider (region, account role) each one goes through.

Reads `cdk.tf.json` files (what Terraform will run), not the config, so the policies
cannot disagree with the next apply. Pure: JSON in, records out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Kinds of Terraform blocks that call AWS, as the JSON names them.
KINDS = ("resource", "data", "ephemeral")


@dataclass(frozen=True)
class Use:
    """One AWS type used in one stack through one provider: `kind` is `resource`, `data`
    or `ephemeral`; `role_arn` the provider's `assume_role` (a cluster in another
    account), None for the deployment's own account."""

    stack: str
    kind: str
    type: str
    region: str
    role_arn: str | None
    #: The blocks' bodies (every resource of this type and provider), for what the
    #: policies take from them (managed policy ARNs, restore sources).
    bodies: tuple[Mapping[str, Any], ...] = ()


def _providers(stack: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """{provider reference (`aws`, `aws.aurora`): (region, role ARN)} of a stack."""
    found = {}
    for block in stack.get("provider", {}).get("aws", []):
        name = f"aws.{block['alias']}" if block.get("alias") else "aws"
        roles = block.get("assume_role") or []
        found[name] = (block["region"], roles[0].get("role_arn") if roles else None)
    return found


def uses(stacks: Mapping[str, Mapping[str, Any]]) -> Iterator[Use]:
    """Every (stack, kind, type, provider) of AWS types in `stacks` ({stack id: JSON})."""
    for stack_id, stack in sorted(stacks.items()):
        providers = _providers(stack)
        for kind in KINDS:
            for rtype, blocks in sorted(stack.get(kind, {}).items()):
                if not rtype.startswith("aws_"):
                    continue
                grouped: dict[str, list[Mapping[str, Any]]] = {}
                for body in blocks.values():
                    grouped.setdefault(body.get("provider", "aws").removeprefix("${").removesuffix("}"), []).append(body)
                for provider, bodies in sorted(grouped.items()):
                    region, role = providers[provider]
                    yield Use(stack_id, kind, rtype, region, role, tuple(bodies))


def backend(stack: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(kind, settings) of a stack's backend (`s3`, `local`, `cloud`), if it has one."""
    backends = stack.get("terraform", {}).get("backend", {})
    for kind, settings in backends.items():
        return kind, settings
    if "cloud" in stack.get("terraform", {}):
        return "cloud", stack["terraform"]["cloud"]
    return None


def remote_states(stack: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(backend kind, settings) of every `terraform_remote_state` the stack reads."""
    return [(body["backend"], body.get("config", {}))
            for body in stack.get("data", {}).get("terraform_remote_state", {}).values()]
