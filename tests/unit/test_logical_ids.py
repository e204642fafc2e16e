"""cdktf's logical ids, computed in Python (`modules.logical_ids`), agree with every address
cdktf wrote in the golden files: every resource and data source of every config."""

from __future__ import annotations

import json

import pytest

from modules.logical_ids import logical_id, reference
from tests.conftest import ROOT

#: Every golden stack that holds a resource or data source (a retired cluster's hold none).
GOLDEN = sorted(p for p in (ROOT / "tests" / "golden").glob("*/*.tf.json")
                if '"resource"' in p.read_text(encoding="utf-8") or '"data"' in p.read_text(encoding="utf-8"))


def _elements(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    for section in ("resource", "data"):
        for resource_type, bodies in (document.get(section) or {}).items():
            for name, body in bodies.items():
                meta = body.get("//", {}).get("metadata")
                if meta:
                    yield resource_type, name, meta


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_golden_address_is_what_python_computes(golden) -> None:
    checked = 0
    for resource_type, name, meta in _elements(golden):
        components = meta["path"].split("/")[1:]  # below the stack
        assert logical_id(components) == meta["uniqueId"] == name, (resource_type, meta)
        checked += 1
    assert checked > 0


def test_the_rules_cdktf_applies() -> None:
    assert logical_id(["aurora-outputs"]) == "aurora-outputs"  # one component: as is
    assert logical_id(["a.b c"]) == "abc"  # disallowed characters dropped
    assert logical_id(["peering", "route-to-aurora"]) == "peering_route-to-aurora_FAB375FE"
    assert logical_id(["aurora", "Default", "writer"]) == logical_id(["aurora", "writer"])
    assert logical_id(["x", "Resource"]).startswith("x_")  # hashed, not shown
    assert logical_id(["network", "work"]).startswith("network_")  # a component its predecessor ends with
    with pytest.raises(ValueError):
        logical_id([])


def test_references_are_what_cdktf_renders() -> None:
    assert reference("aws_vpc_peering_connection", ["peering", "connection"], "id") == (
        "${aws_vpc_peering_connection.peering_connection_E7A626F9.id}")
    assert reference("aws_subnet", ["peering", "rosa-cluster-node-subnet"], "vpc_id", data=True) == (
        "${data.aws_subnet.peering_rosa-cluster-node-subnet_DBEAE514.vpc_id}")
