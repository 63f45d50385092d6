"""Install / upgrade the Tarbox SQL into a database (``tarbox init``).

In ONE transaction, under ``pg_advisory_xact_lock(hashtext('tarbox.init'))``:

1. run ``sql/schema/0000-*.sql`` (idempotent bootstrap: roles, schema, ledger);
2. run every other ``sql/schema/*.sql`` (plus ``extra_dirs``) in file-name order
   that ``tarbox.schema_migration`` does not record, and record it with the
   sha256 of its text. A recorded migration whose file changed is refused;
3. run every ``sql/functions/<area>/*.sql`` (CREATE OR REPLACE): the area folders in name
   order (``00-internal``, ``10-inode-api``, ...), then the files of each in name order, with
   ``check_function_bodies`` off so that a function may call one of a later area (a SQL
   function of the path API calls the audited ``fs_*`` entry points of ``80-audit``); then
   every function of schema ``tarbox`` is validated by its language's validator, with the
   body checks on, so an error in any body still fails the install.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import psycopg

from .. import SQL_DIR
from ..errors import TarboxError, message_of

BOOTSTRAP_PREFIX = "0000-"
LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('tarbox.init'))"

#: Every function of schema tarbox whose language has a validator (SQL, PL/pgSQL, PL/Python).
VALIDATE_SQL = """
SELECT p.oid::regprocedure::text, v.oid::regprocedure::text
  FROM pg_proc p
  JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_proc v ON v.oid = l.lanvalidator
 WHERE p.pronamespace = 'tarbox'::regnamespace AND l.lanvalidator <> 0
 ORDER BY 1
"""


@dataclass(frozen=True)
class SqlFile:
    """One SQL source file: ``name`` (file name), ``path`` and its text/sha256."""

    name: str
    path: Path

    @property
    def text(self) -> str:
        """The file's text (str, UTF-8)."""
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        """sha256 hex digest (64 lowercase hex chars) of the file's bytes."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _sql_files(directory: Path) -> list[SqlFile]:
    if not directory.is_dir():
        return []
    return sorted((SqlFile(p.name, p) for p in directory.glob("*.sql") if p.is_file()),
                  key=lambda f: f.name)


def bootstrap_files(sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    """Return the bootstrap files ``<sql_dir>/schema/0000-*.sql`` in name order."""
    return [f for f in _sql_files(sql_dir / "schema") if f.name.startswith(BOOTSTRAP_PREFIX)]


def migration_files(sql_dir: Path = SQL_DIR, extra_dirs: Iterable[str | os.PathLike] = ()) -> list[SqlFile]:
    """Return the migrations (``schema/*.sql`` but 0000-*, plus ``*.sql`` of each
    directory in ``extra_dirs``) sorted by file name.

    Raises :class:`TarboxError` (EEXIST) if two directories hold the same name.
    """
    files = [f for f in _sql_files(sql_dir / "schema") if not f.name.startswith(BOOTSTRAP_PREFIX)]
    for d in extra_dirs:
        files.extend(_sql_files(Path(d)))
    seen: dict[str, SqlFile] = {}
    for f in files:
        if f.name in seen:
            raise TarboxError(f"migration {f.name} exists twice ({seen[f.name].path} and {f.path})",
                              errno.EEXIST)
        seen[f.name] = f
    return sorted(files, key=lambda f: f.name)


def function_files(sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    """Return every ``*.sql`` file under ``<sql_dir>/functions`` (list of :class:`SqlFile`,
    ``name`` = the path relative to ``functions/``), ordered by that path: area folders in
    name order, then files in name order, at any depth."""
    root = sql_dir / "functions"
    if not root.is_dir():
        return []
    files = [SqlFile(p.relative_to(root).as_posix(), p) for p in root.rglob("*.sql") if p.is_file()]
    return sorted(files, key=lambda f: f.path.relative_to(root).parts)


def _select_upto(files: list[SqlFile], upto: str | int | None) -> list[SqlFile]:
    if upto is None:
        return files
    if isinstance(upto, int):
        return [f for f in files if int(f.name.split("-", 1)[0]) <= upto]
    key = upto if upto.endswith(".sql") else None
    for i, f in enumerate(files):
        if f.name == key or (key is None and (f.name[:-4] == upto or f.name.split("-", 1)[0] == upto)):
            return files[: i + 1]
    raise TarboxError(f"unknown migration {upto}", errno.ENOENT)


def _execute(conn: psycopg.Connection, f: SqlFile, what: str) -> None:
    try:
        with conn.transaction():  # savepoint: name the failing file, keep the outer tx clean
            conn.execute(f.text.encode("utf-8"))
    except psycopg.Error as exc:
        raise TarboxError(f"{what} {f.name} failed: {message_of(exc)}") from exc


def _validate_functions(conn: psycopg.Connection) -> None:
    """Run the language validator of every function in schema tarbox (bodies checked now that
    every function file is loaded). Raises :class:`TarboxError` naming the function."""
    for fn, validator in conn.execute(VALIDATE_SQL).fetchall():
        try:
            with conn.transaction():
                conn.execute(f"SELECT {validator.split('(')[0]}(%s::regprocedure)", (fn,))
        except psycopg.Error as exc:
            raise TarboxError(f"function {fn} failed validation: {message_of(exc)}") from exc


def _recorded(conn: psycopg.Connection) -> dict[str, str]:
    rows = conn.execute("SELECT name, checksum FROM tarbox.schema_migration").fetchall()
    return {name: checksum for name, checksum in rows}


def install(conn: psycopg.Connection, upto: str | int | None = None,
            extra_dirs: Iterable[str | os.PathLike] = (), sql_dir: str | os.PathLike | None = None,
            functions: bool = True) -> list[str]:
    """Install or upgrade the Tarbox schema and functions in ``conn``'s database.

    Args:
        conn: an admin (superuser) psycopg connection, autocommit or not, with no
            transaction in progress or inside one (then the work joins it as a
            savepoint and commits with it).
        upto: apply migrations only up to and including this one: a file name
            (``"0012-inode.sql"``), its stem (``"0012-inode"``), its number as a
            string (``"0012"``) or an int (``12``). ``None`` = all.
        extra_dirs: more directories whose ``*.sql`` files are merged into the
            migration order (tests use ``tests/fixtures/migrations``).
        sql_dir: the SQL source root (default: the repository's ``sql/``).
        functions: also (re)create ``functions/*.sql`` (default True).

    Returns the names (list of str) of the migrations applied by this call, in order.
    Raises :class:`TarboxError`: "migration NAME was changed after it was applied"
    (EPERM) for a modified recorded migration, "unknown migration" (ENOENT) for a
    bad ``upto``, "<kind> NAME failed: <server message>" (EIO) when a file fails.
    Everything is rolled back on error.
    """
    root = Path(sql_dir) if sql_dir is not None else SQL_DIR
    if not (root / "schema").is_dir():
        raise TarboxError(f"SQL sources not found in {root}", errno.ENOENT)
    migrations = _select_upto(migration_files(root, extra_dirs), upto)
    applied: list[str] = []
    try:
        with conn.transaction():
            conn.execute(LOCK_SQL)
            for f in bootstrap_files(root):
                _execute(conn, f, "bootstrap")
            recorded = _recorded(conn)
            for f in migrations:
                checksum = f.checksum
                if f.name in recorded:
                    if recorded[f.name] != checksum:
                        raise TarboxError(f"migration {f.name} was changed after it was applied",
                                          errno.EPERM)
                    continue
                _execute(conn, f, "migration")
                conn.execute("INSERT INTO tarbox.schema_migration (name, checksum) VALUES (%s, %s)",
                             (f.name, checksum))
                applied.append(f.name)
            if functions:
                conn.execute("SET LOCAL check_function_bodies = off")
                for f in function_files(root):
                    _execute(conn, f, "function file")
                conn.execute("SET LOCAL check_function_bodies = on")
                _validate_functions(conn)
    except psycopg.Error as exc:
        raise TarboxError(f"install failed: {message_of(exc)}") from exc
    return applied


def applied_migrations(conn: psycopg.Connection) -> list[str]:
    """Return the recorded migration names (list of str, name order); [] if not installed."""
    try:
        with conn.transaction():
            rows = conn.execute("SELECT name FROM tarbox.schema_migration ORDER BY name").fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        return []
    return [r[0] for r in rows]


def schema_version(conn: psycopg.Connection) -> int:
    """Return the installed schema version (int): ``tarbox.schema_version()``.

    Falls back to the number of recorded migrations when that function does not
    exist yet, and to 0 when Tarbox is not installed. Raises :class:`TarboxError`
    on other database errors.
    """
    try:
        with conn.transaction():
            row = conn.execute("SELECT tarbox.schema_version()").fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    except (psycopg.errors.UndefinedFunction, psycopg.errors.InvalidSchemaName):
        pass
    except psycopg.Error as exc:
        raise TarboxError(f"cannot read schema version: {message_of(exc)}") from exc
    return len(applied_migrations(conn))
