"""No per-value planner statistics on columns that carry a tenant's data or identity (issue 16,
item 9): a meta-test over the catalog, so that a column added later is not forgotten."""

from __future__ import annotations

#: Structural columns the plans rest on: inode numbers, parents, positions in a file or in the
#: layer history, link counts, ids of rows that are no tenant's data (see migration 0041).
STRUCTURAL = {
    "ino", "parent_ino", "born", "died", "blkno", "pos", "nlink", "layer_id", "session_id",
    "mount_id", "token_id", "stripe", "mode", "priority", "enabled", "shared", "allow_devices",
    "allow_setuid",
}
#: Tables of the installation itself, not of any tenant.
NOT_TENANT_DATA = {"errno", "schema_migration"}


def test_no_value_statistics_on_tenant_data(admin):
    """Every column of every table in schema tarbox, but the structural ones and the
    installation's own tables, has STATISTICS 0."""
    rows = admin.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = 'tarbox'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.attstattarget <> 0 ORDER BY 1, 2").fetchall()
    left = [f"{t}.{c}" for t, c in rows if t not in NOT_TENANT_DATA and c not in STRUCTURAL]
    assert left == [], "columns with per-value statistics that carry a tenant's data"
