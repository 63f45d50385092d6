"""tarbox init / migrate.install: idempotence, upgrades keep data, fixture
migrations apply and are recorded, changed migrations are refused.

Upgrade tests run in scratch databases of the same cluster, dropped afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tarbox_shell import SQL_DIR
from tarbox_shell.db import migrate
from tarbox_shell.errors import TarboxError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "migrations"

CATALOG_SNAPSHOT = """
SELECT (SELECT array_agg(name || ':' || checksum ORDER BY name) FROM tarbox.schema_migration),
       (SELECT md5(string_agg(p.oid::regprocedure::text || pg_get_functiondef(p.oid), '|'
                              ORDER BY p.oid::regprocedure::text))
          FROM pg_proc p WHERE p.pronamespace = 'tarbox'::regnamespace AND p.prokind IN ('f', 'p')),
       (SELECT array_agg(c.relname::text ORDER BY c.relname)
          FROM pg_class c WHERE c.relnamespace = 'tarbox'::regnamespace),
       (SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
          FROM pg_proc p WHERE p.pronamespace = 'tarbox'::regnamespace)
"""


def _with_db(dsn: str, dbname: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**params)


@pytest.fixture
def scratch(dsn):
    """Factory of empty scratch databases (plpython3u only); yields connect(name)."""
    created: list[str] = []
    conns: list[psycopg.Connection] = []
    maint = psycopg.connect(_with_db(dsn, "postgres"), autocommit=True)

    def make() -> psycopg.Connection:
        name = f"tarbox_mig_{uuid.uuid4().hex[:10]}"
        maint.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        conn = psycopg.connect(_with_db(dsn, name), autocommit=True)
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
        conns.append(conn)
        return conn

    yield make
    for c in conns:
        c.close()
    for name in created:
        maint.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    maint.close()


def test_init_twice_changes_nothing(admin):
    before = admin.execute(CATALOG_SNAPSHOT).fetchone()
    assert migrate.install(admin) == []
    assert migrate.install(admin) == []
    after = admin.execute(CATALOG_SNAPSHOT).fetchone()
    assert before == after
    names = [f.name for f in migrate.migration_files()]
    assert migrate.applied_migrations(admin) == names
    assert migrate.schema_version(admin) > 0


def test_recorded_checksums_are_sha256_of_files(admin):
    rows = dict(admin.execute("SELECT name, checksum FROM tarbox.schema_migration").fetchall())
    for f in migrate.migration_files():
        assert rows[f.name] == hashlib.sha256(f.path.read_bytes()).hexdigest()
    assert not any(name.startswith("0000-") for name in rows)


def _schema_names(rev: str) -> set[str]:
    """The migration file names in ``sql/schema`` at git revision ``rev``."""
    out = subprocess.run(["git", "-C", str(SQL_DIR.parent), "ls-tree", "--name-only", f"{rev}:sql/schema"],
                         capture_output=True, text=True, check=True).stdout.split()
    return {n for n in out if not n.startswith("0000-")}


def previous_sql(dest: Path) -> Path:
    """Extract into ``dest`` the ``sql/`` tree that an upgrade to this checkout starts from: the
    newest commit on the first-parent line of HEAD (HEAD itself when the working tree has
    migrations HEAD lacks) whose ``sql/schema`` lacks some migration of this checkout. Needs
    the repository's history (CI clones it whole). Returns the extracted ``sql`` directory."""
    repo = SQL_DIR.parent
    current = {f.name for f in migrate.migration_files()}
    rev = "HEAD"
    while current <= _schema_names(rev):
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", f"{rev}^1"],
                             capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(repo), "archive", rev, "sql"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / "sql"


def _every_file(conn: psycopg.Connection) -> dict[tuple[int, str], bytes]:
    """{(layer, path): content} of every regular file in every layer, read through the path
    API of whatever version is installed (the caller acts as the tenant)."""
    out: dict[tuple[int, str], bytes] = {}
    layers = [r[0] for r in conn.execute("SELECT layer_id FROM tarbox.layer ORDER BY layer_id").fetchall()]
    for layer in layers:
        todo = ["/"]
        while todo:
            d = todo.pop()
            for name, kind in conn.execute("SELECT name, type FROM tarbox.ls(%s, %s)", (d, str(layer))).fetchall():
                p = d.rstrip("/") + "/" + name
                if kind == "dir":
                    todo.append(p)
                elif kind == "file":
                    out[(layer, p)] = bytes(conn.execute("SELECT tarbox.read(%s, 0, NULL, %s)",
                                                         (p, str(layer))).fetchone()[0])
    return out


def test_upgrade_keeps_data(scratch, tmp_path):
    """Install the schema and functions of the version this checkout upgrades (see
    :func:`previous_sql`), write files and layers with them, upgrade to this checkout (plus a
    fixture migration), and compare every file in every layer."""
    conn = scratch()
    old_sql = previous_sql(tmp_path)
    names = [f.name for f in migrate.migration_files()]
    old_names = sorted(p.name for p in (old_sql / "schema").glob("*.sql") if not p.name.startswith("0000-"))
    assert set(old_names) < set(names), "the old version must lack a migration of this checkout"
    applied = migrate.install(conn, sql_dir=old_sql)
    assert applied == old_names
    version_before = migrate.schema_version(conn)
    tname = f"mig-{uuid.uuid4().hex[:8]}"
    role = conn.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (tname,)).fetchone()[0]
    text = "".join(f"line {i}: {'x' * (i % 50)}\n" for i in range(3000)).encode()
    try:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        conn.execute("SELECT tarbox.mkdir('/keep/deep', 493, true)")
        conn.execute("SELECT tarbox.write('/keep/deep/a.txt', %b::bytea)", (b"hello upgrade\n",))
        conn.execute("SELECT tarbox.write('/keep/big.bin', %b::bytea)", (bytes(range(256)) * 5000,))
        conn.execute("SELECT tarbox.write('/keep/src.py', %b::bytea)", (text,))
        conn.execute("SELECT tarbox.write('/keep/sparse', %b::bytea, 5000000)", (b"end",))
        conn.execute("SELECT tarbox.write('/keep/small', 'a'::bytea)")
        for i in range(40):   # the old write path may leave garbage: one block version per write
            conn.execute("SELECT tarbox.write('/keep/small', %b::bytea, %s)", (b"b" * 100, i * 100))
        conn.execute("SELECT * FROM tarbox.layer_new('second')")
        conn.execute("SELECT tarbox.write('/keep/src.py', %b::bytea)", (text.replace(b"line 1500:", b"LINE 1500:"),))
        conn.execute("SELECT tarbox.write('/keep/big.bin', %b::bytea, 70000)", (b"changed",))
        conn.execute("SELECT tarbox.rm('/keep/deep/a.txt')")
        conn.execute("SELECT tarbox.write('/keep/new.txt', 'made in layer 2')")
        conn.execute("SELECT * FROM tarbox.layer_new('third')")
        conn.execute("SELECT tarbox.append('/keep/src.py', %b::bytea)", (b"appended\n",))
        before = _every_file(conn)
        conn.execute("RESET ROLE")

        applied = migrate.install(conn, extra_dirs=[FIXTURES])
        assert applied == sorted(set(names) - set(old_names)) + ["9000-test-fixture.sql"]
        assert migrate.schema_version(conn) >= version_before

        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        after = _every_file(conn)
        assert len(before) >= 12
        assert after.keys() == before.keys()
        for key in before:
            assert after[key] == before[key], f"{key} differs after the upgrade"
        # Garbage an old write path left is reported as such (not as corruption) and collected.
        problems = conn.execute("SELECT check_name FROM tarbox.fsck(true)").fetchall()
        assert {p[0] for p in problems} <= {"garbage"}
        freed = conn.execute("SELECT blocks_freed FROM tarbox.gc()").fetchone()[0]
        assert freed == len(problems)
        assert conn.execute("SELECT * FROM tarbox.fsck(true)").fetchall() == []
        # st_blocks counts what is stored: of the sparse file's 5 MB, the one block holding
        # its last 3 bytes (19,264 zeros before them inside the block, then "end").
        assert conn.execute("SELECT blocks FROM tarbox.stat('/keep/sparse')").fetchone()[0] == (19264 + 3 + 511) // 512
        # Writing after the upgrade stores text as chunks, and the old versions still read.
        conn.execute("SELECT tarbox.append('/keep/src.py', %b::bytea)", (b"after the upgrade\n",))
        assert conn.execute("SELECT text_files FROM tarbox.usage()").fetchone()[0] >= 1
        assert _every_file(conn)[(1, "/keep/src.py")] == before[(1, "/keep/src.py")]
        assert conn.execute("SELECT * FROM tarbox.fsck(true)").fetchall() == []
        conn.execute("RESET ROLE")
        # No function of the old version is left behind: every one is the new version's (an
        # old signature replaced by a new one must have been dropped by a migration).
        fresh = scratch()
        migrate.install(fresh)
        catalog = ("SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p "
                   "WHERE p.pronamespace = 'tarbox'::regnamespace")
        # (in an aggregate, ORDER BY 1 sorts by the constant 1: the name is spelled out)
        for c in (conn, fresh):  # names printed alike (schema-qualified) on both
            c.execute("SET search_path = pg_catalog")
        assert conn.execute(catalog).fetchone()[0] == fresh.execute(catalog).fetchone()[0]
    finally:
        conn.execute("RESET ROLE")
        conn.execute("SELECT tarbox.tenant_delete(%s)", (tname,))


def test_fixture_migration_applies_and_is_recorded(scratch):
    conn = scratch()
    real = migrate.install(conn)
    assert real == [f.name for f in migrate.migration_files()]
    applied = migrate.install(conn, extra_dirs=[FIXTURES])
    assert applied == ["9000-test-fixture.sql"]
    assert conn.execute("SELECT note FROM tarbox.test_fixture_marker").fetchone() == (
        "applied by 9000-test-fixture.sql",)
    checksum = conn.execute("SELECT checksum FROM tarbox.schema_migration WHERE name = %s",
                            ("9000-test-fixture.sql",)).fetchone()[0]
    assert checksum == hashlib.sha256((FIXTURES / "9000-test-fixture.sql").read_bytes()).hexdigest()
    # Again: nothing to do; and without the fixture dir the recorded extra is left alone.
    assert migrate.install(conn, extra_dirs=[FIXTURES]) == []
    assert migrate.install(conn) == []


def test_changed_migration_is_refused(scratch, tmp_path):
    conn = scratch()
    extra = tmp_path / "migrations"
    extra.mkdir()
    mig = extra / "9001-changing.sql"
    mig.write_text("CREATE TABLE tarbox.test_changing (x int);\n")
    assert migrate.install(conn, extra_dirs=[extra])[-1] == "9001-changing.sql"
    before = conn.execute(CATALOG_SNAPSHOT).fetchone()
    mig.write_text("CREATE TABLE tarbox.test_changing (x int, y int);\n")
    with pytest.raises(TarboxError, match="migration 9001-changing.sql was changed after it was applied"):
        migrate.install(conn, extra_dirs=[extra])
    assert conn.execute(CATALOG_SNAPSHOT).fetchone() == before
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_failing_migration_rolls_back_everything(scratch, tmp_path):
    conn = scratch()
    extra = tmp_path / "migrations"
    extra.mkdir()
    (extra / "9002-broken.sql").write_text("CREATE TABLE tarbox.half_done (x int);\nSELECT 1/0;\n")
    with pytest.raises(TarboxError, match="9002-broken.sql failed"):
        migrate.install(conn, extra_dirs=[extra])
    # Not even the real migrations stayed: one transaction.
    assert migrate.applied_migrations(conn) == []
    assert conn.execute("SELECT to_regclass('tarbox.half_done')").fetchone() == (None,)


def test_unknown_upto_is_an_error(scratch):
    conn = scratch()
    with pytest.raises(TarboxError, match="unknown migration"):
        migrate.install(conn, upto="9999-nope")


def test_sql_dir_location():
    assert SQL_DIR == Path(__file__).resolve().parents[2] / "sql"
    assert (SQL_DIR / "schema").is_dir()


CREATE_FUNCTION = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+tarbox\.([a-z_0-9]+)\s*\(", re.I)


def test_every_function_file_is_loaded(admin):
    """Every ``.sql`` file under ``sql/functions`` (found here with os.walk, not with the
    loader's own search) is in the loader's list, in area-then-name order, and every
    function it creates exists in the installed schema."""
    root = SQL_DIR / "functions"
    on_disk = sorted(os.path.relpath(os.path.join(d, f), root)
                     for d, _, names in os.walk(root) for f in names if f.endswith(".sql"))
    loaded = [f.name for f in migrate.function_files()]
    assert sorted(loaded) == on_disk
    assert loaded == sorted(loaded, key=lambda name: name.split("/")), "not in area-then-name order"
    assert all("/" in name for name in loaded), "function files belong in an area folder"
    installed = {r[0] for r in admin.execute(
        "SELECT proname FROM pg_proc WHERE pronamespace = 'tarbox'::regnamespace")}
    missing = {}
    for name in on_disk:
        for fn in CREATE_FUNCTION.findall((root / name).read_text(encoding="utf-8")):
            if fn not in installed:
                missing.setdefault(name, []).append(fn)
    assert missing == {}
