-- tarbox._audit_digest(record): sha256 of an audit record's content, the unit of the seals'
-- hash chain (version 1: the text form of the row of every column, in this order; a column
-- added later gets a new version rather than changing this one).
CREATE OR REPLACE FUNCTION tarbox._audit_digest(r tarbox.audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE
AS $$
    SELECT sha256(convert_to(ROW(r.tenant_id, r.at_ns, r.seq, r.op, r.ok, r.errno, r.message, r.path, r.path2,
                                 r.ino, r.layer, r.uid, r.gid, r.pid, r.role, r.client_addr, r.bytes,
                                 r.duration_ns, r.lines_added, r.lines_deleted, r.native, r.native_source,
                                 r.details)::text, 'UTF8'))
$$;
ALTER FUNCTION tarbox._audit_digest(tarbox.audit_log) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_digest(tarbox.audit_log) FROM PUBLIC;

-- tarbox._audit_seal_hash(prev, tenant, seal_no, lo_at, lo_seq, hi_at, hi_seq, records, digest):
-- the hash of one seal (see tarbox.audit_seal in sql/schema/0080-audit.sql).
CREATE OR REPLACE FUNCTION tarbox._audit_seal_hash(p_prev bytea, p_tenant bigint, p_seal bigint,
                                                   p_lo_at bigint, p_lo_seq bigint, p_hi_at bigint,
                                                   p_hi_seq bigint, p_records int, p_digest bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE
AS $$
    SELECT sha256(p_prev || int8send(p_tenant) || int8send(p_seal)
                  || int8send(coalesce(p_lo_at, -1)) || int8send(coalesce(p_lo_seq, -1))
                  || int8send(p_hi_at) || int8send(p_hi_seq) || int4send(p_records) || p_digest)
$$;
ALTER FUNCTION tarbox._audit_seal_hash(bytea, bigint, bigint, bigint, bigint, bigint, bigint, int, bytea) OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_seal_hash(bytea, bigint, bigint, bigint, bigint, bigint, bigint, int, bytea) FROM PUBLIC;

-- tarbox._audit_tenants(): every tenant id that has audit records (a skip scan of the primary
-- key, one probe per tenant, not a scan of the log).
CREATE OR REPLACE FUNCTION tarbox._audit_tenants() RETURNS SETOF bigint
LANGUAGE sql STABLE
AS $$
    WITH RECURSIVE t (id) AS (
            SELECT min(l.tenant_id) FROM tarbox.audit_log l
        UNION ALL
            SELECT (SELECT min(l.tenant_id) FROM tarbox.audit_log l WHERE l.tenant_id > t.id)
              FROM t WHERE t.id IS NOT NULL)
    SELECT id FROM t WHERE id IS NOT NULL
$$;
ALTER FUNCTION tarbox._audit_tenants() OWNER TO tarbox_maint;
REVOKE ALL ON FUNCTION tarbox._audit_tenants() FROM PUBLIC;
