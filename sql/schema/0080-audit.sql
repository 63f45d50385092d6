-- Audit: the log of what every tenant did, written by Tarbox's own functions in the transaction
-- of the change, readable by the tenant, alterable by nobody but the administrator's
-- maintenance (partitions, retention) and sealed by hash chains (tarbox.audit_seal).
--
-- Ownership: every audit table belongs to tarbox_maint (the administrators' BYPASSRLS role).
-- tarbox_owner, which owns the tenant-facing API, may only INSERT into tarbox.audit_log (and
-- read the policies), so no tenant-facing function can update or delete a record, even by a
-- bug; tenants may only SELECT their own rows (row-level security, forced).

-- ---------------------------------------------------------------------------------------------
-- tarbox.audit_config: the installation's audit settings (one row).
CREATE TABLE tarbox.audit_config (
    singleton      boolean  PRIMARY KEY DEFAULT true CHECK (singleton),
    period         text     NOT NULL DEFAULT 'month' CHECK (period IN ('month', 'day')),
    premake        int      NOT NULL DEFAULT 3 CHECK (premake BETWEEN 1 AND 366),
    retention_days int      NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 36500),
    default_level  smallint NOT NULL DEFAULT 2 CHECK (default_level BETWEEN 0 AND 3),
    expired        text     NOT NULL DEFAULT 'drop' CHECK (expired IN ('drop', 'detach')),
    seal_max       int      NOT NULL DEFAULT 65536 CHECK (seal_max BETWEEN 1 AND 1048576)
);
ALTER TABLE tarbox.audit_config OWNER TO tarbox_maint;
INSERT INTO tarbox.audit_config DEFAULT VALUES;
COMMENT ON TABLE tarbox.audit_config IS
    'Audit settings of the installation (one row): partition period (month or day, UTC), how many periods are made ahead, the default retention (days) and level (0 none, 1 basic, 2 standard, 3 full) of tenants without their own, whether expired partitions are dropped or detached, and the most records one seal covers.';
GRANT SELECT ON tarbox.audit_config TO tarbox_owner;

-- ---------------------------------------------------------------------------------------------
-- tarbox.audit_policy: a tenant's own audit level and retention (absent: the defaults above).
-- max_level is the highest level of the tenant and of its path overrides, paths says whether
-- it has any: the write path decides from this one row whether to look at paths at all.
CREATE TABLE tarbox.audit_policy (
    tenant_id      bigint   NOT NULL,
    level          smallint CHECK (level BETWEEN 0 AND 3),
    retention_days int      CHECK (retention_days BETWEEN 1 AND 36500),
    max_level      smallint CHECK (max_level BETWEEN 0 AND 3),
    paths          boolean  NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id)
);
ALTER TABLE tarbox.audit_policy OWNER TO tarbox_maint;
COMMENT ON TABLE tarbox.audit_policy IS
    'Per-tenant audit level (0 none, 1 basic, 2 standard, 3 full; NULL = the installation default) and retention in days (NULL = default). max_level: the highest of the level and the path overrides; paths: the tenant has path overrides (tarbox.audit_path_level).';
ALTER TABLE tarbox.audit_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.audit_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_policy_own ON tarbox.audit_policy
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.audit_policy TO tarbox_tenant, tarbox_owner;

-- tarbox.audit_path_level: levels for the paths under a prefix (longest prefix wins).
CREATE TABLE tarbox.audit_path_level (
    tenant_id bigint   NOT NULL,
    prefix    text     NOT NULL CHECK (prefix ~ '^/' AND prefix !~ '(^|/)\.\.?(/|$)' AND prefix !~ '//'
                                       AND (prefix = '/' OR prefix !~ '/$') AND octet_length(prefix) <= 4096),
    level     smallint NOT NULL CHECK (level BETWEEN 0 AND 3),
    PRIMARY KEY (tenant_id, prefix)
);
ALTER TABLE tarbox.audit_path_level OWNER TO tarbox_maint;
COMMENT ON TABLE tarbox.audit_path_level IS
    'Per-path audit levels of a tenant: operations on a path equal to the prefix or below it use this level (the longest matching prefix wins) instead of the tenant''s.';
ALTER TABLE tarbox.audit_path_level ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.audit_path_level FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_path_level_own ON tarbox.audit_path_level
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.audit_path_level TO tarbox_tenant, tarbox_owner;

-- ---------------------------------------------------------------------------------------------
-- tarbox.audit_log: one row per audited operation, partitioned by time (at_ns, UTC periods).
-- The order of a tenant's records is (at_ns, seq); seq comes from one sequence, so it is unique.
CREATE SEQUENCE tarbox.audit_seq AS bigint MINVALUE 1;
ALTER SEQUENCE tarbox.audit_seq OWNER TO tarbox_maint;
GRANT USAGE ON SEQUENCE tarbox.audit_seq TO tarbox_owner;

CREATE TABLE tarbox.audit_log (
    tenant_id     bigint   NOT NULL,
    at_ns         bigint   NOT NULL,
    seq           bigint   NOT NULL DEFAULT nextval('tarbox.audit_seq'),
    op            text     NOT NULL CHECK (op ~ '^[a-z][a-z_]{0,31}$'),
    ok            boolean  NOT NULL,
    errno         smallint CHECK (errno BETWEEN 1 AND 999),
    message       text,
    path          text,
    path2         text,
    ino           bigint,
    layer         int,
    uid           bigint,
    gid           bigint,
    pid           int,
    role          text     NOT NULL,
    client_addr   inet,
    bytes         bigint   CHECK (bytes >= 0),
    duration_ns   bigint   CHECK (duration_ns >= 0),
    lines_added   int      CHECK (lines_added >= 0),
    lines_deleted int      CHECK (lines_deleted >= 0),
    native        boolean  NOT NULL DEFAULT false,
    native_source text,
    details       jsonb,
    PRIMARY KEY (tenant_id, at_ns, seq),
    CONSTRAINT audit_log_outcome CHECK (ok = (errno IS NULL))
) PARTITION BY RANGE (at_ns);
ALTER TABLE tarbox.audit_log OWNER TO tarbox_maint;
COMMENT ON TABLE tarbox.audit_log IS
    'Audit records. at_ns: start of the operation (ns since the epoch, UTC; the partition key); seq: order of records with the same time; op: operation (lookup, create, write, rename, layer_new, ...); ok, errno and message of a failure; path and path2 (destination of rename/link) as text (bytes that are not UTF-8 as \xNN); ino, layer; uid/gid/pid of the caller as the FUSE request reported it (NULL for direct SQL); role: the session''s login role; client_addr: its address (NULL over a Unix socket); bytes read or written; duration_ns; lines added/deleted of a text file; native mount flag and source path; details (jsonb). Tenants read their own rows; only Tarbox''s functions write.';
COMMENT ON COLUMN tarbox.audit_log.uid IS
    'Caller''s uid from the FUSE request context, as the mount (a Tarbox shell connected as another role than the tenant) passed it; NULL for calls from a tenant''s own login session.';
ALTER TABLE tarbox.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_own ON tarbox.audit_log
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.audit_log TO tarbox_tenant;
GRANT SELECT, INSERT ON tarbox.audit_log TO tarbox_owner;

-- The default partition: an insert never fails for want of a partition. tarbox.audit_maintain
-- moves what lands here into the partition of its period.
CREATE TABLE tarbox.audit_log_default PARTITION OF tarbox.audit_log DEFAULT;
ALTER TABLE tarbox.audit_log_default OWNER TO tarbox_maint;
ALTER TABLE tarbox.audit_log_default ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.audit_log_default FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_own ON tarbox.audit_log_default
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());

-- tarbox.audit_partition: the regular partitions of tarbox.audit_log and their bounds (ns).
-- archived: the partition was rewritten at expiry to keep only the rows of tenants whose
-- retention is longer (see tarbox.audit_maintain).
CREATE TABLE tarbox.audit_partition (
    name     text    PRIMARY KEY CHECK (name ~ '^audit_log_p[0-9]{8}$'),
    lo_ns    bigint  NOT NULL,
    hi_ns    bigint  NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    CONSTRAINT audit_partition_bounds CHECK (lo_ns < hi_ns),
    UNIQUE (lo_ns)
);
ALTER TABLE tarbox.audit_partition OWNER TO tarbox_maint;
COMMENT ON TABLE tarbox.audit_partition IS
    'Regular partitions of tarbox.audit_log: table name (audit_log_pYYYYMMDD, the first day of its period), bounds [lo_ns, hi_ns) in ns since the epoch, and whether it was archived (rewritten at expiry with only the rows of tenants that keep them longer).';

-- ---------------------------------------------------------------------------------------------
-- tarbox.audit_seal: the hash chain over each tenant's records. Seal n covers the records
-- after (lo_at, lo_seq) up to and including (hi_at, hi_seq) in (at_ns, seq) order, and
--   hash = sha256(prev_hash || tenant_id || seal_no || lo || hi || records || digest)
-- where digest = sha256 of the concatenated record digests (tarbox._audit_digest) in order.
-- entries keeps (seq, first 8 bytes of each digest) per record, 16 bytes each, so that
-- tarbox.audit_verify can say which record was changed, removed or inserted. A seal never
-- spans two UTC days, so retention removes whole seals; an expired seal keeps its hashes (the
-- chain stays checkable from the first seal) but loses its entries.
CREATE TABLE tarbox.audit_seal (
    tenant_id  bigint      NOT NULL,
    seal_no    bigint      NOT NULL CHECK (seal_no >= 1),
    lo_at      bigint,
    lo_seq     bigint,
    hi_at      bigint      NOT NULL,
    hi_seq     bigint      NOT NULL,
    records    int         NOT NULL CHECK (records >= 1),
    digest     bytea       NOT NULL CHECK (octet_length(digest) = 32),
    entries    bytea,
    prev_hash  bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash       bytea       NOT NULL CHECK (octet_length(hash) = 32),
    version    smallint    NOT NULL DEFAULT 1,
    sealed_at  timestamptz NOT NULL DEFAULT now(),
    expired_at timestamptz,
    PRIMARY KEY (tenant_id, seal_no),
    CONSTRAINT audit_seal_first CHECK ((seal_no = 1) = (lo_at IS NULL) AND (lo_at IS NULL) = (lo_seq IS NULL)),
    CONSTRAINT audit_seal_entries CHECK (entries IS NULL OR octet_length(entries) = 16 * records),
    CONSTRAINT audit_seal_expiry CHECK ((expired_at IS NULL) = (entries IS NOT NULL))
);
ALTER TABLE tarbox.audit_seal OWNER TO tarbox_maint;
COMMENT ON TABLE tarbox.audit_seal IS
    'Hash chain over each tenant''s audit records (see sql/schema/0080-audit.sql): seal seal_no covers the records after (lo_at, lo_seq) up to (hi_at, hi_seq), records of them; entries = (seq, 8 bytes of digest) per record; prev_hash = the previous seal''s hash (32 zero bytes for the first). Written only by tarbox.audit_seal (administrators); checked by tarbox.audit_verify.';
ALTER TABLE tarbox.audit_seal ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.audit_seal FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_seal_own ON tarbox.audit_seal
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.audit_seal TO tarbox_tenant;

-- Sealing must see when every running transaction started (tarbox.audit_seal: a record can be
-- committed late, but never with a time before its transaction's start).
GRANT pg_read_all_stats TO tarbox_maint;

-- ---------------------------------------------------------------------------------------------
-- The audited API gained the caller's uid/gid/pid (and fs_read a file handle); the functions
-- of the old signatures are dropped here, so that an upgraded database keeps no unaudited
-- door open (the function files create the new ones right after the migrations).
DROP FUNCTION IF EXISTS tarbox.fs_lookup(bigint, bytea, int);
DROP FUNCTION IF EXISTS tarbox.fs_setattr(bigint, int, bigint, bigint, bigint, bigint, bigint, bigint);
DROP FUNCTION IF EXISTS tarbox.fs_readlink(bigint, int);
DROP FUNCTION IF EXISTS tarbox.fs_mknod(bigint, bytea, int, bigint, bigint, bigint);
DROP FUNCTION IF EXISTS tarbox.fs_mkdir(bigint, bytea, int, bigint, bigint);
DROP FUNCTION IF EXISTS tarbox.fs_create(bigint, bytea, int, bigint, bigint, int);
DROP FUNCTION IF EXISTS tarbox.fs_symlink(bigint, bytea, bytea, bigint, bigint);
DROP FUNCTION IF EXISTS tarbox.fs_link(bigint, bigint, bytea);
DROP FUNCTION IF EXISTS tarbox.fs_unlink(bigint, bytea);
DROP FUNCTION IF EXISTS tarbox.fs_rmdir(bigint, bytea);
DROP FUNCTION IF EXISTS tarbox.fs_rename(bigint, bytea, bigint, bytea, int);
DROP FUNCTION IF EXISTS tarbox.fs_open(bigint, int, int);
DROP FUNCTION IF EXISTS tarbox.fs_read(bigint, bigint, int, int);
DROP FUNCTION IF EXISTS tarbox.fs_write(bigint, bigint, bytea, boolean);
DROP FUNCTION IF EXISTS tarbox.fs_readdir(bigint, bigint, int, int);
DROP FUNCTION IF EXISTS tarbox.fs_setxattr(bigint, bytea, bytea, int);
DROP FUNCTION IF EXISTS tarbox.fs_removexattr(bigint, bytea);
DROP FUNCTION IF EXISTS tarbox.layer_new(text, text, boolean);
DROP FUNCTION IF EXISTS tarbox.layer_switch(text);
DROP FUNCTION IF EXISTS tarbox.layer_drop(text, boolean);
DROP FUNCTION IF EXISTS tarbox.layer_tag(text, text);
DROP FUNCTION IF EXISTS tarbox.layer_untag(text);
DROP FUNCTION IF EXISTS tarbox.fs_release(bigint, boolean);

-- ---------------------------------------------------------------------------------------------
-- tarbox._audit_call: the state of one audited call, from tarbox._audit_begin to the record.
-- op is NULL when the call is not to be recorded. level: the level the operation belongs to
-- (1 basic, 2 standard, 3 full); tenant_level and paths: the tenant's level and whether it has
-- path overrides; catch: the session reports failures as warnings (tarbox.error_mode =
-- 'warning'), so a failure can be recorded; shell: the session logged in as another role than
-- the tenant (a Tarbox shell: mount, CLI, HTTP, WASI host), whose caller uid/gid/pid are kept.
-- lines_added/lines_deleted: a text change's line counts, for the record (set by the storage
-- code once it computes them); native_source: the host path when a native mount served the
-- call (the record's native flag follows).
CREATE TYPE tarbox._audit_call AS (
    tenant_id    bigint,
    op           text,
    level        smallint,
    layer        int,
    t0           timestamptz,
    catch        boolean,
    shell        boolean,
    uid          bigint,
    gid          bigint,
    pid          int,
    tenant_level smallint,
    paths        boolean,
    path         text,
    path2        text,
    ino          bigint,
    details      jsonb,
    lines_added   int,
    lines_deleted int,
    native_source text
);
ALTER TYPE tarbox._audit_call OWNER TO tarbox_owner;
