"""Composition against a tenant with its own psql prompt (issue 15 item 4): through ``tarbox
db psql --tenant`` (a real psql process logged in with a one-off role that is a member of the
tenant role only), a consumer reads exactly the layer published to it and nothing else of
the publisher, cannot change or lock any of it, and loses it when the grant is revoked; the
publisher sees nothing of the consumer; a third tenant sees nothing at all."""

from __future__ import annotations

import psycopg

from tests.security.test_psql import _psql


def _count(dsn: str, tenant: str, sql: str) -> int:
    r = _psql(dsn, tenant, sql)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip())


def test_the_prompt_reads_only_the_published_layer(login_tenants, admin, dsn):
    alice, bob, eve = login_tenants("pub"), login_tenants("use"), login_tenants("eve")
    with psycopg.connect(alice.dsn, autocommit=True) as a:
        a.execute("SELECT tarbox.write('/shared.txt', 'PUBLISHED-BYTES')")
        a.execute("SELECT tarbox.layer_new('v1')")
        a.execute("SELECT tarbox.write('/later.txt', 'UNPUBLISHED-LATER')")
        a.execute("SELECT tarbox.write('/shared.txt', 'UNPUBLISHED-EDIT')")
        a.execute("SELECT tarbox.setxattr('/shared.txt'::bytea, 'user.k', 'UNPUBLISHED-XATTR'::bytea)")
    with psycopg.connect(bob.dsn, autocommit=True) as b:
        b.execute("SELECT tarbox.write('/bob.txt', 'BOB-PRIVATE')")
    name = f"img-{alice.tenant_id}"
    admin.execute("SELECT tarbox.publish(%s, '1', %s, ARRAY[%s])", (alice.name, name, bob.name))
    aid = alice.tenant_id

    # Bob: the published layer's rows only.
    leak = ("SELECT count(*) FROM tarbox.block WHERE position('UNPUBLISHED'::bytea IN data) > 0")
    assert _count(dsn, bob.name, leak) == 0
    assert _count(dsn, bob.name, "SELECT count(*) FROM tarbox.block "
                                 "WHERE position('PUBLISHED-BYTES'::bytea IN data) = 1") == 1
    assert _count(dsn, bob.name, f"SELECT count(*) FROM tarbox.inode WHERE tenant_id = {aid} AND born > 1") == 0
    assert _count(dsn, bob.name, f"SELECT count(*) FROM tarbox.xattr WHERE tenant_id = {aid}") == 0
    assert _count(dsn, bob.name, f"SELECT count(*) FROM tarbox.dentry WHERE tenant_id = {aid} "
                                 "AND name = 'later.txt'") == 0
    assert _count(dsn, bob.name, f"SELECT count(*) FROM tarbox.layer WHERE tenant_id = {aid}") == 0
    # Every way to change or lock the publisher's rows is refused.
    for attack in [f"DELETE FROM tarbox.block WHERE tenant_id = {aid}",
                   f"UPDATE tarbox.inode SET size = 0 WHERE tenant_id = {aid}",
                   f"SELECT 1 FROM tarbox.dentry WHERE tenant_id = {aid} FOR KEY SHARE",
                   f"INSERT INTO tarbox.publication_grant VALUES ({eve.tenant_id}, {aid}, '{name}', 1)",
                   f"UPDATE tarbox.publication SET public = true WHERE name = '{name}'",
                   f"SELECT tarbox.publish_grant('{name}', '{eve.name}')",
                   f"SELECT tarbox.compose_add('{bob.name}', '/x', 'published:{name}')"]:
        r = _psql(dsn, bob.name, attack)
        assert r.returncode != 0 and "permission denied" in r.stderr, (attack, r.stdout, r.stderr)

    # Alice sees nothing of Bob; Eve nothing of anybody.
    assert _count(dsn, alice.name, f"SELECT count(*) FROM tarbox.block WHERE tenant_id = {bob.tenant_id}") == 0
    assert _count(dsn, alice.name, "SELECT count(*) FROM tarbox.inode WHERE tenant_id <> "
                                   f"{aid}") == 0
    for table in ["inode", "dentry", "block", "blockmap", "chunkmap", "xattr"]:
        assert _count(dsn, eve.name, f"SELECT count(*) FROM tarbox.{table} "
                                     f"WHERE tenant_id <> {eve.tenant_id}") == 0, table
    assert _count(dsn, eve.name, "SELECT count(*) FROM tarbox.publication") == 0

    # Revoked: from Bob's next statement on, nothing.
    admin.execute("SELECT tarbox.publish_revoke(%s, %s)", (name, bob.name))
    for table in ["inode", "dentry", "block", "blockmap", "chunkmap", "xattr"]:
        assert _count(dsn, bob.name, f"SELECT count(*) FROM tarbox.{table} WHERE tenant_id = {aid}") == 0, table
