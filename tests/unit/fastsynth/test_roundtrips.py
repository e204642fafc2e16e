"""Round trips to the jsii kernel per stack kind stay under a ceiling: a construct graph that
grows its conversation with Node.js fails here, whatever the machine's speed (`make bench`
prints the counts with the timings)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modules.fastsynth.roundtrips import stack_kind
from tests.conftest import EXAMPLE_CONFIG, ROOT

#: The most round trips one stack of each kind may take to build, the example config's
#: largest (peering: rosa-site-a, found by cluster id, is the costliest finder).
CEILINGS = {"aurora": 156, "peering": 30, "access": 23, "keycloak": 21}
#: What the App and the synth take outside any stack's constructor.
OUTSIDE_CEILING = 4


@pytest.fixture(scope="module")
def counts() -> dict:
    result = subprocess.run([sys.executable, "-m", "modules.fastsynth.roundtrips", str(EXAMPLE_CONFIG)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", CEILINGS)
def test_each_stack_kind_stays_under_its_ceiling(counts: dict, kind: str) -> None:
    per_stack = {stack: sum(c.values()) for stack, c in counts["stacks"].items() if stack_kind(stack) == kind}
    assert per_stack, f"the example has no {kind} stack"
    assert max(per_stack.values()) <= CEILINGS[kind], (per_stack, counts["stacks"])


def test_the_app_and_the_synth_stay_under_their_ceiling(counts: dict) -> None:
    assert sum(counts["outside"].values()) <= OUTSIDE_CEILING, counts["outside"]


def test_counting_attributes_every_stack() -> None:
    assert stack_kind("peering-rosa-a") == "peering" and stack_kind("aurora") == "aurora"
    assert stack_kind("keycloak-x") == "keycloak" and stack_kind("state") == "state"
