"""The database user bootstrap (`templates/bootstrap-db-user.sql`) against a REAL
PostgreSQL server, set up the way RDS sets up Aurora PostgreSQL:

* a stand-in `rds_iam` role (on RDS, membership makes the server accept IAM tokens only);
* a master user that is NOT a superuser: CREATEROLE, CREATEDB and a member of
  `rds_superuser`, owner of database `keycloak`, logging in with a password over TCP;
  from PostgreSQL 16 on, a CREATEROLE user may grant only roles it holds ADMIN OPTION on,
  so the stand-in gives the master exactly that on `rds_iam` (no inheritance, no SET),
  which is what lets RDS's master user `GRANT rds_iam` as AWS documents;
* Keycloak's tables from the `copy` days, created by the master user.

The script runs with exactly the psql arguments the bootstrap Job uses
(`modules.keycloak.db_user.psql_args`), twice. The stand-in `rds_iam` does not check
tokens, so a test that logs in as the IAM user first gives it a password as the
superuser (never the script): the point is what the user may do once logged in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modules.keycloak.db_user import SQL_FILE, psql_args
from modules.naming import db_owner_role
from tests.harness.postgres import PostgresServer

MASTER, MASTER_PASSWORD = "keycloak", "master-Pw-0"
DB_USER = "keycloak_iam"
OWNER = db_owner_role(DB_USER)
TEST_LOGIN_PASSWORD = "test-only-Pw-1"

RDS_LIKE = f"""
CREATE ROLE rds_iam NOLOGIN;
CREATE ROLE rds_superuser NOLOGIN;
CREATE ROLE {MASTER} LOGIN PASSWORD '{MASTER_PASSWORD}' CREATEROLE CREATEDB IN ROLE rds_superuser;
"""

# What Keycloak created while it connected as the master user: tables with a primary and a
# foreign key, a serial, an index, a standalone sequence, a view, a function and rows.
LEGACY = """
CREATE TABLE realm (id varchar(36) PRIMARY KEY, name text NOT NULL);
CREATE TABLE client (id varchar(36) PRIMARY KEY, realm_id varchar(36) REFERENCES realm(id), n serial);
CREATE INDEX idx_client_realm ON client(realm_id);
CREATE SEQUENCE standalone_seq;
CREATE TABLE databasechangeloglock (id int PRIMARY KEY, locked boolean NOT NULL);
CREATE VIEW realm_names AS SELECT name FROM realm;
CREATE FUNCTION realm_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM realm';
INSERT INTO realm VALUES ('r1', 'master');
INSERT INTO client (id, realm_id) VALUES ('c1', 'r1');
"""


def as_master(pg: PostgresServer, *args: str, database: str = "keycloak", check: bool = True):
    return pg.psql(*args, user=MASTER, password=MASTER_PASSWORD, database=database, check=check)


def bootstrap(pg: PostgresServer, db_user: str = DB_USER, database: str = "keycloak"):
    """The Job's psql command, as the master user over TCP with its password."""
    return as_master(pg, *psql_args(db_user, str(SQL_FILE)), database=database)


#: PostgreSQL 16 on: what lets the master grant rds_iam without inheriting from it.
RDS_LIKE_16 = f"GRANT rds_iam TO {MASTER} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;"


def server_major(pg: PostgresServer) -> int:
    return int(pg.query("SHOW server_version_num")[0][0]) // 10000


@pytest.fixture(scope="module")
def runs(postgres: PostgresServer) -> Iterator[list[str]]:
    """GIVEN an RDS-like server with Keycloak's legacy tables, WHEN the bootstrap runs twice:
    the output of each run."""
    postgres.psql(f"--command={RDS_LIKE}")
    if server_major(postgres) >= 16:
        postgres.psql(f"--command={RDS_LIKE_16}")
    as_master(postgres, "--command=CREATE DATABASE keycloak", database="postgres")
    as_master(postgres, "--set=ON_ERROR_STOP=1", f"--command={LEGACY}")
    outputs = [bootstrap(postgres).stdout, bootstrap(postgres).stdout]
    # Test only: the stand-in rds_iam checks no token, so let the user log in with a password.
    postgres.psql(f"--command=ALTER ROLE {DB_USER} PASSWORD '{TEST_LOGIN_PASSWORD}'", database="keycloak")
    yield outputs


def as_iam_user(pg: PostgresServer, sql: str) -> list[tuple[str, ...]]:
    return pg.query(sql, user=DB_USER, password=TEST_LOGIN_PASSWORD, database="keycloak")


def test_first_run_creates_the_roles_and_hands_over_the_legacy_objects(runs: list[str]) -> None:
    lines = runs[0].splitlines()
    assert lines.count("CREATE ROLE") == 2
    # realm, client, databasechangeloglock; then the standalone sequence, the view, the function
    assert lines.count("ALTER TABLE") == 3
    assert lines.count("ALTER SEQUENCE") == 1 and lines.count("ALTER VIEW") == 1 and lines.count("ALTER ROUTINE") == 1


def test_second_run_succeeds_and_changes_nothing(runs: list[str]) -> None:
    lines = runs[1].splitlines()
    assert not [line for line in lines if line.startswith(("CREATE", "ALTER TABLE", "ALTER SEQUENCE", "ALTER VIEW"))]
    assert lines[0] == "BEGIN" and lines[-1] == "COMMIT"


def test_the_user_logs_in_without_a_password_of_its_own_and_only_through_rds_iam(
    runs: list[str], postgres: PostgresServer
) -> None:
    # (the test password was set after the runs; a re-run takes it away again, see below)
    assert postgres.query(
        f"SELECT rolcanlogin, pg_has_role('{DB_USER}', 'rds_iam', 'MEMBER'), rolsuper, rolcreaterole "
        f"FROM pg_roles WHERE rolname = '{DB_USER}'"
    ) == [("t", "t", "f", "f")]
    assert postgres.query(f"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{OWNER}'") == [("f",)]


def test_the_user_acts_as_the_owner_role(runs: list[str], postgres: PostgresServer) -> None:
    assert as_iam_user(postgres, "SELECT session_user, current_user") == [(DB_USER, OWNER)]


def test_the_user_creates_alters_and_drops_tables(runs: list[str], postgres: PostgresServer) -> None:
    as_iam_user(postgres, "CREATE TABLE migration_probe (id int PRIMARY KEY)")
    as_iam_user(postgres, "ALTER TABLE migration_probe ADD COLUMN note text")
    as_iam_user(postgres, "CREATE INDEX idx_probe_note ON migration_probe(note)")
    as_iam_user(postgres, "INSERT INTO migration_probe VALUES (1, 'x')")
    assert as_iam_user(postgres, "SELECT tableowner FROM pg_tables WHERE tablename = 'migration_probe'") == [(OWNER,)]
    as_iam_user(postgres, "DROP TABLE migration_probe")
    assert as_iam_user(postgres, "SELECT count(*) FROM pg_tables WHERE tablename = 'migration_probe'") == [("0",)]
    as_iam_user(postgres, "CREATE TEMP TABLE scratch (id int)")


def test_the_user_migrates_the_legacy_tables(runs: list[str], postgres: PostgresServer) -> None:
    # What a Keycloak upgrade's Liquibase changesets do to tables the master user created.
    as_iam_user(postgres, "ALTER TABLE realm ADD COLUMN display_name text")
    as_iam_user(postgres, "CREATE INDEX idx_realm_name ON realm(name)")
    as_iam_user(postgres, "ALTER TABLE client DROP CONSTRAINT client_realm_id_fkey")
    as_iam_user(postgres, "ALTER TABLE client ADD CONSTRAINT client_realm_id_fkey FOREIGN KEY (realm_id) REFERENCES realm(id)")
    as_iam_user(postgres, "INSERT INTO client (id, realm_id) VALUES ('c2', 'r1')")
    as_iam_user(postgres, "SELECT nextval('standalone_seq')")
    as_iam_user(postgres, "CREATE OR REPLACE VIEW realm_names AS SELECT name, display_name FROM realm")
    assert as_iam_user(postgres, "SELECT realm_count()") == [("1",)]
    as_iam_user(postgres, "DROP TABLE databasechangeloglock")
    as_iam_user(postgres, "CREATE TABLE databasechangeloglock (id int PRIMARY KEY, locked boolean NOT NULL)")


def test_every_object_in_the_schema_belongs_to_the_owner_role(runs: list[str], postgres: PostgresServer) -> None:
    owners = postgres.query(
        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' UNION "
        "SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'",
        database="keycloak",
    )
    assert owners == [(OWNER,)]
    # The database itself stays the master's (REASSIGN OWNED would have given it away).
    assert postgres.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'keycloak'") == [(MASTER,)]


def test_the_master_keeps_its_password_login_and_is_never_in_rds_iam(runs: list[str], postgres: PostgresServer) -> None:
    assert postgres.query("SELECT session_user", user=MASTER, password=MASTER_PASSWORD, database="keycloak") == [(MASTER,)]
    # It inherits nothing from rds_iam, directly or through the IAM user (membership is
    # transitive), and administers Keycloak's tables through the owner role.
    assert postgres.query(
        f"SELECT pg_has_role('{MASTER}', 'rds_iam', 'USAGE'), pg_has_role('{MASTER}', '{DB_USER}', 'USAGE'), "
        f"pg_has_role('{MASTER}', '{OWNER}', 'USAGE')"
    ) == [("f", "f", "t")]
    if server_major(postgres) < 16:
        # PostgreSQL 15: no membership at all.
        assert postgres.query(
            f"SELECT pg_has_role('{MASTER}', 'rds_iam', 'MEMBER'), pg_has_role('{MASTER}', '{DB_USER}', 'MEMBER')"
        ) == [("f", "f")]
    else:
        # PostgreSQL 16 on: a CREATEROLE user is made an ADMIN-only member of every role it
        # creates (no INHERIT, no SET), the IAM user included; nothing more, nothing it can use.
        assert postgres.query(
            "SELECT pg_get_userbyid(roleid), admin_option, inherit_option, set_option FROM pg_auth_members "
            f"WHERE member = '{MASTER}'::regrole AND roleid IN ('rds_iam'::regrole, '{DB_USER}'::regrole) ORDER BY 1"
        ) == [(DB_USER, "t", "f", "f"), ("rds_iam", "t", "f", "f")]
        assert postgres.query(
            f"SELECT pg_has_role('{MASTER}', 'rds_iam', 'SET'), pg_has_role('{MASTER}', '{DB_USER}', 'SET')"
        ) == [("f", "f")]
    as_master(postgres, "--command=ALTER TABLE realm ALTER COLUMN name SET DEFAULT ''")


def test_a_rerun_takes_a_password_away_again(runs: list[str], postgres: PostgresServer) -> None:
    bootstrap(postgres)
    assert postgres.query(f"SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = '{DB_USER}'") == [("t",)]
    postgres.psql(f"--command=ALTER ROLE {DB_USER} PASSWORD '{TEST_LOGIN_PASSWORD}'")


def test_an_empty_database_and_a_reserved_word_as_the_user_name(runs: list[str], postgres: PostgresServer) -> None:
    # A fresh deployment (no tables yet), and a user name that only works quoted.
    as_master(postgres, "--command=CREATE DATABASE fresh", database="postgres")
    output = bootstrap(postgres, db_user="user", database="fresh").stdout.splitlines()
    assert output.count("CREATE ROLE") == 2 and "ALTER TABLE" not in output
    assert postgres.query(
        "SELECT pg_get_userbyid(setrole), setconfig::text FROM pg_db_role_setting s JOIN pg_database d "
        "ON d.oid = s.setdatabase WHERE d.datname = 'fresh'"
    ) == [("user", "{role=user_owner}")]
    bootstrap(postgres, db_user="user", database="fresh")
