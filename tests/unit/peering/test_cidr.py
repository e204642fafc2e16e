"""The CIDR rules of a peering agree in both languages: Python's `ipaddress` (preflight) and
the HCL the guards evaluate (`terraform console`), on one table of cases."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from modules.peering import cidr

#: Edge cases: /0 and /32, equal blocks, supersets, adjacent halves, host bits set, the
#: private ranges' limits, and the machine_cidr typo of issue #17.
EDGE_PAIRS = [
    ("0.0.0.0/0", "10.0.0.0/8"),
    ("10.0.0.1/32", "10.0.0.0/31"),
    ("10.0.0.2/32", "10.0.0.0/31"),
    ("10.0.0.0/16", "10.0.0.0/16"),
    ("10.0.0.0/15", "10.0.0.0/16"),
    ("10.0.0.0/17", "10.0.128.0/17"),
    ("10.0.1.5/16", "10.0.0.0/16"),
    ("172.16.0.0/12", "172.31.255.255/32"),
    ("172.16.0.0/12", "172.32.0.0/32"),
    ("192.168.0.0/16", "192.167.255.0/24"),
    ("10.9.0.0/16", "10.0.17.0/24"),
    ("10.0.17.0/24", "10.0.0.0/16"),
    ("255.255.255.255/32", "255.255.255.0/24"),
    ("0.0.0.0/32", "0.0.0.0/0"),
]

#: (machine CIDR, a VPC's blocks, another VPC's CIDR) for the list rules: primary and
#: secondary blocks, an empty list, a block that only partly covers.
LIST_CASES = [
    ("10.0.0.0/16", ["10.0.0.0/16"], "192.168.0.0/16"),
    ("10.1.4.0/22", ["10.0.0.0/16", "10.1.0.0/16"], "10.1.128.0/17"),
    ("10.2.0.0/16", ["10.0.0.0/16", "10.1.0.0/16"], "10.0.0.0/8"),
    ("10.0.0.0/15", ["10.0.0.0/16", "10.1.0.0/16"], "10.2.0.0/16"),
    ("10.9.0.0/16", ["10.0.17.0/24"], "192.168.0.0/16"),
    ("10.0.0.0/16", [], "10.0.0.0/16"),
]


def _random_cidr(rng: random.Random) -> str:
    # Mostly inside 10.0.0.0/8 so that pairs nest and overlap often enough to matter.
    prefix = rng.choice([0, 1, 7, 8, 9, 12, 15, 16, 17, 20, 23, 24, 25, 28, 31, 32])
    base = 10 << 24 if rng.random() < 0.8 else rng.getrandbits(32)
    address = base | rng.getrandbits(16 if prefix >= 8 else 24)
    return f"{address >> 24 & 255}.{address >> 16 & 255}.{address >> 8 & 255}.{address & 255}/{prefix}"


def _pairs() -> list[tuple[str, str]]:
    rng = random.Random(17)
    return EDGE_PAIRS + [(_random_cidr(rng), _random_cidr(rng)) for _ in range(400)]


def _hcl_list(values: list[str]) -> str:
    return "[" + ", ".join(cidr.hcl_string(v) for v in values) + "]"


@pytest.mark.terraform
def test_python_and_hcl_agree_on_every_case(tmp_path: Path) -> None:
    pairs = _pairs()
    hcl: list[str] = []
    expected: list[object] = []
    for a, b in pairs:
        qa, qb = cidr.hcl_string(a), cidr.hcl_string(b)
        hcl += [cidr.hcl_inside(qa, qb), cidr.hcl_inside(qb, qa), cidr.hcl_overlaps(qa, qb)]
        expected += [cidr.inside(a, b), cidr.inside(b, a), cidr.overlaps(a, b)]
    for machine, blocks, other in LIST_CASES:
        hcl += [cidr.hcl_fits_one_of(cidr.hcl_string(machine), _hcl_list(blocks)),
                cidr.hcl_overlapping(_hcl_list(blocks), cidr.hcl_string(other))]
        expected += [cidr.fits_one_of(machine, blocks), cidr.overlapping(blocks, other)]

    # One console session evaluates every expression, read from a file (the console reads
    # one line of at most 64 KiB); no provider, no init needed.
    (tmp_path / "cases.tf").write_text("locals {\n  results = [\n" + "".join(f"    {e},\n" for e in hcl) + "  ]\n}\n")
    result = subprocess.run(
        ["terraform", "console"], cwd=tmp_path, input="jsonencode(local.results)\n", capture_output=True,
        text=True, timeout=120, env={**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"},
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(json.loads(result.stdout))

    mismatches = [(i, e, g) for i, (e, g) in enumerate(zip(expected, got)) if e != g]
    assert len(got) == len(expected) == 3 * len(pairs) + 2 * len(LIST_CASES)
    assert mismatches == []
    # The table exercises both answers of every predicate.
    for offset in range(3):
        assert {expected[i] for i in range(offset, 3 * len(pairs), 3)} == {True, False}


@pytest.mark.parametrize(
    ("machine", "blocks", "fits"),
    [
        ("10.0.0.0/16", ["10.0.0.0/16"], True),  # the whole VPC, as the default machine_cidr
        ("10.1.4.0/22", ["10.0.0.0/16", "10.1.0.0/16"], True),  # inside the secondary block
        ("10.9.0.0/16", ["10.0.17.0/24"], False),  # issue #17's typo
        ("10.0.0.0/15", ["10.0.0.0/16", "10.1.0.0/16"], False),  # spans two blocks: fits neither
    ],
)
def test_machine_cidr_fits_one_block_of_the_vpc(machine: str, blocks: list[str], fits: bool) -> None:
    assert cidr.fits_one_of(machine, blocks) is fits


def test_overlapping_names_the_blocks_that_overlap() -> None:
    assert cidr.overlapping(["10.0.0.0/16", "192.168.0.0/24"], "192.168.0.0/16") == ["192.168.0.0/24"]
    assert cidr.overlapping(["10.0.0.0/16"], "192.168.0.0/16") == []


def test_config_values_become_inert_hcl_strings() -> None:
    assert cidr.hcl_string('a"b\\c ${x} %{if}') == '"a\\"b\\\\c $${x} %%{if}"'
