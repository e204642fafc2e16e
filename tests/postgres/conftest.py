"""A real PostgreSQL server for the session (tests/harness/postgres.py), set up like RDS.

Skipped only when the server binaries are absent and `CI` is unset; under CI a missing
server fails the tests (`.ci/run` installs Debian's postgresql-15).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.harness.postgres import PostgresServer, unavailable


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here shares the one server: one worker runs them all, in file order."""
    for item in items:
        if "tests/postgres/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("postgres"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    problem = unavailable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a PostgreSQL server: {problem}", pytrace=False)
        pytest.skip(problem)
    with PostgresServer.start() as server:
        yield server
