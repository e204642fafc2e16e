"""Keycloak's database user with `keycloak.credentials: iam`: the bootstrap SQL and the
psql command line that runs it, shared by the bootstrap Job and the tests that run the
same command against a real PostgreSQL server.

`templates/bootstrap-db-user.sql` takes its names as psql variables (`iam_user`,
`owner_role`, `schema`) and quotes every identifier itself, so no value is pasted into SQL
text. Pure: importing this starts no Node.js process.
"""

from __future__ import annotations

from pathlib import Path

from modules.naming import db_owner_role

#: The bootstrap SQL (idempotent; run as the master user, connected to Keycloak's database).
SQL_FILE = Path(__file__).resolve().parents[2] / "templates" / "bootstrap-db-user.sql"
#: Keycloak's schema (the CR's `spec.db.schema` is left at its default).
SCHEMA = "public"


def bootstrap_sql() -> str:
    """The text of `SQL_FILE`."""
    return SQL_FILE.read_text(encoding="utf-8")


def psql_variables(db_user: str, schema: str = SCHEMA) -> dict[str, str]:
    """The script's psql variables: the login user, its owner role `<db_user>_owner`, the schema."""
    return {"iam_user": db_user, "owner_role": db_owner_role(db_user), "schema": schema}


def psql_args(db_user: str, sql_file: str, schema: str = SCHEMA) -> list[str]:
    """psql's arguments (no connection settings: those come from PG* variables): no psqlrc,
    stop at the first error, the variables, and the script at `sql_file`."""
    variables = [f"--set={name}={value}" for name, value in psql_variables(db_user, schema).items()]
    return ["--no-psqlrc", "--set=ON_ERROR_STOP=1", *variables, f"--file={sql_file}"]
