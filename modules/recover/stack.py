"""A synthesized stack (`cdktf.out/stacks/<stack>/cdk.tf.json`) as recovery needs it: its
managed resources with the provider each one uses, its backend, the states it reads
outputs from, and the references between resources.

Recovery reads what Terraform will run, not the config: names, tags, regions, roles and
endpoints are taken from the JSON, so they cannot disagree with the next apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"^\$\{([^{}]+)\}$")
_RESOURCE_REF = re.compile(r"^(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(.+)$")
_OUTPUT_REF = re.compile(r"^data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)$")


@dataclass(frozen=True)
class ResourceRef:
    """`${<type>.<name>.<attribute>}`: an attribute (a path such as
    `master_user_secret[0].secret_arn`) of another resource of the stack."""

    address: str
    attribute: str


@dataclass(frozen=True)
class OutputRef:
    """`${data.terraform_remote_state.<state>.outputs.<output>}`: another stack's output."""

    state: str
    output: str


@dataclass(frozen=True)
class EachValue:
    """`${each.value}`: the instance key of a `for_each` resource (a set of strings)."""


Reference = ResourceRef | OutputRef | EachValue


def parse_reference(value: Any) -> Reference | None:
    """The reference a whole-string token makes, or None (a literal, a data source other
    than remote state, a variable, a function call, or text with a token inside)."""
    if not isinstance(value, str):
        return None
    token = _TOKEN.match(value)
    if token is None:
        return None
    expression = token.group(1)
    if expression == "each.value":
        return EachValue()
    if output := _OUTPUT_REF.match(expression):
        return OutputRef(output.group(1), output.group(2))
    if resource := _RESOURCE_REF.match(expression):
        return ResourceRef(f"{resource.group(1)}.{resource.group(2)}", resource.group(3))
    return None


def is_literal(value: Any) -> bool:
    """A value Terraform knows at plan time without evaluating anything."""
    return isinstance(value, (str, int, float, bool)) and "${" not in str(value)


@dataclass(frozen=True)
class ProviderSettings:
    """Where a provider configuration talks to: region, role to assume, and endpoints as
    (service, URL) pairs (a tuple, so settings can key a cache)."""

    region: str
    role_arn: str | None = None
    endpoints: tuple[tuple[str, str], ...] = ()

    def endpoint(self, service: str) -> str | None:
        """The URL for `service` (`ec2`, `rds`, ...), or None for AWS's own."""
        return dict(self.endpoints).get(service)


@dataclass(frozen=True)
class Backend:
    """A state backend: `kind` (`s3`, `local`, `cloud`, ...) and its settings as
    synthesized. `directory` is where Terraform runs the stack (local paths are relative
    to it)."""

    kind: str
    settings: Mapping[str, Any]
    directory: Path


@dataclass(frozen=True)
class Resource:
    """A managed resource: `<type>.<name>` is its Terraform address."""

    type: str
    name: str
    body: Mapping[str, Any]
    provider: ProviderSettings

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def for_each(self) -> bool:
        return "for_each" in self.body

    @property
    def tags(self) -> Mapping[str, str]:
        tags = self.body.get("tags")
        return tags if isinstance(tags, dict) else {}

    def literal(self, attribute: str) -> str | None:
        """The attribute's value when it is a literal string, else None."""
        value = self.body.get(attribute)
        return value if isinstance(value, str) and is_literal(value) else None

    def references(self) -> dict[str, list[Reference]]:
        """{attribute: references it makes} for top-level attributes (lists included)."""
        found: dict[str, list[Reference]] = {}
        for attribute, value in self.body.items():
            values = value if isinstance(value, list) else [value]
            refs = [ref for ref in (parse_reference(v) for v in values) if ref is not None]
            if refs:
                found[attribute] = refs
        return found


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack's Terraform JSON."""

    name: str
    directory: Path
    resources: tuple[Resource, ...]
    backend: Backend
    remote_states: Mapping[str, Backend]

    def resource(self, address: str) -> Resource | None:
        return next((r for r in self.resources if r.address == address), None)

    @classmethod
    def load(cls, directory: Path, *, run_directory: Path | None = None) -> SynthesizedStack:
        """Read `<directory>/cdk.tf.json` (a stack directory of a synth). `run_directory`
        (default `directory`) is where Terraform runs the stack (`cdktf.out/stacks/<stack>`):
        local state paths are relative to it."""
        document = json.loads((directory / "cdk.tf.json").read_text())
        providers = _providers(document.get("provider", {}).get("aws", []))
        resources = []
        for rtype, items in sorted(document.get("resource", {}).items()):
            for name, body in sorted(items.items()):
                alias = body.get("provider", "aws").removeprefix("aws").removeprefix(".") or "default"
                provider = providers.get(alias, ProviderSettings(region=""))
                resources.append(Resource(rtype, name, body, provider))
        terraform = document.get("terraform", {})
        if "cloud" in terraform:
            kind, settings = "cloud", terraform["cloud"]
        elif terraform.get("backend"):
            ((kind, settings),) = terraform["backend"].items()
        else:
            kind, settings = "local", {}  # Terraform's default: terraform.tfstate in the directory
        run_directory = run_directory or directory
        remote = {
            name: Backend(body.get("backend", "local"), body.get("config", {}), run_directory)
            for name, body in document.get("data", {}).get("terraform_remote_state", {}).items()
        }
        return cls(directory.name, directory, tuple(resources), Backend(kind, settings, run_directory), remote)


def _providers(blocks: list[dict[str, Any]]) -> dict[str, ProviderSettings]:
    """{alias or `default`: settings} of the stack's aws provider configurations."""
    found = {}
    for block in blocks:
        roles = block.get("assume_role") or [{}]
        endpoints = (block.get("endpoints") or [{}])[0]
        found[block.get("alias", "default")] = ProviderSettings(
            region=block.get("region", ""), role_arn=roles[0].get("role_arn"),
            endpoints=tuple(sorted(endpoints.items())),
        )
    return found
