-- tarbox._audit_begin(op, level, layer, uid, gid, pid): start an audited call of operation
-- `op`, which belongs to audit level `level` (1 basic, 2 standard, 3 full), acting at layer
-- `layer` (NULL = the tenant's current layer). The caller's uid/gid/pid (FUSE request
-- context) are kept only from a shell session (see tarbox._audit_call), never from a tenant's
-- own login, which could pass anything.
-- Returns a tarbox._audit_call whose op is NULL when nothing is to be recorded: the caller is
-- not a tenant (the call itself refuses it), the tenant's highest level is below `level`, or
-- the transaction is read-only (a standby, or SET TRANSACTION READ ONLY: no record can be
-- written there). One probe of the tenant's policy; called by every audited function first.
CREATE OR REPLACE FUNCTION tarbox._audit_begin(p_op text, p_level int, p_layer int,
                                               p_uid bigint, p_gid bigint, p_pid int)
RETURNS tarbox._audit_call
LANGUAGE plpgsql
AS $$
DECLARE
    a tarbox._audit_call;
    v_max smallint;
BEGIN
    a.t0 := clock_timestamp();
    IF current_setting('tarbox.audit_lines', true) <> '' THEN  -- line counts of an earlier call
        PERFORM set_config('tarbox.audit_lines', '', true);
    END IF;
    a.tenant_id := tarbox._tenant_id();
    IF a.tenant_id IS NULL THEN
        RETURN a;
    END IF;
    SELECT coalesce(p.level, c.default_level), coalesce(p.max_level, p.level, c.default_level),
           coalesce(p.paths, false), t.current_layer
      INTO a.tenant_level, v_max, a.paths, a.layer
      FROM tarbox.audit_config c
      LEFT JOIN tarbox.audit_policy p ON p.tenant_id = a.tenant_id
      LEFT JOIN tarbox.tenant t ON t.tenant_id = a.tenant_id;
    IF v_max < p_level OR current_setting('transaction_read_only') = 'on' THEN
        RETURN a;
    END IF;
    a.op := p_op;
    a.level := p_level;
    a.layer := coalesce(p_layer, a.layer);
    a.catch := current_setting('tarbox.error_mode', true) = 'warning';
    a.shell := session_user::text <> 'tarbox_tenant_' || a.tenant_id;
    IF a.shell THEN
        a.uid := p_uid;
        a.gid := p_gid;
        a.pid := p_pid;
    END IF;
    RETURN a;
END
$$;
ALTER FUNCTION tarbox._audit_begin(text, int, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_begin(text, int, int, bigint, bigint, int) FROM PUBLIC;

-- tarbox._audit_scope(a): apply the tenant's path overrides to a call whose path is known:
-- the level of the longest prefix of a.path in tarbox.audit_path_level (else the tenant's)
-- decides; op becomes NULL when the operation's level is above it.
CREATE OR REPLACE FUNCTION tarbox._audit_scope(a tarbox._audit_call)
RETURNS tarbox._audit_call
LANGUAGE plpgsql
AS $$
DECLARE
    v_level smallint := a.tenant_level;
BEGIN
    IF a.op IS NULL THEN
        RETURN a;
    END IF;
    IF a.paths AND a.path IS NOT NULL THEN
        SELECT l.level INTO v_level
          FROM tarbox.audit_path_level l
         WHERE l.tenant_id = a.tenant_id
           AND (l.prefix = '/' OR a.path = l.prefix OR left(a.path, length(l.prefix) + 1) = l.prefix || '/')
         ORDER BY length(l.prefix) DESC
         LIMIT 1;
        v_level := coalesce(v_level, a.tenant_level);
    END IF;
    IF a.level > v_level THEN
        a.op := NULL;
    END IF;
    RETURN a;
END
$$;
ALTER FUNCTION tarbox._audit_scope(tarbox._audit_call) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_scope(tarbox._audit_call) FROM PUBLIC;

-- tarbox._audit_ino(a, ino): the call acts on inode `ino`: its path now (at a.layer), then the
-- path overrides (tarbox._audit_scope).
CREATE OR REPLACE FUNCTION tarbox._audit_ino(a tarbox._audit_call, p_ino bigint)
RETURNS tarbox._audit_call
LANGUAGE plpgsql
AS $$
BEGIN
    IF a.op IS NULL THEN
        RETURN a;
    END IF;
    a.ino := p_ino;
    a.path := tarbox._audit_path_of(a.tenant_id, p_ino, a.layer);
    RETURN tarbox._audit_scope(a);
END
$$;
ALTER FUNCTION tarbox._audit_ino(tarbox._audit_call, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_ino(tarbox._audit_call, bigint) FROM PUBLIC;

-- tarbox._audit_entry(a, parent, name, resolve): the call acts on entry `name` (bytes) of
-- directory `parent`: path = the directory's path + '/' + name; with `resolve`, a.ino becomes
-- the inode the entry names now (for unlink, rmdir, rename: gone after the call). Then the
-- path overrides.
CREATE OR REPLACE FUNCTION tarbox._audit_entry(a tarbox._audit_call, p_parent bigint, p_name bytea,
                                               p_resolve boolean)
RETURNS tarbox._audit_call
LANGUAGE plpgsql
AS $$
DECLARE
    v_dir text;
BEGIN
    IF a.op IS NULL THEN
        RETURN a;
    END IF;
    v_dir := tarbox._audit_path_of(a.tenant_id, p_parent, a.layer);
    a.path := CASE WHEN v_dir = '/' THEN '' ELSE v_dir END || '/' || coalesce(tarbox._audit_text(p_name), '');
    IF p_resolve AND p_name IS NOT NULL THEN
        a.ino := tarbox._dentry_at(a.tenant_id, p_parent, p_name, a.layer);
    END IF;
    IF v_dir IS NULL THEN
        a.details := jsonb_build_object('parent', p_parent);  -- the directory is not reachable
    END IF;
    RETURN tarbox._audit_scope(a);
END
$$;
ALTER FUNCTION tarbox._audit_entry(tarbox._audit_call, bigint, bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_entry(tarbox._audit_call, bigint, bytea, boolean) FROM PUBLIC;

-- tarbox._audit_named(a, path): the call acts on a path given to the path API (made lexically
-- canonical, see tarbox._audit_clean_path), then the path overrides.
CREATE OR REPLACE FUNCTION tarbox._audit_named(a tarbox._audit_call, p_path text)
RETURNS tarbox._audit_call
LANGUAGE plpgsql
AS $$
BEGIN
    IF a.op IS NULL THEN
        RETURN a;
    END IF;
    a.path := tarbox._audit_clean_path(p_path);
    RETURN tarbox._audit_scope(a);
END
$$;
ALTER FUNCTION tarbox._audit_named(tarbox._audit_call, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_named(tarbox._audit_call, text) FROM PUBLIC;

-- tarbox._audit_beneath(a, dir, path): the call acts on relative path `path` beneath directory
-- inode `dir` (the WASI API): the directory's path joined with it, made lexically canonical,
-- then the path overrides.
CREATE OR REPLACE FUNCTION tarbox._audit_beneath(a tarbox._audit_call, p_dir bigint, p_path text)
RETURNS tarbox._audit_call
LANGUAGE plpgsql
AS $$
DECLARE
    v_dir text;
BEGIN
    IF a.op IS NULL THEN
        RETURN a;
    END IF;
    v_dir := tarbox._audit_path_of(a.tenant_id, p_dir, a.layer);
    IF v_dir IS NULL THEN
        a.details := jsonb_build_object('dir', p_dir, 'name', p_path);  -- the directory is not reachable
    ELSE
        a.path := tarbox._audit_clean_path(v_dir || '/' || coalesce(p_path, ''));
    END IF;
    RETURN tarbox._audit_scope(a);
END
$$;
ALTER FUNCTION tarbox._audit_beneath(tarbox._audit_call, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_beneath(tarbox._audit_call, bigint, text) FROM PUBLIC;
