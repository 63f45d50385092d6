"""tarbox init / migrate.install: idempotence, upgrades keep data, fixture
migrations apply and are recorded, changed migrations are refused.

Upgrade tests run in scratch databases of the same cluster, dropped afterwards.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tarbox_shell import SQL_DIR
from tarbox_shell.db import migrate
from tarbox_shell.errors import TarboxError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "migrations"
REPO = Path(__file__).resolve().parents[2]

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


def test_upgrade_keeps_data(scratch):
    """An older schema (migrations up to the one before the newest) is upgraded by the next
    install, which applies exactly the missing migration; then data written through the API
    survives a further upgrade (a new migration plus every function file reloaded).

    The partial install loads no function files: today's functions may use tables of the
    newest migration (for instance tarbox._walk reads tarbox.native_mount), so they are loaded
    only on a complete schema, as ``tarbox init`` does."""
    conn = scratch()
    names = [f.name for f in migrate.migration_files()]
    assert len(names) >= 2, "need at least two migrations to test an upgrade"
    earlier = names[-2]
    applied = migrate.install(conn, upto=earlier, functions=False)
    assert applied == names[:-1]
    version_before = migrate.schema_version(conn)
    applied = migrate.install(conn)
    assert applied == names[-1:]
    assert migrate.schema_version(conn) >= version_before

    tname = f"mig-{uuid.uuid4().hex[:8]}"
    role = conn.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (tname,)).fetchone()[0]
    try:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        conn.execute("SELECT tarbox.mkdir('/keep/deep', 493, true)")
        conn.execute("SELECT tarbox.write('/keep/deep/a.txt', %b::bytea)", (b"hello upgrade\n",))
        conn.execute("SELECT tarbox.write('/keep/big.bin', %b::bytea)", (bytes(range(256)) * 5000,))
        conn.execute("RESET ROLE")

        applied = migrate.install(conn, extra_dirs=[FIXTURES])
        assert applied == ["9000-test-fixture.sql"]

        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        assert bytes(conn.execute("SELECT tarbox.read('/keep/deep/a.txt')").fetchone()[0]) == b"hello upgrade\n"
        assert bytes(conn.execute("SELECT tarbox.read('/keep/big.bin')").fetchone()[0]) == bytes(range(256)) * 5000
        assert conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
        conn.execute("RESET ROLE")
    finally:
        conn.execute("RESET ROLE")
        conn.execute("SELECT tarbox.tenant_delete(%s)", (tname,))


def _previous_version(tmp_path: Path) -> Path:
    """The ``sql/`` tree of the version before the newest migration, from git: the parent of
    the commit that added that migration (or HEAD while it is not committed yet). An upgrade
    test installs that whole version (its migrations and its function files) and then this
    one, as a real upgrade does; the function files of this version need this version's
    migrations, so installing them on a partial schema would not be an upgrade at all."""
    newest = migrate.migration_files()[-1].path.relative_to(REPO).as_posix()
    try:
        added = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%H", "--diff-filter=A", "--",
                                newest], capture_output=True, text=True, check=True).stdout.strip()
        base = f"{added}^" if added else "HEAD"
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", base, "sql"],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"the upgrade test needs the git history of {REPO} (a full clone): {exc}")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path)
    return tmp_path / "sql"


def test_upgrade_from_the_previous_version(scratch, tmp_path):
    """A database of the previous version (its migrations and its function files, from git)
    is upgraded by this version's install: data survives, and no function of the old API is
    left behind (an old signature replaced by a new one must have been dropped)."""
    conn = scratch()
    names = [f.name for f in migrate.migration_files()]
    old_sql = _previous_version(tmp_path)
    old_names = [f.name for f in migrate.migration_files(old_sql)]
    assert old_names == names[:len(old_names)] and len(old_names) < len(names), (old_names, names)
    applied = migrate.install(conn, sql_dir=old_sql)
    assert applied == old_names
    version_before = migrate.schema_version(conn)
    tname = f"mig-{uuid.uuid4().hex[:8]}"
    role = conn.execute("SELECT role_name FROM tarbox.tenant_create(%s)", (tname,)).fetchone()[0]
    try:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        conn.execute("SELECT tarbox.mkdir('/keep/deep', 493, true)")
        conn.execute("SELECT tarbox.write('/keep/deep/a.txt', %b::bytea)", (b"hello upgrade\n",))
        conn.execute("SELECT tarbox.write('/keep/big.bin', %b::bytea)", (bytes(range(256)) * 5000,))
        conn.execute("RESET ROLE")

        applied = migrate.install(conn)
        assert applied == names[len(old_names):]
        assert migrate.schema_version(conn) >= version_before

        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        assert bytes(conn.execute("SELECT tarbox.read('/keep/deep/a.txt')").fetchone()[0]) == b"hello upgrade\n"
        assert bytes(conn.execute("SELECT tarbox.read('/keep/big.bin')").fetchone()[0]) == bytes(range(256)) * 5000
        assert conn.execute("SELECT * FROM tarbox.fsck()").fetchall() == []
        conn.execute("RESET ROLE")
        # No function of the old version is left behind: every one is the new version's.
        fresh = scratch()
        migrate.install(fresh)
        catalog = "SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p WHERE p.pronamespace = 'tarbox'::regnamespace"
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
