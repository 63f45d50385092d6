"""Every record names the path the call acted on when it ran (tarbox._audit_path_of, resolved
in the call's own transaction): after a rename of the directory or of an ancestor, by this
session or another, after layers are discarded (their ids come back with another tree), and
for a file passed where a directory belongs. These guard any cheaper path resolution (a cache
of directory paths was tried and measured, see the session-8 note): it must keep them."""

from __future__ import annotations

from tarbox_shell import db


def _mark(conn) -> int:
    return conn.execute("SELECT coalesce(max(seq), 0) FROM tarbox.audit_log").fetchone()[0]


def _paths(conn, mark: int, op: str = "setattr") -> list[str]:
    return [r[0] for r in conn.execute("SELECT path FROM tarbox.audit_log WHERE seq > %s AND op = %s ORDER BY seq",
                                       (mark, op)).fetchall()]


def _ino(conn, path: str) -> int:
    return conn.execute("SELECT ino FROM tarbox.stat(%s)", (path,)).fetchone()[0]


def _chmod(conn, ino: int) -> None:
    conn.execute("SELECT tarbox.fs_setattr(%s, 33188, NULL, NULL, NULL, NULL, NULL)", (ino,))


def test_a_rename_of_an_ancestor_by_another_session_is_seen(tenant):
    c = tenant.conn
    c.execute("SELECT tarbox.mkdir('/a'), tarbox.mkdir('/a/b'), tarbox.write('/a/b/f', 'x')")
    f = _ino(c, "/a/b/f")
    mark = _mark(c)
    _chmod(c, f)
    _chmod(c, f)
    other = db.tenant_connection(tenant.name, tenant.dsn)
    try:
        other.execute("SELECT tarbox.mv('/a', '/z')")
    finally:
        other.close()
    _chmod(c, f)
    c.execute("SELECT tarbox.mv('/z/b', '/z/c')")  # this session renames the directory itself
    _chmod(c, f)
    c.execute("SELECT (a).ino FROM tarbox.fs_create(%s, 'g', 33188, 0, 0) a", (_ino(c, "/z/c"),))
    assert _paths(c, mark) == ["/a/b/f", "/a/b/f", "/z/b/f", "/z/c/f"]
    assert _paths(c, mark, "create") == ["/z/c/g"]


def test_discarded_layers_do_not_leave_stale_paths(tenant):
    """layer new on an older layer discards the later ones and reuses their ids."""
    c = tenant.conn
    c.execute("SELECT tarbox.mkdir('/d'), tarbox.write('/d/f', 'x')")
    c.execute("SELECT tarbox.layer_new('one')")
    f = _ino(c, "/d/f")
    c.execute("SELECT tarbox.mv('/d', '/moved')")
    mark = _mark(c)
    _chmod(c, f)
    c.execute("SELECT tarbox.layer_switch('base')")
    c.execute("SELECT tarbox.layer_new('two', NULL, true)")  # layer 2 again, without the move
    _chmod(c, f)
    assert _paths(c, mark) == ["/moved/f", "/d/f"]


def test_a_file_given_as_the_parent_is_named_by_its_current_path(tenant):
    """A file's names change like any entry's: the failed create names the file's path then."""
    c = tenant.conn
    c.execute("SELECT tarbox.write('/file', 'x')")
    f = _ino(c, "/file")
    c.execute("SET tarbox.error_mode = 'warning'")  # the failure is recorded, as from a mount
    mark = _mark(c)
    c.execute("SELECT tarbox.fs_create(%s, 'x', 33188, 0, 0)", (f,))
    c.execute("SELECT tarbox.mv('/file', '/renamed')")
    c.execute("SELECT tarbox.fs_create(%s, 'x', 33188, 0, 0)", (f,))
    rows = c.execute("SELECT path, errno FROM tarbox.audit_log WHERE seq > %s AND op = 'create' ORDER BY seq",
                     (mark,)).fetchall()
    assert rows == [("/file/x", 20), ("/renamed/x", 20)]  # ENOTDIR both times
