"""Only the records package writes SQL for the records tables: the modules that keep accounts,
keys, the audit log and the import history build SQLAlchemy Core statements, never SQL text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from geohub.records.tables import METADATA

GEOHUB = Path(__file__).resolve().parents[2] / "geohub"
# SQL keywords as SQL text writes them (upper case: English prose says "Select a layer from…")
SQL = re.compile(
    r"\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|SELECT\s.*\bFROM|CREATE\s+(TABLE|INDEX|SCHEMA)"
    r"|ALTER\s+TABLE|DROP\s+(TABLE|INDEX|SCHEMA)|ON\s+CONFLICT|RETURNING\s+\w+|PRAGMA\s)",
    re.DOTALL,
)
# a records table named in text beside a word of SQL, in any case (`from users`, `users WHERE`)
TABLES = "|".join(table.name for table in METADATA.sorted_tables)
TABLE_IN_SQL = re.compile(
    rf"\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+({TABLES})\b|\b({TABLES})\s+(WHERE|SET)\b", re.I
)


def string_literals(source: str) -> list[str]:
    """Every string literal of `source`; an f-string as one text with `{}` for its values."""
    tree = ast.parse(source)
    parts = {id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for value in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append("".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            found.append(node.value)
    return found


def sql_literals(source: str) -> list[str]:
    """The string literals of `source` that are SQL."""
    return [text for text in string_literals(source) if SQL.search(text) or TABLE_IN_SQL.search(text)]


def records_users() -> list[Path]:
    """Modules outside geohub/records that use the records database, and all of geohub/auth."""
    paths = set((GEOHUB / "auth").rglob("*.py")) | {GEOHUB / "publishing" / "imports.py"}
    for path in GEOHUB.rglob("*.py"):
        if GEOHUB / "records" not in path.parents and "geohub.records" in path.read_text(encoding="utf-8"):
            paths.add(path)
    return sorted(paths)


def test_the_checked_modules_include_every_user_of_the_records_tables() -> None:
    names = {str(path.relative_to(GEOHUB)) for path in records_users()}
    assert {
        "auth/accounts.py",
        "auth/keys.py",
        "auth/audit.py",
        "publishing/imports.py",
        "services.py",
    } <= names


def test_no_module_outside_the_records_package_writes_sql_text() -> None:
    offenders = {
        str(path.relative_to(GEOHUB)): sql_literals(path.read_text(encoding="utf-8"))
        for path in records_users()
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_check_finds_sql_as_the_modules_once_wrote_it() -> None:
    before = """
def get_user(self, name):
    row = self._records.fetchone(f"SELECT {_USER_COLUMNS} FROM users WHERE name = %s", (name,))
    cursor.execute(
        "INSERT INTO app_key_usage (key_id, day, requests) VALUES (%s, %s, %s) "
        "ON CONFLICT (key_id, day) DO UPDATE SET requests = app_key_usage.requests + 1"
    )
    cursor.execute("UPDATE users SET disabled = %s WHERE name = %s", (True, name))
    "CREATE INDEX IF NOT EXISTS imports_layer ON imports (layer_id, id)"
"""
    assert len(sql_literals(before)) == 4
    assert sql_literals('rows = fetchall(f"select {columns} from audit_log where id < {n}")') != []
    assert sql_literals('raise InvalidRequestError("Select a layer from the list.")') == []
    assert sql_literals('raise NotFoundError(f"There is no user {name!r}.")') == []
