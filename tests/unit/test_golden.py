"""Every config under `config/` synthesizes to its committed golden JSON, byte for byte.

A difference means Terraform addresses or arguments moved. If that is on purpose,
regenerate with `make golden` and review the diff of `tests/golden/` like a plan.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.golden import config_files, golden, golden_name, synthesized


@pytest.mark.parametrize("config", config_files(), ids=golden_name)
def test_synthesized_json_matches_the_golden_files(config: Path, tmp_path: Path) -> None:
    expected = golden(config)
    assert expected, f"no golden files for {config}: run `make golden`"
    actual = synthesized(config, tmp_path / "cdktf.out")
    assert sorted(actual) == sorted(expected), "the set of stacks changed"
    for stack, body in actual.items():
        if body != expected[stack]:
            diff = difflib.unified_diff(
                expected[stack].decode().splitlines(), body.decode().splitlines(),
                f"golden/{stack}", f"synthesized/{stack}", lineterm="", n=2,
            )
            pytest.fail(f"{golden_name(config)}/{stack} differs from its golden file:\n" + "\n".join(list(diff)[:80]))
