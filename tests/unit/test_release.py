"""The version lives in one place and the CHANGELOG agrees with it."""

from __future__ import annotations

import re
import subprocess
import sys

from modules import __version__
from tests.conftest import ROOT

CHANGELOG = ROOT / "CHANGELOG.md"
RELEASE = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M)


def test_the_newest_release_in_the_changelog_is_the_version() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    releases = [m["version"] for m in RELEASE.finditer(text)]
    assert releases and releases[0] == __version__, (releases, __version__)
    assert text.index("## [Unreleased]") < text.index(f"## [{__version__}]"), "keep [Unreleased] on top"


def test_every_release_says_how_to_upgrade() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    starts = [m.start() for m in RELEASE.finditer(text)] + [len(text)]
    for start, end in zip(starts, starts[1:]):
        entry = text[start:end]
        assert "### Upgrading" in entry, entry.splitlines()[0]


def test_main_and_the_runner_print_the_version() -> None:
    for argv in ([sys.executable, "main.py", "--version"], [sys.executable, "-m", "modules.run", "--version"]):
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stdout == f"keycloak-aurora {__version__}\n", result
