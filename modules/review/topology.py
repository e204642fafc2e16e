"""The deployment's network topology as a Mermaid flowchart (PR comments render it).

One subgraph for the Aurora VPC, inside it one subgraph per AZ subnet holding the writer
(first AZ) or readers (round-robin over the other AZs, as `modules.naming`
places them); one subgraph per ROSA cluster's VPC with its machine CIDR and region; one
edge per VPC peering, from the ROSA machines to the Aurora VPC, labelled with the
PostgreSQL port. Everything comes from the config: no AWS call, no Terraform state.

Node ids are derived from names (`az_eu_west_1a`, `machines_rosa_site_a`, ...), made
Mermaid-safe and unique; every label is quoted and escaped, so a config value can never
break or inject into the diagram.
"""

from __future__ import annotations

import re

from modules.config import AuroraSpec, DeploymentConfig, RosaClusterSpec
from modules.naming import reader_availability_zones

#: Flowchart direction: left to right (ROSA clusters on one side, Aurora on the other).
DIRECTION = "LR"

#: Words Mermaid flowcharts treat as keywords; never used as a node id.
_RESERVED = frozenset(
    {"end", "subgraph", "graph", "flowchart", "style", "class", "classdef", "click", "linkstyle", "direction",
     "default"}
)
_INDENT = "    "


class _Ids:
    """Mermaid-safe, unique node ids: letters, digits and `_`, starting with a letter."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, *parts: str) -> str:
        """An id from `parts` (`"az", "eu-west-1a"` -> `az_eu_west_1a`); `_2`, `_3`... on clashes."""
        words = [re.sub(r"[^A-Za-z0-9]+", "_", part).strip("_") for part in parts]
        base = "_".join(word for word in words if word) or "node"
        if not base[0].isalpha():
            base = f"n_{base}"
        if base.lower() in _RESERVED:
            base = f"{base}_"
        candidate, n = base, 1
        while candidate in self._used:
            n += 1
            candidate = f"{base}_{n}"
        self._used.add(candidate)
        return candidate


def escape_label(text: str) -> str:
    """`text` safe inside a quoted Mermaid label: `#`, `"`, `<`, `>` as entity codes, no newlines."""
    text = " ".join(str(text).split())
    return text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def label(*lines: str) -> str:
    """A quoted label of one or more lines (each escaped, joined by `<br>`)."""
    return '"' + "<br>".join(escape_label(line) for line in lines) + '"'


def _aurora_vpc(spec: AuroraSpec, ids: _Ids) -> tuple[str, list[str]]:
    """(subgraph id, lines) of the Aurora VPC with one subgraph per AZ subnet and its instances."""
    vpc_id = ids.make("aurora", "vpc")
    lines = [f"subgraph {vpc_id}[{label(f'Aurora VPC {spec.vpc_cidr}', f'cluster {spec.name} · {spec.region}')}]"]
    instances: dict[str, list[str]] = {subnet.availability_zone: [] for subnet in spec.subnets}
    instances[spec.subnets[0].availability_zone].append("writer")
    for n, az in enumerate(reader_availability_zones(spec), start=1):
        instances[az].append(f"reader-{n}")
    for subnet in spec.subnets:
        az = subnet.availability_zone
        lines.append(f"{_INDENT}subgraph {ids.make('az', az)}[{label(az, f'subnet {subnet.cidr}')}]")
        for instance in instances[az]:
            lines.append(f"{_INDENT * 2}{ids.make(instance)}[({label(instance, 'PostgreSQL ' + spec.engine_version)})]")
        lines.append(f"{_INDENT}end")
    lines.append("end")
    return vpc_id, lines


def _vpc_finder(rosa: RosaClusterSpec) -> str:
    """How the ROSA VPC is found, for its label: its id, a worker node's DNS name, or tags."""
    finder = rosa.vpc
    if finder.id:
        return f"VPC {finder.id}"
    if finder.node_private_dns:
        return f"VPC of node {finder.node_private_dns}"
    return "VPC tagged " + ", ".join(f"{k}={v}" for k, v in sorted((finder.tags or {}).items()))


def _rosa_vpc(rosa: RosaClusterSpec, region: str, ids: _Ids) -> tuple[str, list[str]]:
    """(machines node id, lines) of one ROSA cluster's VPC subgraph; `region` is the cluster's."""
    account = " · other account" if rosa.cross_account else ""
    machines_id = ids.make("machines", rosa.name)
    machines = f"machine CIDR {rosa.machine_cidr}" if rosa.machine_cidr else "VPC CIDR"
    return machines_id, [
        f"subgraph {ids.make('vpc', rosa.name)}[{label(f'ROSA {rosa.name} · {region}{account}', _vpc_finder(rosa))}]",
        f"{_INDENT}{machines_id}[{label(machines)}]",
        "end",
    ]


def _peering_label(rosa: RosaClusterSpec, region: str, spec: AuroraSpec) -> str:
    """`VPC peering · tcp/5432`, naming the accepter's region when the peering needs one."""
    cross = rosa.cross_account or region != spec.region
    accepted = f", accepted in {spec.region}" if cross else ""
    return label(f"VPC peering{accepted} · tcp/{spec.port}")


def mermaid(config: DeploymentConfig) -> str:
    """The topology of `config` as Mermaid `flowchart` source (no code fence), `DIRECTION` LR."""
    ids = _Ids()
    aurora_id, lines = _aurora_vpc(config.aurora, ids)
    out = [f"flowchart {DIRECTION}", *(_INDENT + line for line in lines)]
    edges = []
    for rosa in config.rosa_clusters:
        region = config.rosa_region(rosa)
        machines_id, rosa_lines = _rosa_vpc(rosa, region, ids)
        out.extend(_INDENT + line for line in rosa_lines)
        edges.append(f"{_INDENT}{machines_id} -->|{_peering_label(rosa, region, config.aurora)}| {aurora_id}")
    return "\n".join(out + edges) + "\n"


def markdown(config: DeploymentConfig) -> str:
    """`mermaid(config)` in a fenced ```mermaid block, as GitHub renders it."""
    return f"```mermaid\n{mermaid(config)}```\n"
