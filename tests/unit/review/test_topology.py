"""The Mermaid topology diagram: well-formed, and showing every VPC, subnet and peering.

How Mermaid draws it (nothing overdrawn, the writer's AZ first) is checked by rendering it
in tests/render; these tests read the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from modules.config import parse_config
from modules.review.topology import MAX_ROSA_DRAWN, escape_label, markdown, mermaid

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"([^"\n]*)"'
STATEMENTS = {
    "subgraph": re.compile(rf"^subgraph ({_ID})\[{_LABEL}\]$"),
    "end": re.compile(r"^end$"),
    "node": re.compile(rf"^({_ID})(?:\[{_LABEL}\]|\[\({_LABEL}\)\])$"),
    "edge": re.compile(rf"^({_ID}) (-->|-\.->)\|{_LABEL}\| ({_ID})$"),  # -.-> dotted
    "link": re.compile(rf"^({_ID}) ~~~ ({_ID})$"),  # invisible: orders the layout
    "direction": re.compile(r"^direction (LR|RL|TB|TD|BT)$"),
    "comment": re.compile(r"^%%.*$"),
}
RESERVED = {"end", "subgraph", "graph", "flowchart", "style", "class", "classdef", "click", "linkstyle", "direction"}


@dataclass
class Diagram:
    """A parsed flowchart: subgraphs and nodes with their label and parent, and edges."""

    subgraphs: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (label, parent)
    nodes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, label, to)
    dotted: list[str] = field(default_factory=list)  # the labels of the dotted edges
    links: list[tuple[str, str]] = field(default_factory=list)  # invisible (from, to)
    directions: dict[str, str] = field(default_factory=dict)  # subgraph id -> direction

    def children(self, parent: str) -> dict[str, str]:
        """{id: label} of the subgraphs and nodes directly inside `parent`."""
        return {i: lab for i, (lab, p) in {**self.subgraphs, **self.nodes}.items() if p == parent}

    def labels(self) -> list[str]:
        return [lab for lab, _ in (*self.subgraphs.values(), *self.nodes.values())]


def parse(source: str) -> Diagram:
    """Check `source` line by line and return its structure; assertion errors name the line.

    Every line is a known statement; the first is `flowchart <dir>`; subgraphs close with
    `end`; `direction` only inside a subgraph; ids are declared once, are not keywords;
    edges and links join declared ids.
    """
    lines = source.splitlines()
    assert re.fullmatch(r"flowchart (LR|RL|TB|TD|BT)", lines[0]), lines[0]
    d, stack = Diagram(), []
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        kind, match = next(((k, m) for k, p in STATEMENTS.items() if (m := p.match(line))), (None, None))
        assert match is not None, f"line {number} is no known statement: {raw!r}"
        if kind == "subgraph" or kind == "node":
            ident = match.group(1)
            assert ident.lower() not in RESERVED, f"line {number}: keyword as id"
            assert ident not in d.subgraphs and ident not in d.nodes, f"line {number}: {ident} declared twice"
            label = next(g for g in match.groups()[1:] if g is not None)
            target = d.subgraphs if kind == "subgraph" else d.nodes
            target[ident] = (label, stack[-1] if stack else None)
            if kind == "subgraph":
                stack.append(ident)
        elif kind == "end":
            assert stack, f"line {number}: `end` without a subgraph"
            stack.pop()
        elif kind == "edge":
            d.edges.append((match.group(1), match.group(3), match.group(4)))
            if match.group(2) == "-.->":
                d.dotted.append(match.group(3))
        elif kind == "link":
            d.links.append((match.group(1), match.group(2)))
        elif kind == "direction":
            assert stack, f"line {number}: `direction` outside a subgraph"
            d.directions[stack[-1]] = match.group(1)
    assert not stack, f"subgraphs left open: {stack}"
    declared = set(d.subgraphs) | set(d.nodes)
    for start, *_, end in (*d.edges, *d.links):
        assert start in declared and end in declared, f"edge {start} -> {end} joins an undeclared id"
    return d


@pytest.fixture
def example(example_data: dict[str, Any]) -> Diagram:
    return parse(mermaid(parse_config(example_data)))


def aurora_vpc(d: Diagram) -> str:
    (top,) = [i for i, (lab, parent) in d.subgraphs.items() if parent is None and lab.startswith("Aurora ")]
    return top


def test_the_checker_rejects_what_mermaid_would() -> None:
    for bad in (
        "flowchart LR\n    subgraph a[\"x\"]\n",  # unbalanced
        "flowchart LR\n    end\n",
        "flowchart LR\n    a[\"x\"]\n    a --> b\n",  # unlabelled edge to nowhere
        "flowchart LR\n    a[\"x\"]\n    a -->|\"p\"| b\n",
        "flowchart LR\n    a[\"x\"]\n    a ~~~ b\n",
        "flowchart LR\n    direction TB\n",
        "flowchart LR\n    a[\"x\"]\n    a[\"y\"]\n",
        "flowchart LR\n    end[\"x\"]\n",
        "flowchart LR\n    a[\"say \"hi\"\"]\n",
    ):
        with pytest.raises(AssertionError):
            parse(bad)


def test_aurora_vpc_holds_one_subgraph_per_az_subnet(example: Diagram, example_data: dict[str, Any]) -> None:
    vpc = aurora_vpc(example)
    assert example.subgraphs[vpc][0] == "Aurora keycloak-aurora · eu-west-1 · VPC 192.168.0.0/16"
    subnets = [lab for i, lab in example.children(vpc).items() if i in example.subgraphs]
    assert subnets == [
        f"{s['availability_zone']} · subnet {s['cidr']}" for s in example_data["aurora"]["subnets"]
    ] == ["eu-west-1a · subnet 192.168.0.0/19", "eu-west-1b · subnet 192.168.32.0/19"]


def test_writer_in_the_first_az_and_the_reader_in_the_second(example: Diagram) -> None:
    by_az = {
        example.subgraphs[i][0].split(" · ")[0]: sorted(example.children(i).values())
        for i in example.children(aurora_vpc(example))
    }
    assert by_az == {
        "eu-west-1a": ["writer<br>PostgreSQL 16.8"],
        "eu-west-1b": ["reader-1<br>PostgreSQL 16.8"],
    }


def test_readers_go_round_robin_over_the_other_azs(config_data: dict[str, Any]) -> None:
    config_data["aurora"]["subnets"].append({"availability_zone": "eu-west-1c", "cidr": "192.168.64.0/19"})
    config_data["aurora"]["reader_count"] = 3
    d = parse(mermaid(parse_config(config_data)))
    by_az = {
        d.subgraphs[i][0].split(" · ")[0]: sorted(lab.split("<br>")[0] for lab in d.children(i).values())
        for i in d.children(aurora_vpc(d))
    }
    assert by_az == {"eu-west-1a": ["writer"], "eu-west-1b": ["reader-1", "reader-3"], "eu-west-1c": ["reader-2"]}


def test_every_rosa_vpc_with_its_machine_cidr_and_region(example: Diagram, example_data: dict[str, Any]) -> None:
    rosa = {lab: sorted(example.children(i).values()) for i, (lab, parent) in example.subgraphs.items()
            if parent is None and lab.startswith("ROSA ")}
    assert rosa == {
        "ROSA rosa-site-a · eu-west-1": [
            "machine CIDR 10.0.0.0/16<br>VPC found by cluster id<br>api.openshift.com/id=2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"
        ],
        "ROSA rosa-site-b · eu-west-1": ["machine CIDR 10.1.0.0/16<br>VPC found by tags<br>Name=rosa-site-b-vpc"],
    }
    assert len(rosa) == len(example_data["rosa_clusters"])


def test_one_peering_edge_per_rosa_cluster_to_the_aurora_vpc_named_by_its_stack(example: Diagram) -> None:
    vpc = aurora_vpc(example)
    edges = {(example.nodes[start][0].split("<br>")[0], label, end) for start, label, end in example.edges}
    assert edges == {
        ("machine CIDR 10.0.0.0/16", "peering-rosa-site-a<br>tcp/5432", vpc),
        ("machine CIDR 10.1.0.0/16", "peering-rosa-site-b<br>tcp/5432", vpc),
    }
    assert len(example.edges) == 2


def test_vpc_cidr_when_no_machine_cidr_and_cross_region_or_account_peerings(config_data: dict[str, Any]) -> None:
    site_a, site_b = config_data["rosa_clusters"]
    site_a["role_arn"] = "arn:aws:iam::123456789012:role/peer"
    del site_b["machine_cidr"]
    site_b["region"] = "eu-central-1"
    config_data["aurora"]["port"] = 5433
    d = parse(mermaid(parse_config(config_data)))
    (machines,) = [i for i, (lab, _) in d.nodes.items() if lab.startswith("machine CIDR: the VPC's CIDR<br>")]
    assert d.subgraphs[d.nodes[machines][1]][0] == "ROSA rosa-site-b · eu-central-1"
    assert "ROSA rosa-site-a · eu-west-1 · other account" in d.labels()
    assert sorted(lab for _, lab, _ in d.edges) == [
        "peering-rosa-site-a<br>tcp/5433 · cross-account",
        "peering-rosa-site-b<br>tcp/5433 · cross-region",
    ]


def test_a_retired_cluster_is_drawn_as_such(config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"][1]["retired"] = True
    d = parse(mermaid(parse_config(config_data)))
    # its VPC says so, and its peering is a dotted edge saying it is destroyed
    assert "ROSA rosa-site-b · eu-west-1 · retired" in d.labels()
    assert "ROSA rosa-site-a · eu-west-1" in d.labels()
    assert sorted(lab for _, lab, _ in d.edges) == [
        "peering-rosa-site-a<br>tcp/5432",
        "peering-rosa-site-b · retired: destroyed<br>tcp/5432",
    ]
    assert d.dotted == ["peering-rosa-site-b · retired: destroyed<br>tcp/5432"]


def test_the_example_has_no_dotted_edge(example: Diagram) -> None:
    assert example.dotted == []


def test_each_way_of_finding_the_vpc_is_named(config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"] = [
        {"name": "a", "vpc": {"node_private_dns": "ip-10-0-16-10.eu-west-1.compute.internal"}},
        {"name": "b", "vpc": {"cluster_id": "owned", "cluster_id_tag": "kubernetes.io/cluster/b-x2x"}},
    ]
    config_data["keycloak"] = {"credentials": "copy"}  # no OIDC issuers needed; the picture is the same
    labels = parse(mermaid(parse_config(config_data))).labels()
    assert "machine CIDR: the VPC's CIDR<br>VPC found by worker node<br>ip-10-0-16-10.eu-west-1.compute.internal" in labels
    assert "machine CIDR: the VPC's CIDR<br>VPC found by cluster id<br>kubernetes.io/cluster/b-x2x=owned" in labels


def test_ids_are_unique_and_labels_escaped_whatever_the_names(config_data: dict[str, Any]) -> None:
    config_data["rosa_clusters"] = [
        {"name": "end", "vpc": {"tags": {"Name": 'a "quoted" #35; <b>x</b> end]) --> y'}}},
        {"name": "a-machines", "vpc": {"id": "vpc-0123456789abcdef0"}},
        {"name": "a", "vpc": {"id": "vpc-0123456789abcdef1"}, "machine_cidr": "10.9.0.0/16"},
    ]
    config_data["keycloak"] = {"credentials": "copy"}  # no OIDC issuers needed; the picture is the same
    source = mermaid(parse_config(config_data))
    d = parse(source)  # unique ids, no keyword ids, quoted labels, edges to declared ids
    assert len(d.edges) == 3
    escaped = "Name=a #quot;quoted#quot; #35;35; #lt;b#gt;x#lt;/b#gt; end]) --#gt; y"
    assert f"machine CIDR: the VPC's CIDR<br>VPC found by tags<br>{escaped}" in d.labels()
    assert "ROSA end · eu-west-1" in d.labels()


def test_escape_label() -> None:
    assert escape_label('a"b#c<d>\ne') == "a#quot;b#35;c#lt;d#gt; e"


def test_markdown_fences_the_diagram(example_data: dict[str, Any]) -> None:
    text = markdown(parse_config(example_data))
    assert text.startswith("```mermaid\nflowchart LR\n") and text.endswith("\n```\n")


def clusters_config(config_data: dict[str, Any], count: int) -> dict[str, Any]:
    """`config_data` with `count` ROSA clusters rosa-01... (every tenth in us-east-1, every
    twentieth in another account)."""
    config_data["rosa_clusters"] = [
        {
            "name": f"rosa-{n:02d}",
            "vpc": {"tags": {"Name": f"rosa-{n:02d}-vpc"}},
            "machine_cidr": f"10.{n}.0.0/16",
            "oidc_issuer": f"https://oidc.op1.openshiftapps.com/rosa{n:02d}",
            **({"region": "us-east-1"} if n % 10 == 0 else {}),
            **({"role_arn": "arn:aws:iam::123456789012:role/peer"} if n % 20 == 0 else {}),
        }
        for n in range(1, count + 1)
    ]
    return config_data


def test_every_subgraph_title_is_one_line(example: Diagram, config_data: dict[str, Any]) -> None:
    # Mermaid leaves room for one line above a subgraph's content: a second runs under it.
    config_data["rosa_clusters"][0]["role_arn"] = "arn:aws:iam::123456789012:role/peer"
    config_data["aurora"]["subnets"].append({"availability_zone": "eu-west-1c", "cidr": "192.168.64.0/19"})
    for d in (example, parse(mermaid(parse_config(config_data)))):
        assert [lab for lab, _ in d.subgraphs.values() if "<br>" in lab] == []


def test_the_azs_are_drawn_in_config_order_and_an_empty_one_says_so(config_data: dict[str, Any]) -> None:
    config_data["aurora"]["subnets"].append({"availability_zone": "eu-west-1c", "cidr": "192.168.64.0/19"})
    d = parse(mermaid(parse_config(config_data)))
    vpc = aurora_vpc(d)
    assert d.directions == {vpc: "TB"}
    azs = [i for i in d.children(vpc) if i in d.subgraphs]
    # Invisible links from the first node of each AZ to the next: the writer's AZ on top.
    firsts = [next(iter(d.children(az))) for az in azs]
    assert d.links == list(zip(firsts, firsts[1:]))
    assert [d.nodes[first][0].split("<br>")[0] for first in firsts] == ["writer", "reader-1", "no instance"]


def test_six_rosa_clusters_are_all_drawn(config_data: dict[str, Any]) -> None:
    d = parse(mermaid(parse_config(clusters_config(config_data, MAX_ROSA_DRAWN))))
    assert len([lab for lab, _ in d.subgraphs.values() if lab.startswith("ROSA ")]) == MAX_ROSA_DRAWN == 6
    assert len(d.edges) == 6
    assert not [lab for lab in d.labels() if "more ROSA clusters" in lab]


def test_fifty_rosa_clusters_draw_five_and_summarise_the_rest(config_data: dict[str, Any]) -> None:
    d = parse(mermaid(parse_config(clusters_config(config_data, 50))))
    drawn = [lab for lab, _ in d.subgraphs.values() if lab.startswith("ROSA ")]
    assert drawn == [f"ROSA rosa-0{n} · eu-west-1" for n in range(1, 6)]
    (more,) = [i for i, (lab, _) in d.nodes.items() if "more ROSA clusters" in lab]
    assert d.nodes[more] == (
        "… and 45 more ROSA clusters, not drawn<br>rosa-06 … rosa-50<br>eu-west-1: 40, us-east-1: 5; "
        "2 in other accounts<br>each with its own peering-#lt;name#gt; stack",
        None,
    )
    # retired ones among those not drawn are counted
    config = clusters_config(config_data, 50)
    for rosa in config["rosa_clusters"][-3:]:
        rosa["retired"] = True
    (label,) = [lab for lab in parse(mermaid(parse_config(config))).labels() if "more ROSA clusters" in lab]
    assert "2 in other accounts; 3 retired<br>" in label
    assert [(s, lab) for s, lab, _ in d.edges][-1] == (more, "45 more VPC peerings<br>tcp/5432")
    assert len(d.edges) == 6


def test_labels_wrap_wide_enough_for_a_worker_node_name(example_data: dict[str, Any]) -> None:
    # Mermaid wraps node labels at 200 px by default: a DNS name would break at its hyphens.
    lines = mermaid(parse_config(example_data)).splitlines()
    assert lines[1] == '    %%{init: {"flowchart": {"wrappingWidth": 360}}}%%'
