"""When there is no PostgreSQL to test against: skipped on a developer's machine, a failure
under CI (where `.ci/run` installs it, so its absence is a broken CI machine)."""

from __future__ import annotations

import pytest

from tests.harness import postgres
from tests.postgres.conftest import require_binaries


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "server_bin_dir", lambda: None)


def test_absent_binaries_skip_locally(no_server: None) -> None:
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server binaries"):
        require_binaries(ci=False)


def test_absent_binaries_fail_under_ci(no_server: None) -> None:
    with pytest.raises(pytest.fail.Exception, match="CI needs a PostgreSQL server: no PostgreSQL server binaries"):
        require_binaries(ci=True)


def test_present_binaries_neither_skip_nor_fail() -> None:
    if postgres.missing_binaries():
        pytest.skip("no PostgreSQL binaries on this machine")
    require_binaries(ci=True)
