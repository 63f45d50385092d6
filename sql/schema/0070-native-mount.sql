-- tarbox.native_mount: host directories passed through inside tenants' trees ("native mounts"),
-- defined by administrators. A definition says: at mount_path inside the tree, show the host
-- directory source_path, read-only (mode 'ro') or read-write ('rw'), for one tenant (tenant) or
-- for every tenant (shared: tenant IS NULL). Nothing below a native mount is stored in
-- PostgreSQL: the FUSE bridge serves it from the host (tarbox_shell/fuse/passthrough.py).
--
-- source_path may contain the variables {tenant_id}, {tenant} (the tenant's name), {mount_id}
-- (this row's id) and {user} (the user the mount serves), expanded by tarbox._native_expand.
-- When several definitions match a path, tarbox.native_match picks one: exact match before
-- prefix match, longer mount_path before shorter, lower priority first, tenant-specific before
-- shared.
--
-- This is administrators' configuration, not tenant data: shared rows belong to no tenant, so
-- the table is keyed by mount_id (a Citus reference table when distributed) and names its
-- tenant column "tenant". Tenants have no privilege on it; they read their effective
-- definitions through tarbox.native_list()/native_match() (SECURITY DEFINER as tarbox_owner),
-- and the row-level security policy admits only shared rows and the caller's own there, and no
-- writes. The administration functions (tarbox.native_add ...) run as tarbox_maint (BYPASSRLS)
-- after tarbox._require_admin().
CREATE TABLE tarbox.native_mount (
    mount_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant        bigint      REFERENCES tarbox.tenant (tenant_id) ON DELETE CASCADE,
    shared        boolean     GENERATED ALWAYS AS (tenant IS NULL) STORED,
    mount_path    text        NOT NULL
        CHECK (mount_path ~ '^(/[^/]+)+$' AND mount_path !~ '(^|/)\.\.?(/|$)'
               AND mount_path !~ '^/\.tarbox(/|$)' AND octet_length(mount_path) <= 4096),
    source_path   text        NOT NULL
        CHECK (source_path ~ '^/' AND source_path !~ '(^|/)\.\.(/|$)' AND octet_length(source_path) <= 4096
               AND regexp_replace(source_path, '\{(tenant_id|tenant|mount_id|user)\}', '', 'g') !~ '[{}]'),
    mode          text        NOT NULL CHECK (mode IN ('ro', 'rw')),
    priority      int         NOT NULL DEFAULT 100,
    enabled       boolean     NOT NULL DEFAULT true,
    allow_setuid  boolean     NOT NULL DEFAULT false,
    allow_devices boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tarbox.native_mount OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.native_mount IS
    'Native mounts: host directory source_path (variables {tenant_id} {tenant} {mount_id} {user}) shown at mount_path of one tenant''s tree (tenant) or of every tenant''s (shared), ro or rw, matched by tarbox.native_match (exact > prefix, longer > shorter, lower priority, tenant > shared). allow_setuid / allow_devices: whether set-user/group-ID bits and device nodes may be made through the mount. Managed by administrators (tarbox.native_add ...).';

-- One definition per (tenant or shared, path, priority): what `tarbox native load` upserts on.
CREATE UNIQUE INDEX native_mount_key ON tarbox.native_mount (coalesce(tenant, 0), mount_path, priority);
CREATE INDEX native_mount_tenant ON tarbox.native_mount (tenant);

ALTER TABLE tarbox.native_mount ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.native_mount FORCE ROW LEVEL SECURITY;
CREATE POLICY native_mount_visible ON tarbox.native_mount
    USING (tenant IS NULL OR tenant = tarbox._tenant_id())
    WITH CHECK (false);
GRANT ALL ON tarbox.native_mount TO tarbox_maint;

-- EREMOTE: the path API's answer for a path below a native mount (the object is on the host).
INSERT INTO tarbox.errno (name, num, meaning) VALUES
    ('EREMOTE', 66, 'object is remote (on a native mount: served by the host, not stored in Tarbox)');

-- tarbox.ls gains a last column, target (symbolic link target or native mount source): a
-- changed result type needs the old function dropped before the function files reload.
DROP FUNCTION IF EXISTS tarbox.ls(text, text);
