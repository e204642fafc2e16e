"""The deployment's network topology as a Mermaid flowchart (PR comments render it).

Left to right: one subgraph per ROSA cluster's VPC (region, account, machine CIDR and how
its VPC is found), one labelled edge per VPC peering (its stack and the PostgreSQL port;
a retired cluster's subgraph says `retired` and its peering is a dotted edge),
and the Aurora VPC holding one subgraph per AZ subnet with the writer (first AZ, drawn on
top) or readers (round-robin over the other AZs, as `modules.naming` places
them). Beyond `MAX_ROSA_DRAWN` clusters the first ones are drawn and one node summarises
the rest, so the picture stays small for 50 clusters. Everything comes from the config:
no AWS call, no Terraform state.

Shaped for what Mermaid draws cleanly (checked with mermaid-cli in Chromium by
tests/render): every subgraph title is one line (Mermaid leaves room for one line only,
so a second line runs under the subgraph's content); detail goes into nodes, which grow
with their text; invisible links (`~~~`) order the AZs, as Mermaid's own order of
unlinked subgraphs is not the declaration order.

Node ids are derived from names (`az_eu_west_1a`, `machines_rosa_site_a`, ...), made
Mermaid-safe and unique; every label is quoted and escaped, so a config value can never
break or inject into the diagram.
"""

from __future__ import annotations

import re
from collections import Counter

from modules.config import AuroraSpec, DeploymentConfig, RosaClusterSpec
from modules.naming import peering_stack_id, reader_availability_zones

#: Flowchart direction: left to right (ROSA clusters on one side, Aurora on the other).
DIRECTION = "LR"
#: Direction inside the Aurora VPC: its AZ subnets top to bottom, the writer's first.
AURORA_DIRECTION = "TB"
#: ROSA clusters drawn one by one; with more, the first `MAX_ROSA_DRAWN - 1` are drawn
#: and one node stands for the others.
MAX_ROSA_DRAWN = 6
#: Width (px) at which Mermaid wraps a node label; its default (200) breaks a worker
#: node's DNS name at the hyphens. Set by an `%%{init}%%` directive on the second line
#: (the first stays `flowchart LR`); a renderer that ignores it only wraps sooner.
WRAPPING_WIDTH = 360

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
    """(subgraph id, lines) of the Aurora VPC with one subgraph per AZ subnet and its instances.

    The AZs are chained by invisible links, writer's first, so they are drawn in that order.
    """
    vpc_id = ids.make("aurora", "vpc")
    title = f"Aurora {spec.name} · {spec.region} · VPC {spec.vpc_cidr}"
    lines = [f"subgraph {vpc_id}[{label(title)}]", f"{_INDENT}direction {AURORA_DIRECTION}"]
    instances: dict[str, list[str]] = {subnet.availability_zone: [] for subnet in spec.subnets}
    instances[spec.subnets[0].availability_zone].append("writer")
    for n, az in enumerate(reader_availability_zones(spec), start=1):
        instances[az].append(f"reader-{n}")
    firsts: list[str] = []  # the first node of each AZ, for the invisible links
    for subnet in spec.subnets:
        az = subnet.availability_zone
        lines.append(f"{_INDENT}subgraph {ids.make('az', az)}[{label(f'{az} · subnet {subnet.cidr}')}]")
        nodes = [
            (ids.make(instance), f"[({label(instance, 'PostgreSQL ' + spec.engine_version)})]")
            for instance in instances[az]
        ] or [(ids.make("empty", az), f"[{label('no instance')}]")]
        firsts.append(nodes[0][0])
        lines.extend(f"{_INDENT * 2}{node_id}{shape}" for node_id, shape in nodes)
        lines.append(f"{_INDENT}end")
    lines.extend(f"{_INDENT}{a} ~~~ {b}" for a, b in zip(firsts, firsts[1:]))
    lines.append("end")
    return vpc_id, lines


def _vpc_finder(rosa: RosaClusterSpec) -> list[str]:
    """How the ROSA VPC is found, as label lines: the way, then its value (one line a tag)."""
    finder = rosa.vpc
    if finder.cluster_id:
        return ["VPC found by cluster id", f"{finder.cluster_tag_key}={finder.cluster_id}"]
    if finder.id:
        return ["VPC found by id", finder.id]
    if finder.node_private_dns:
        return ["VPC found by worker node", finder.node_private_dns]
    return ["VPC found by tags", *(f"{k}={v}" for k, v in sorted((finder.tags or {}).items()))]


def _rosa_vpc(rosa: RosaClusterSpec, region: str, ids: _Ids) -> tuple[str, list[str]]:
    """(machines node id, lines) of one ROSA cluster's VPC subgraph; `region` is the cluster's."""
    account = " · other account" if rosa.cross_account else ""
    account += " · retired" if rosa.retired else ""
    machines_id = ids.make("machines", rosa.name)
    machines = f"machine CIDR {rosa.machine_cidr}" if rosa.machine_cidr else "machine CIDR: the VPC's CIDR"
    return machines_id, [
        f"subgraph {ids.make('vpc', rosa.name)}[{label(f'ROSA {rosa.name} · {region}{account}')}]",
        f"{_INDENT}{machines_id}[{label(machines, *_vpc_finder(rosa))}]",
        "end",
    ]


def _crossing(rosa: RosaClusterSpec, region: str, spec: AuroraSpec) -> str:
    """` · cross-region`, ` · cross-account` (or both) when the peering is accepted separately."""
    kinds = ["account"] if rosa.cross_account else []
    kinds += ["region"] if region != spec.region else []
    return f" · cross-{'/'.join(kinds)}" if kinds else ""


def _peering_label(rosa: RosaClusterSpec, region: str, spec: AuroraSpec) -> str:
    """Two lines, `peering-<name>` and `tcp/5432` (` · cross-region`...): the edge runs between
    them; a retired cluster's says it is being destroyed."""
    name = peering_stack_id(rosa.name) + (" · retired: destroyed" if rosa.retired else "")
    return label(name, f"tcp/{spec.port}{_crossing(rosa, region, spec)}")


def _edge(rosa: RosaClusterSpec | None) -> str:
    """`-->`, or `-.->` (dotted) for the peering of a retired cluster."""
    return "-.->" if rosa is not None and rosa.retired else "-->"


def _more_rosa(rest: list[RosaClusterSpec], config: DeploymentConfig, ids: _Ids) -> tuple[str, str, str]:
    """(node id, node line, edge label) of the one node standing for the clusters not drawn."""
    spec = config.aurora
    regions = Counter(config.rosa_region(rosa) for rosa in rest)
    where = ", ".join(f"{region}: {n}" for region, n in sorted(regions.items()))
    other_accounts = sum(rosa.cross_account for rosa in rest)
    retired = sum(rosa.retired for rosa in rest)
    lines = [
        f"… and {len(rest)} more ROSA clusters, not drawn",
        f"{rest[0].name} … {rest[-1].name}",
        where + (f"; {other_accounts} in other accounts" if other_accounts else "")
        + (f"; {retired} retired" if retired else ""),
        "each with its own peering-<name> stack",
    ]
    node_id = ids.make("more", "rosa", "clusters")
    return node_id, f"{node_id}[{label(*lines)}]", label(f"{len(rest)} more VPC peerings", f"tcp/{spec.port}")


def mermaid(config: DeploymentConfig) -> str:
    """The topology of `config` as Mermaid `flowchart` source (no code fence), `DIRECTION` LR."""
    ids = _Ids()
    aurora = config.aurora
    out = [f"flowchart {DIRECTION}", f'{_INDENT}%%{{init: {{"flowchart": {{"wrappingWidth": {WRAPPING_WIDTH}}}}}}}%%']
    rosa_clusters = list(config.rosa_clusters)
    drawn = rosa_clusters if len(rosa_clusters) <= MAX_ROSA_DRAWN else rosa_clusters[: MAX_ROSA_DRAWN - 1]
    edges: list[tuple[str, str, RosaClusterSpec | None]] = []
    for rosa in drawn:
        region = config.rosa_region(rosa)
        machines_id, rosa_lines = _rosa_vpc(rosa, region, ids)
        out.extend(_INDENT + line for line in rosa_lines)
        edges.append((machines_id, _peering_label(rosa, region, aurora), rosa))
    if len(drawn) < len(rosa_clusters):
        node_id, node_line, edge_label = _more_rosa(rosa_clusters[len(drawn):], config, ids)
        out.append(_INDENT + node_line)
        edges.append((node_id, edge_label, None))
    aurora_id, aurora_lines = _aurora_vpc(aurora, ids)
    out.extend(_INDENT + line for line in aurora_lines)
    out.extend(f"{_INDENT}{start} {_edge(rosa)}|{edge_label}| {aurora_id}" for start, edge_label, rosa in edges)
    return "\n".join(out) + "\n"


def markdown(config: DeploymentConfig) -> str:
    """`mermaid(config)` in a fenced ```mermaid block, as GitHub renders it."""
    return f"```mermaid\n{mermaid(config)}```\n"
