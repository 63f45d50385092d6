"""Main's later change-making calls leave their records: the bulk import (fs_import,
fs_setattr_many) one per entry as the per-entry calls would, fs_fallocate a setattr, the bulk
reads at level full one per file or directory, gc what it freed, and the publication and
composition commands a record in the tenant's log they concern."""

from __future__ import annotations

import uuid

from tests.conftest import unique_tenant_name


def _since(tenant, mark: int) -> list[tuple]:
    return tenant.conn.execute(
        "SELECT op, path, bytes, lines_added, details FROM tarbox.audit_log WHERE seq > %s ORDER BY seq",
        (mark,)).fetchall()


def _mark(tenant) -> int:
    return tenant.conn.execute("SELECT coalesce(max(seq), 0) FROM tarbox.audit_log").fetchone()[0]


def test_bulk_import_records_each_entry(tenant):
    c = tenant.conn
    mark = _mark(tenant)
    c.execute("SELECT tarbox.mkdir('/in')")
    root = c.execute("SELECT ino FROM tarbox.stat('/in')").fetchone()[0]
    inos = c.execute(
        "SELECT tarbox.fs_import(ARRAY[%s, -1, -1, %s]::bigint[], ARRAY['d', 'a.txt', 'l', 'b']::bytea[],"
        " ARRAY[16877, 33188, 41471, 33188], ARRAY[0, 0, 0, 0]::bigint[], ARRAY[0, 0, 0, 0]::bigint[],"
        " ARRAY[0, 0, 0, 0]::bigint[], ARRAY[NULL, NULL, NULL, NULL]::bigint[], ARRAY[NULL, NULL, NULL, NULL]::bigint[],"
        " ARRAY[NULL, NULL, 'a.txt', NULL]::bytea[], ARRAY[NULL, NULL, NULL, -2]::bigint[],"
        " ARRAY[NULL, 'one\ntwo\n', NULL, NULL]::bytea[])", (root, root)).fetchone()[0]
    rows = [r for r in _since(tenant, mark) if (r[4] or {}).get("import")]
    assert [(op, path) for op, path, *_ in rows] == [
        ("mkdir", "/in/d"), ("create", "/in/d/a.txt"), ("symlink", "/in/d/l"), ("link", "/in/b")]
    create = rows[1]
    assert create[2] == 8 and create[3] == 2, create  # bytes, and the lines of a text file
    assert rows[3][4]["import"] == 4
    mark = _mark(tenant)
    c.execute("SELECT tarbox.fs_setattr_many(%s::bigint[], ARRAY[448, NULL], ARRAY[NULL, NULL]::bigint[],"
              " ARRAY[NULL, NULL]::bigint[], ARRAY[NULL, NULL]::bigint[], ARRAY[5, 6]::bigint[])",
              ([inos[0], inos[1]],))
    rows = _since(tenant, mark)
    # a.txt has two names: its record names the first by parent and name (/in before /in/d)
    assert [(op, path, d.get("mode"), d.get("mtime_ns"), d.get("bulk")) for op, path, _b, _l, d in rows] == [
        ("setattr", "/in/d", 448, 5, 2), ("setattr", "/in/b", None, 6, 2)]


def test_fallocate_and_bulk_reads_are_recorded(tenant, admin):
    c = tenant.conn
    c.execute("SELECT tarbox.write('/f', 'abc')")
    ino = c.execute("SELECT ino FROM tarbox.stat('/f')").fetchone()[0]
    mark = _mark(tenant)
    c.execute("SELECT tarbox.fs_fallocate(%s, 0, 0, 100)", (ino,))
    rows = _since(tenant, mark)
    assert [(op, path, d["fallocate"], d["len"]) for op, path, _b, _l, d in rows] == [("setattr", "/f", 0, 100)]
    mark = _mark(tenant)
    c.execute("SELECT * FROM tarbox.fs_read_many(ARRAY[%s]::bigint[])", (ino,)).fetchall()
    c.execute("SELECT * FROM tarbox.fs_readdir_many(ARRAY[1]::bigint[])").fetchall()
    assert _since(tenant, mark) == [], "bulk reads are recorded at level full only"
    admin.execute("SELECT tarbox.audit_set_level(%s, 'full')", (tenant.name,))
    mark = _mark(tenant)
    c.execute("SELECT * FROM tarbox.fs_read_many(ARRAY[%s]::bigint[])", (ino,)).fetchall()
    c.execute("SELECT * FROM tarbox.fs_readdir_many(ARRAY[1]::bigint[])").fetchall()
    rows = _since(tenant, mark)
    assert [(op, path, b) for op, path, b, _l, _d in rows] == [("read", "/f", 100), ("readdir", "/", None)]
    assert rows[1][4]["entries"] == 1


def test_gc_is_recorded_with_what_it_freed(tenant, admin):
    """gc by the tenant and tenant_gc by an administrator: one record each with the blocks freed."""
    c = tenant.conn
    tid = admin.execute("SELECT tenant_id FROM tarbox.tenant WHERE name = %s", (tenant.name,)).fetchone()[0]
    mark = _mark(tenant)
    for junk, conn, collect in ((b"junk-1", c, "SELECT * FROM tarbox.gc()"),
                                (b"junk-22", admin, "SELECT * FROM tarbox.tenant_gc(%s)")):
        admin.execute("INSERT INTO tarbox.block (tenant_id, hash, data) VALUES (%s, sha256(%s), %s)", (tid, junk, junk))
        admin.execute("UPDATE tarbox.usage_delta SET bytes = bytes + %s WHERE tenant_id = %s AND stripe = "
                      "(SELECT min(stripe) FROM tarbox.usage_delta WHERE tenant_id = %s)", (len(junk), tid, tid))
        conn.execute(collect, (tenant.name,) if "%s" in collect else ()).fetchall()
    rows = [(b, d["blocks_freed"]) for op, _p, b, _l, d in _since(tenant, mark) if op == "gc"]
    assert rows == [(6, 1), (7, 1)]


def test_publication_and_composition_commands_are_recorded(tenant, admin, dsn):
    c = tenant.conn
    c.execute("SELECT tarbox.write('/p', 'published')")
    c.execute("SELECT tarbox.layer_new('frozen')")
    user_name = unique_tenant_name()
    admin.execute("SELECT * FROM tarbox.tenant_create(%s)", (user_name,))
    pub = f"p-{uuid.uuid4().hex[:8]}"
    try:
        layer = c.execute("SELECT layer_id FROM tarbox.layer_list() ORDER BY layer_id LIMIT 1").fetchone()[0]
        admin.execute("SELECT * FROM tarbox.publish(%s, %s, %s, NULL)", (tenant.name, str(layer), pub)).fetchall()
        admin.execute("SELECT tarbox.publish_set_public(%s, false)", (pub,))
        admin.execute("SELECT tarbox.publish_grant(%s, %s)", (pub, user_name))
        admin.execute("SELECT tarbox.compose_add(%s, '/base', %s, 'ro')", (user_name, f"published:{pub}"))
        admin.execute("SELECT tarbox.compose_rm(%s, '/base')", (user_name,))
        admin.execute("SELECT tarbox.publish_revoke(%s, %s)", (pub, user_name))
        admin.execute("SELECT tarbox.unpublish(%s)", (pub,))
        ops = [r[0] for r in c.execute("SELECT op FROM tarbox.audit_log WHERE op ~ '^(publish|unpublish)' ORDER BY seq")]
        assert ops == ["publish", "publish_set_public", "publish_grant", "publish_revoke", "unpublish"]
        theirs = admin.execute(
            "SELECT l.op, l.details ->> 'mount_path' FROM tarbox.audit_log l JOIN tarbox.tenant t USING (tenant_id)"
            " WHERE t.name = %s AND l.op LIKE 'compose%%' ORDER BY l.seq", (user_name,)).fetchall()
        assert theirs == [("compose_add", "/base"), ("compose_rm", "/base")]
    finally:
        admin.execute("SELECT tarbox.tenant_delete(%s)", (user_name,))


def test_native_mount_definitions_are_recorded_where_they_serve(tenant, admin):
    """A tenant's own definition is recorded in its log only; a shared one (which puts a host
    directory into every tree) in every tenant's; add, replace, disable, enable and rm each."""
    other = unique_tenant_name("nat")
    admin.execute("SELECT tarbox.tenant_create(%s)", (other,))
    other_id = admin.execute("SELECT tenant_id FROM tarbox.tenant WHERE name = %s", (other,)).fetchone()[0]
    mine_id = admin.execute("SELECT tenant_id FROM tarbox.tenant WHERE name = %s", (tenant.name,)).fetchone()[0]
    point = f"/nat-{uuid.uuid4().hex[:8]}"
    mark = _mark(tenant)
    shared = None
    try:
        own = admin.execute("SELECT tarbox.native_add(%s, '/srv/{tenant_id}', 'rw', %s)",
                            (point, tenant.name)).fetchone()[0]
        admin.execute("SELECT tarbox.native_add(%s, '/srv/new', 'ro', %s, 100, true, false, false, true)",
                      (point, tenant.name))
        admin.execute("SELECT tarbox.native_enable(%s, false)", (own,))
        admin.execute("SELECT tarbox.native_enable(%s)", (own,))
        admin.execute("SELECT tarbox.native_rm(%s)", (own,))
        shared = admin.execute("SELECT tarbox.native_add(%s, '/srv/shared')", (point + "-s",)).fetchone()[0]
        admin.execute("SELECT tarbox.native_rm(%s)", (shared,))
        shared = None
        rows = admin.execute(
            "SELECT tenant_id, op, path, native, native_source, details FROM tarbox.audit_log"
            " WHERE seq > %s AND tenant_id IN (%s, %s) AND op LIKE 'native%%' ORDER BY seq",
            (mark, mine_id, other_id)).fetchall()
        mine = [(op, path, src, d.get("replaced"), d["shared"]) for t, op, path, native, src, d in rows
                if t == mine_id and native]
        assert mine == [
            ("native_add", point, "/srv/{tenant_id}", False, False),
            ("native_add", point, "/srv/new", True, False),
            ("native_disable", point, "/srv/new", None, False),
            ("native_enable", point, "/srv/new", None, False),
            ("native_rm", point, "/srv/new", None, False),
            ("native_add", point + "-s", "/srv/shared", False, True),
            ("native_rm", point + "-s", "/srv/shared", None, True),
        ]
        theirs = [(op, path) for t, op, path, *_ in rows if t == other_id]
        assert theirs == [("native_add", point + "-s"), ("native_rm", point + "-s")]
        # The tenant reads its records as any other (row-level security shows it only its own).
        seen = tenant.conn.execute("SELECT count(*) FROM tarbox.audit_log WHERE seq > %s AND op LIKE 'native%%'",
                                   (mark,)).fetchone()[0]
        assert seen == len(mine)
        # A refused change leaves no record.
        before = _mark(tenant)
        try:
            admin.execute("SELECT tarbox.native_rm(-1)")
        except Exception as exc:  # ENOENT
            assert "no native mount" in str(exc)
        else:
            raise AssertionError("native_rm of an unknown id succeeded")
        assert admin.execute("SELECT count(*) FROM tarbox.audit_log WHERE seq > %s AND tenant_id = %s",
                             (before, mine_id)).fetchone()[0] == 0
    finally:
        if shared is not None:
            admin.execute("SELECT tarbox.native_rm(%s)", (shared,))
        admin.execute("SELECT tarbox.tenant_delete(%s)", (other,))
