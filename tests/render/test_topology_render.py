"""The topology diagram of every example config, drawn as a reviewer's browser draws it.

mermaid-cli (pinned in package.json) renders every diagram in Debian's Chromium in one
run: any parse or render error fails. Chromium then reports where each box and text sits,
and nothing may be overdrawn (`layout_problems` in tools/topology_picture.py). The
pictures stay in .build/topology-render/ (<name>.svg and .png) for a person to look at.

Needs node_modules (make install) and /usr/bin/chromium; only without Chromium, and only
outside CI, does it skip.
"""

from __future__ import annotations

import copy
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from modules.config import load_config, parse_config
from modules.review.topology import MAX_ROSA_DRAWN, mermaid
from tests.conftest import EXAMPLE_CONFIG, ROOT

# One worker renders them all (xdist group): the pictures share one output directory, and
# mermaid-cli starts one Chromium for the whole batch.
pytestmark = [pytest.mark.render, pytest.mark.xdist_group("render")]

OUT = ROOT / ".build" / "topology-render"
EXAMPLES = [EXAMPLE_CONFIG, *sorted((ROOT / "config" / "examples").glob("*.yaml"))]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("topology_picture", ROOT / "tools" / "topology_picture.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


picture = _load_tool()


def _fifty_clusters(data: dict[str, Any]) -> dict[str, Any]:
    """The example with 50 ROSA clusters, some in another region or account."""
    data = copy.deepcopy(data)
    data["rosa_clusters"] = [
        {
            "name": f"rosa-{n:02d}",
            "vpc": {"tags": {"Name": f"rosa-{n:02d}-vpc"}},
            "machine_cidr": f"10.{n}.0.0/16",
            "oidc_issuer": f"https://oidc.op1.openshiftapps.com/rosa{n:02d}",
            **({"region": "us-east-1"} if n % 10 == 0 else {}),
            **({"role_arn": "arn:aws:iam::123456789012:role/peer"} if n % 20 == 0 else {}),
        }
        for n in range(1, 51)
    ]
    return data


def _long_names(data: dict[str, Any]) -> dict[str, Any]:
    """The example stretched: long names, three AZs, three readers, every way to find a VPC."""
    data = copy.deepcopy(data)
    data["aurora"]["name"] = "keycloak-aurora-with-a-rather-long-cluster-identifier"
    data["aurora"]["subnets"].append({"availability_zone": "eu-west-1c", "cidr": "192.168.64.0/19"})
    data["aurora"]["reader_count"] = 3
    data["keycloak"] = {"credentials": "copy"}  # no OIDC issuers needed; the picture is the same
    data["rosa_clusters"] = [
        {"name": "rosa-ireland", "vpc": {"id": "vpc-0123456789abcdef0"}},
        {
            "name": "rosa-frankfurt-with-a-rather-long-name",
            "region": "eu-central-1",
            "vpc": {"tags": {"Name": "rosa-frankfurt-vpc", "red-hat-clustertype": "rosa", "env": "production"}},
            "machine_cidr": "10.2.0.0/16",
        },
        {
            "name": "rosa-other-account",
            "role_arn": "arn:aws:iam::123456789012:role/peer",
            "vpc": {"node_private_dns": "ip-10-3-200-123.eu-west-1.compute.internal"},
            "machine_cidr": "10.3.0.0/16",
        },
    ]
    return data


def _sources() -> dict[str, str]:
    """{name: Mermaid source} of every example config and the generated ones."""
    sources = {str(path.relative_to(ROOT / "config").with_suffix("")): mermaid(load_config(path)) for path in EXAMPLES}
    example = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    sources["generated-50-clusters"] = mermaid(parse_config(_fifty_clusters(example)))
    sources["generated-long-names"] = mermaid(parse_config(_long_names(example)))
    return sources


SOURCES = _sources()
#: The diagram as it was before issue #15: two-line subgraph titles, overdrawn.
OVERDRAWN = """flowchart LR
    subgraph aurora_vpc["Aurora VPC 192.168.0.0/16<br>cluster keycloak-aurora · eu-west-1"]
        subgraph az_eu_west_1a["eu-west-1a<br>subnet 192.168.0.0/19"]
            writer[("writer<br>PostgreSQL 16.8")]
        end
    end
    subgraph vpc_rosa_site_a["ROSA rosa-site-a · eu-west-1<br>VPC of node ip-10-0-16-10.eu-west-1.compute.internal"]
        machines_rosa_site_a["machine CIDR 10.0.0.0/16"]
    end
    machines_rosa_site_a -->|"VPC peering · tcp/5432"| aurora_vpc
"""


@dataclass
class Rendered:
    svg: Path
    png: Path
    boxes: dict[str, Any]


@pytest.fixture(scope="module")
def rendered() -> dict[str, Rendered]:
    """Every diagram rendered by mmdc in one run, then measured (and saved as PNG) in Chromium."""
    missing = picture.missing_tools()
    if missing:
        reason = "cannot render Mermaid, missing: " + "; ".join(missing)
        if not os.environ.get("CI") and not picture.CHROMIUM.exists():
            pytest.skip(reason)
        pytest.fail(reason + ("" if os.environ.get("CI") else " (only a missing Chromium skips)"))
    try:
        svgs = picture.render({**SOURCES, "overdrawn-before-15": OVERDRAWN}, OUT, "svg")
        boxes = picture.measure(list(svgs.values()), png=True)
    except picture.RenderError as err:
        pytest.fail(str(err))
    return {name: Rendered(svg, svg.with_suffix(".png"), boxes[svg]) for name, svg in svgs.items()}


@pytest.mark.parametrize("name", SOURCES)
def test_renders_with_nothing_overdrawn(rendered: dict[str, Rendered], name: str) -> None:
    diagram = rendered[name]
    assert diagram.png.stat().st_size > 0
    problems = picture.layout_problems(diagram.boxes)
    assert not problems, f"{diagram.png} is overdrawn:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", SOURCES)
def test_the_writers_az_is_drawn_first_and_the_others_below_in_order(rendered: dict[str, Rendered], name: str) -> None:
    clusters = {picture.element_id(c["id"]): c["box"] for c in rendered[name].boxes["clusters"]}
    lines = [line.split() for line in SOURCES[name].splitlines()]
    azs = [words[1].split("[")[0] for words in lines if words[:1] == ["subgraph"] and words[1].startswith("az_")]
    tops = [clusters[az]["y"] for az in azs]
    assert len(azs) >= 2 and tops == sorted(tops) and len(set(tops)) == len(tops), (rendered[name].png, azs, tops)


def test_fifty_clusters_make_a_small_picture_that_says_what_it_left_out(rendered: dict[str, Rendered]) -> None:
    boxes = rendered["generated-50-clusters"].boxes
    rosa = [c for c in boxes["clusters"] if c["title"] and c["title"]["text"].startswith("ROSA ")]
    assert len(rosa) == MAX_ROSA_DRAWN - 1
    assert any(n["label"]["text"].startswith("… and 45 more ROSA clusters, not drawn") for n in boxes["nodes"])
    assert boxes["size"]["height"] < 1200 and boxes["size"]["width"] < 1600, boxes["size"]


def test_the_check_sees_the_titles_overdrawn_before_issue_15(rendered: dict[str, Rendered]) -> None:
    problems = picture.layout_problems(rendered["overdrawn-before-15"].boxes)
    writer = "title of subgraph az_eu_west_1a 'eu-west-1a / subnet 192.168.0.0/19' is overdrawn by node writer"
    assert writer in problems
    assert [p for p in problems if p.startswith("title of subgraph vpc_rosa_site_a") and "by node machines" in p]
