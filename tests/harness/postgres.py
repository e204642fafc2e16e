"""A throwaway PostgreSQL server on 127.0.0.1, for tests that need a real one.

Example::

    with PostgresServer.start() as pg:
        pg.psql("--command=SELECT version()")            # as the superuser, over its socket

The server lives in a fresh temporary directory (data, log and unix socket), listens on
127.0.0.1 only, on a free port, and is stopped and removed when the block exits. Its
`pg_hba.conf` trusts the unix socket (the test's superuser set-up) and asks for a
SCRAM password on 127.0.0.1, as RDS does of every user.

`initdb` refuses to run as root; as root (CI), the server is run by the `postgres` system
user that Debian's `postgresql-15` package creates (`runuser -u postgres`), in a
directory handed over to it. The binaries are found on PATH, else in Debian's
`/usr/lib/postgresql/<major>/bin` (newest major first).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.harness.moto import HOST, _free_port

#: The server's superuser (initdb -U): stands in for RDS's own `rdsadmin`.
SUPERUSER = "postgres"
#: The system user running the server when the tests run as root.
SERVER_OS_USER = "postgres"
_SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")


def server_bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None when they are absent."""
    on_path = [shutil.which(program) for program in _SERVER_PROGRAMS]
    if all(on_path):
        return Path(on_path[0]).resolve().parent  # type: ignore[arg-type]
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True):
        if all((candidate / program).is_file() for program in _SERVER_PROGRAMS):
            return candidate
    return None


def missing_binaries() -> str | None:
    """Which PostgreSQL programs are absent (one line), or None when all are here."""
    if server_bin_dir() is None:
        return ("no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in /usr/lib/postgresql/*/bin: "
                "install Debian's postgresql-15 (.ci/run does)")
    if shutil.which("psql") is None:
        return "no psql client on PATH: install Debian's postgresql-client-15"
    return None


class PostgresServer:
    """A running server. Attributes: `port`, `socket_dir`, `directory` (data, log, socket)."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.socket_dir = directory / "socket"

    @classmethod
    @contextlib.contextmanager
    def start(cls) -> Iterator[PostgresServer]:
        """Initialise, start and yield a server; stop it and delete its files on exit.
        Raises `RuntimeError` with the reason when it cannot (`missing_binaries()`, or root
        without the `postgres` system user)."""
        problem = missing_binaries()
        if problem:
            raise RuntimeError(problem)
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SERVER_OS_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root, and there is no {SERVER_OS_USER!r} system user to run the server as"
                ) from None
        directory = Path(tempfile.mkdtemp(prefix="keycloak-aurora-pg-"))
        server = cls(directory, _free_port())
        try:
            server.socket_dir.mkdir()
            if os.geteuid() == 0:
                owner = pwd.getpwnam(SERVER_OS_USER)
                for path in (directory, server.socket_dir):
                    os.chown(path, owner.pw_uid, owner.pw_gid)
            server._run_server_program(
                "initdb", "--pgdata", str(directory / "data"), "--username", SUPERUSER, "--auth-local=trust",
                "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
            )
            options = (f"-c listen_addresses={HOST} -c port={server.port} "
                       f"-c unix_socket_directories={server.socket_dir} -c fsync=off")
            server._run_server_program(
                "pg_ctl", "--pgdata", str(directory / "data"), "--log", str(directory / "server.log"),
                "--wait", "--options", options, "start",
            )
            yield server
        finally:
            with contextlib.suppress(Exception):
                server._run_server_program("pg_ctl", "--pgdata", str(directory / "data"), "--mode=immediate", "stop")
            shutil.rmtree(directory, ignore_errors=True)

    def _run_server_program(self, program: str, *args: str) -> None:
        command = [str(server_bin_dir() / program), *args]  # type: ignore[operator]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_OS_USER, "--", *command]
        result = subprocess.run(command, cwd=self.directory, capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{tail}")

    def psql(self, *args: str, user: str = SUPERUSER, password: str | None = None, database: str = "postgres",
             check: bool = True) -> subprocess.CompletedProcess[str]:
        """`psql --no-psqlrc <args>` as `user`: with a `password` over TCP to 127.0.0.1 (SCRAM,
        as a client of RDS connects), without one over the unix socket (trusted: set-up only).
        With `check` (default) a non-zero exit raises `AssertionError` with psql's output."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env.update(PGPORT=str(self.port), PGUSER=user, PGDATABASE=database, PGCONNECT_TIMEOUT="10")
        if password is None:
            env["PGHOST"] = str(self.socket_dir)
        else:
            env.update(PGHOST=HOST, PGPASSWORD=password, PGSSLMODE="disable")
        result = subprocess.run(["psql", "--no-psqlrc", *args], env=env, capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
        if check:
            assert result.returncode == 0, f"psql {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        return result

    def query(self, sql: str, **connection: str) -> list[tuple[str, ...]]:
        """Rows of `sql` as tuples of text (psql's unaligned output), as `psql` would connect."""
        out = self.psql("--tuples-only", "--no-align", "--field-separator=|", f"--command={sql}", **connection).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]
