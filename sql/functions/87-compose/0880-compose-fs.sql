-- The inode API of a composed subtree: what the FUSE bridge's composition component calls (one
-- call per kernel request). Inode numbers are the publisher's; p_compose names the calling
-- tenant's composition. Everything is read at the published layer through tarbox._compose_ctx,
-- under row-level security: the same helpers as the fs_* functions, with the publisher as the
-- context's tenant. Read-only: the bridge answers every change with EROFS.

CREATE OR REPLACE FUNCTION tarbox.compose_getattr(p_compose int, p_ino bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
BEGIN
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    RETURN tarbox._attr(v);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_lookup(p_compose int, p_parent bigint, p_name bytea)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_dir tarbox.inode := tarbox._inode_at(c.tenant_id, p_parent, c.layer);
    v_ino bigint;
BEGIN
    IF v_dir.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist in composition %s', p_parent, p_compose));
    ELSIF (v_dir.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    PERFORM tarbox._check_name(p_name);
    v_ino := CASE p_name WHEN '\x2e'::bytea THEN p_parent
                         WHEN '\x2e2e'::bytea THEN tarbox._parent_of(c.tenant_id, p_parent, c.layer)
                         ELSE tarbox._dentry_at(c.tenant_id, p_parent, p_name, c.layer) END;
    IF v_ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    RETURN tarbox._attr(tarbox._inode_at(c.tenant_id, v_ino, c.layer));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_readdir(p_compose int, p_ino bigint, p_offset bigint, p_limit int)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    v_off bigint := coalesce(p_offset, 0);
    v_limit int := least(greatest(coalesce(p_limit, 1000), 1), 10000);
BEGIN
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    ELSIF (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_ino));
    END IF;
    -- '.' and '..' are the bridge's (the root's parent is in the consumer's tree).
    RETURN QUERY
        SELECT d.name, d.cookie,
               ROW(i.ino, i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size, (i.stored + 511) / 512,
                   i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns)::tarbox.attr
          FROM tarbox.dentry d
          CROSS JOIN LATERAL (
                SELECT * FROM tarbox.inode n
                 WHERE n.tenant_id = c.tenant_id AND n.ino = d.ino AND n.born <= c.layer
                 ORDER BY n.born DESC LIMIT 1) i
         WHERE d.tenant_id = c.tenant_id AND d.parent_ino = p_ino
           AND d.cookie > v_off AND d.born <= c.layer AND d.died > c.layer
           AND i.died > c.layer
         ORDER BY d.cookie
         LIMIT v_limit;
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_read(p_compose int, p_ino bigint, p_offset bigint, p_length int)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
BEGIN
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    ELSIF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file', p_ino));
    ELSIF p_offset IS NULL OR p_offset < 0 OR p_length IS NULL OR p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', 'offset and length must be non-negative');
    END IF;
    RETURN tarbox._read(c.tenant_id, c.layer, v, p_offset, least(p_length, tarbox._io_max()));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_readlink(p_compose int, p_ino bigint)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
BEGIN
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    ELSIF v.target IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a symbolic link', p_ino));
    END IF;
    RETURN v.target;
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_getxattr(p_compose int, p_ino bigint, p_name bytea)
RETURNS bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_value bytea;
BEGIN
    IF tarbox._inode_at(c.tenant_id, p_ino, c.layer) IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    PERFORM tarbox._check_xattr_name(p_name);
    SELECT x.value INTO v_value
      FROM (SELECT x.value, x.died FROM tarbox.xattr x
             WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.name = p_name AND x.born <= c.layer
             ORDER BY x.born DESC LIMIT 1) x
     WHERE x.died > c.layer;
    IF NOT FOUND THEN
        PERFORM tarbox._raise('ENODATA', format('no attribute %s', tarbox._name_text(p_name)));
    END IF;
    RETURN v_value;
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_listxattr(p_compose int, p_ino bigint)
RETURNS SETOF bytea
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
BEGIN
    IF tarbox._inode_at(c.tenant_id, p_ino, c.layer) IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
    RETURN QUERY
        SELECT x.name FROM tarbox.xattr x
         WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.born <= c.layer AND x.died > c.layer
         ORDER BY x.name;
END
$$;

DO $own$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['tarbox.compose_getattr(int, bigint)', 'tarbox.compose_lookup(int, bigint, bytea)',
                             'tarbox.compose_readdir(int, bigint, bigint, int)', 'tarbox.compose_read(int, bigint, bigint, int)',
                             'tarbox.compose_readlink(int, bigint)', 'tarbox.compose_getxattr(int, bigint, bytea)',
                             'tarbox.compose_listxattr(int, bigint)'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO tarbox_owner', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tarbox_tenant', f);
    END LOOP;
END
$own$;

COMMENT ON FUNCTION tarbox.compose_getattr(int, bigint) IS
'FUSE getattr in composition p_compose of the calling tenant: the attributes (tarbox.attr) of the publisher''s inode p_ino at the published layer. Errors: ENOENT (TX002) no such inode, composition, or the publication is no longer shared with the caller; EACCES (TX013) not a tenant.';
COMMENT ON FUNCTION tarbox.compose_lookup(int, bigint, bytea) IS
'FUSE lookup in composition p_compose: the attributes of entry p_name (bytes) of the publisher''s directory inode p_parent at the published layer (''.'' and ''..'' as in tarbox.fs_lookup; the bridge answers ''..'' of the root from the tree). Errors: ENOENT (TX002), ENOTDIR (TX020), ENAMETOOLONG (TX036), EINVAL (TX022) bad name, EACCES (TX013) not a tenant.';
COMMENT ON FUNCTION tarbox.compose_readdir(int, bigint, bigint, int) IS
'FUSE readdirplus in composition p_compose: up to p_limit (1..10000, NULL = 1000) entries of directory p_ino after readdir offset p_offset (0 = start), each with its next offset (the name''s stable cookie) and attributes. ''.'' and ''..'' are not listed (the bridge adds them). Errors: ENOENT (TX002), ENOTDIR (TX020), EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_read(int, bigint, bigint, int) IS
'FUSE read in composition p_compose: up to p_length bytes (at most tarbox.limits() io_max) of regular file p_ino from byte offset p_offset; shorter at end of file. Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file or a negative offset/length, EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_readlink(int, bigint) IS
'FUSE readlink in composition p_compose: the target bytes of symbolic link p_ino. Errors: ENOENT (TX002), EINVAL (TX022) not a symbolic link, EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_getxattr(int, bigint, bytea) IS
'FUSE getxattr in composition p_compose: the value (bytes) of extended attribute p_name of inode p_ino. Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095) system.* names, EINVAL (TX022), EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_listxattr(int, bigint) IS
'FUSE listxattr in composition p_compose: the names (bytes) of inode p_ino''s extended attributes, sorted. Errors: ENOENT (TX002), EACCES (TX013).';
