"""`modules.providers`: every name resolves, and optional-feature bindings load only on use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# In a fresh interpreter: which on-demand submodules the stack modules import, then
# whether each on-demand name resolves to the class of that name from its submodule.
PROBE = r"""
import json, sys
from modules import fastsynth
fastsynth.install()  # as main.py does, before anything imports cdktf
import modules.app  # every stack module, as main.py imports them
from modules import providers

loaded_early = sorted({sub for sub in providers.ON_DEMAND.values() if sub in sys.modules})
resolved = {name: f"{getattr(providers, name).__module__}.{getattr(providers, name).__name__}"
            for name in providers.ON_DEMAND}
print(json.dumps({"loaded_early": loaded_early, "resolved": resolved,
                  "in_dir": sorted(set(providers.ON_DEMAND) - set(dir(providers)))}))
"""


def test_on_demand_names_load_only_when_used_and_then_resolve() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=True)
    report = json.loads(result.stdout)
    from modules.providers import ON_DEMAND

    assert report["loaded_early"] == []
    assert report["resolved"] == {name: f"{module}.{name}" for name, module in ON_DEMAND.items()}
    assert report["in_dir"] == []


def test_unknown_name_is_an_attribute_error() -> None:
    from modules import providers

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        providers.NoSuchThing  # noqa: B018
