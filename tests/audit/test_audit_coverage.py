"""No change-making function slips by unaudited: every volatile public function a tenant or an
administrator may execute either writes audit records itself (tarbox._audit_begin, _audit_for,
_audit_event, _audit_admin, _audit_put, _audit_native_def), or calls a function that does, or is
named below with the reason it needs no record. A new function added without either fails here; so does an
exemption that no longer matches a function (or that became audited: drop it then).

The call graph is read from the functions' source (``tarbox.NAME(`` of PL/pgSQL and SQL
bodies) by name, overloads together; the behaviour of the audited calls (a record per change,
its path and errno) is tested where each area is (tests/audit, sql/tests/85-audit.sql)."""

from __future__ import annotations

import re

#: Volatile public functions that change nothing a tenant's log must show, with the reason.
EXEMPT: dict[str, str] = {
    # reads below level full, or reads the branch does not record at any level
    "fs_statfs": "reads usage figures",
    "diff": "compares two layers, changes nothing",
    "audit_settings": "reads the audit settings",
    "audit_search": "reads the audit log",
    "audit_verify": "recomputes seals, changes nothing",
    "tenant_usage": "reads usage figures",
    "tenant_info": "reads the tenant table",
    "tenant_list": "reads the tenant table",
    "tenant_token_list": "reads the token table",
    "tenant_token_auth": "checks a token (gateway login), changes nothing a tenant did",
    # a composed view reads another tenant's frozen published layer, through the reader's mount
    # mount bookkeeping: kernel reference counts and mount sessions, no file changes
    "fs_forget": "drops kernel lookup counts; the purge of an unlinked inode follows its recorded unlink",
    "fs_fsync": "makes committed work durable, changes nothing",
    "mount_register": "mount session bookkeeping",
    "mount_unregister": "mount session bookkeeping",
    "mount_lease": "mount session bookkeeping (HTTP/WASI leases)",
    # large files over HTTP: the upload is recorded where it becomes visible (remote_upload_complete)
    "remote_download_url": "issues a read capability for one file; changes no file",
    "remote_upload_start": "opens an upload session staging into a hidden inode; nothing visible changes until complete",
    "remote_upload_chunks": "describes the chunks of a session; changes no file",
    "remote_upload_abort": "discards a session and its hidden staging inode; nothing visible changes",
    # audit's own machinery and installation settings (no tenant)
    "audit_maintain": "partitions and seals: the seal table is the record",
    "audit_seal": "the seal table is the record",
    "audit_configure": "installation-wide settings, no tenant's log to write to",
}

AUDITS = re.compile(r"tarbox\._audit_(begin|event|admin|put|for|native_def)\s*\(")
CALLS = re.compile(r"tarbox\.([a-z_0-9]+)\s*\(")

Q_FUNCTIONS = """
SELECT p.proname, p.provolatile, p.prosrc,
       has_function_privilege('tarbox_tenant', p.oid, 'EXECUTE') AS tenant,
       has_function_privilege('tarbox_admin', p.oid, 'EXECUTE')
         OR has_function_privilege('tarbox_maint', p.oid, 'EXECUTE') AS admin
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'tarbox' AND p.prokind = 'f'
"""


def _audited_names(rows) -> set[str]:
    """Names of functions that write audit records, themselves or through a call."""
    calls: dict[str, set[str]] = {}
    audited: set[str] = set()
    for name, _vol, src, _t, _a in rows:
        calls.setdefault(name, set()).update(CALLS.findall(src or ""))
        if AUDITS.search(src or ""):
            audited.add(name)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in audited and callees & audited:
                audited.add(name)
                changed = True
    return audited


def test_every_change_making_function_is_audited(admin):
    rows = admin.execute(Q_FUNCTIONS).fetchall()
    audited = _audited_names(rows)
    public = {name for name, vol, _src, tenant, adm in rows
              if not name.startswith("_") and vol == "v" and (tenant or adm)}
    assert len(public) > 100, "the query found too few functions to mean anything"
    unaudited = sorted(public - audited - set(EXEMPT))
    assert unaudited == [], ("volatile functions a tenant or an administrator can call that write no "
                             f"audit record: audit them (80-audit) or say why not in EXEMPT: {unaudited}")
    stale = sorted(name for name in EXEMPT if name not in public or name in audited)
    assert stale == [], f"exemptions that no longer apply (gone, no longer volatile, or audited now): {stale}"


class _Rollback(Exception):
    pass


def test_the_check_sees_a_function_that_writes_unaudited(admin):
    """The check would catch a new function that changes rows without a record: one made here
    (rolled back) is not counted audited, one calling an audited function is."""
    try:
        with admin.transaction():
            admin.execute("CREATE FUNCTION tarbox.zz_unaudited_probe() RETURNS void LANGUAGE sql AS "
                          "$$ UPDATE tarbox.inode SET mode = mode WHERE false $$")
            admin.execute("CREATE FUNCTION tarbox.zz_audited_probe() RETURNS void LANGUAGE plpgsql AS "
                          "$$ BEGIN PERFORM tarbox.fs_write(0, 0, ''::bytea); END $$")
            rows = admin.execute(Q_FUNCTIONS).fetchall()
            audited = _audited_names(rows)
            assert "zz_unaudited_probe" not in audited
            assert "zz_audited_probe" in audited
            raise _Rollback()
    except _Rollback:
        pass
