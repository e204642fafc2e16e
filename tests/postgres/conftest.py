"""A real PostgreSQL server for the session (tests/harness/postgres.py), set up like RDS.

Skipped only when the PostgreSQL binaries are absent and `CI` is unset; under CI their
absence fails the tests (`.ci/run` installs Debian's postgresql-15). A server that cannot
start with the binaries present is an error either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.harness.postgres import PostgresServer, missing_binaries


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here shares the one server: one worker runs them all, in file order."""
    for item in items:
        if "tests/postgres/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("postgres"))


def require_binaries(*, ci: bool) -> None:
    """Skip the calling test when the PostgreSQL binaries are absent, or fail it under CI."""
    problem = missing_binaries()
    if problem:
        if ci:
            pytest.fail(f"CI needs a PostgreSQL server: {problem}", pytrace=False)
        pytest.skip(problem)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    require_binaries(ci=bool(os.environ.get("CI")))
    with PostgresServer.start() as server:
        yield server
