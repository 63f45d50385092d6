-- Extended attributes (getxattr(2), setxattr(2), listxattr(2), removexattr(2)); names and values
-- are bytes, versioned per layer like everything else.

CREATE OR REPLACE FUNCTION tarbox.fs_getxattr(p_ino bigint, p_name bytea, p_layer int DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v_value bytea;
BEGIN
    IF tarbox._inode_at(c.tenant_id, p_ino, c.layer) IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
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
ALTER FUNCTION tarbox.fs_getxattr(bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_getxattr(bigint, bytea, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_getxattr(bigint, bytea, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_getxattr(bigint, bytea, int) IS
'FUSE getxattr / getxattr(2): the value (bytes) of extended attribute p_name of inode p_ino at layer p_layer (NULL = current). Errors: ENODATA (TX061) no such attribute, ENOENT (TX002), EOPNOTSUPP (TX095) system.* names (POSIX ACLs are not supported) or a name in no namespace, EINVAL (TX022) nothing after user./trusted./security.';

CREATE OR REPLACE FUNCTION tarbox._do_fs_setxattr(p_ino bigint, p_name bytea, p_value bytea, p_flags int DEFAULT 0)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_born int;
BEGIN
    -- (system.*, POSIX ACLs above all, is interpreted by file systems that support it; storing
    -- it as plain data would make cp -a and tar believe the mode was set through an ACL:
    -- EOPNOTSUPP makes them fall back to chmod, as on a file system without ACLs)
    PERFORM tarbox._check_xattr_name(p_name);
    IF octet_length(coalesce(p_value, ''::bytea)) > 65536 THEN
        PERFORM tarbox._raise('E2BIG' , 'attribute value over 64 KiB');
    ELSIF coalesce(p_flags, 0) NOT IN (0, 1, 2) THEN
        PERFORM tarbox._raise('EINVAL', format('invalid flags %s (XATTR_CREATE = 1, XATTR_REPLACE = 2)', p_flags));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    IF NOT tarbox._inode_cow(c.tenant_id, c.head, p_ino) THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    END IF;
    SELECT x.born INTO v_born FROM tarbox.xattr x
     WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.name = p_name AND x.died = 2147483647;
    IF FOUND AND p_flags = 1 THEN
        PERFORM tarbox._raise('EEXIST', format('attribute %s exists (XATTR_CREATE)', tarbox._name_text(p_name)));
    ELSIF NOT FOUND AND p_flags = 2 THEN
        PERFORM tarbox._raise('ENODATA', format('no attribute %s (XATTR_REPLACE)', tarbox._name_text(p_name)));
    END IF;
    IF v_born = c.head THEN
        UPDATE tarbox.xattr x SET value = coalesce(p_value, ''::bytea)
         WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.name = p_name AND x.died = 2147483647;
    ELSE
        UPDATE tarbox.xattr x SET died = c.head
         WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.name = p_name AND x.died = 2147483647;
        INSERT INTO tarbox.xattr (tenant_id, ino, name, born, died, value)
        VALUES (c.tenant_id, p_ino, p_name, c.head, 2147483647, coalesce(p_value, ''::bytea));
    END IF;
    UPDATE tarbox.inode i SET ctime_ns = tarbox._now_ns()
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;    PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
END
$$;
ALTER FUNCTION tarbox._do_fs_setxattr(bigint, bytea, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_setxattr(bigint, bytea, bytea, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_setxattr(bigint, bytea, bytea, int) IS
'FUSE setxattr / setxattr(2): set extended attribute p_name (1..255 bytes) of inode p_ino to p_value (at most 64 KiB). p_flags: 0, 1 = XATTR_CREATE (EEXIST if present), 2 = XATTR_REPLACE (ENODATA if absent). Updates ctime. Errors: EEXIST (TX017), ENODATA (TX061), ENOENT (TX002), ERANGE (TX034) name too long, E2BIG (TX007) value too large, EINVAL (TX022), EOPNOTSUPP (TX095) system.* names (POSIX ACLs are not supported) or a name in no namespace (only user., trusted. and security. are; as ext4), EROFS (TX030).';

CREATE OR REPLACE FUNCTION tarbox.fs_listxattr(p_ino bigint, p_layer int DEFAULT NULL)
RETURNS SETOF bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
BEGIN
    IF tarbox._inode_at(c.tenant_id, p_ino, c.layer) IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    END IF;
    RETURN QUERY
        SELECT x.name FROM tarbox.xattr x
         WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.born <= c.layer AND x.died > c.layer
         ORDER BY x.name;
END
$$;
ALTER FUNCTION tarbox.fs_listxattr(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_listxattr(bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_listxattr(bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_listxattr(bigint, int) IS
'FUSE listxattr / listxattr(2): the names (bytes) of inode p_ino''s extended attributes at layer p_layer (NULL = current), sorted. Errors: ENOENT (TX002).';

CREATE OR REPLACE FUNCTION tarbox._do_fs_removexattr(p_ino bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
BEGIN
    PERFORM tarbox._check_xattr_name(p_name);
    PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    IF NOT tarbox._inode_cow(c.tenant_id, c.head, p_ino) THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    END IF;
    DELETE FROM tarbox.xattr x
     WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.name = p_name
       AND x.died = 2147483647 AND x.born = c.head;
    IF NOT FOUND THEN
        UPDATE tarbox.xattr x SET died = c.head
         WHERE x.tenant_id = c.tenant_id AND x.ino = p_ino AND x.name = p_name AND x.died = 2147483647;
        IF NOT FOUND THEN
            PERFORM tarbox._raise('ENODATA', format('no attribute %s', tarbox._name_text(p_name)));
        END IF;
    END IF;
    UPDATE tarbox.inode i SET ctime_ns = tarbox._now_ns()
     WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647;    PERFORM tarbox._notify(c.tenant_id, p_ino, NULL, NULL);
END
$$;
ALTER FUNCTION tarbox._do_fs_removexattr(bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_removexattr(bigint, bytea) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_removexattr(bigint, bytea) IS
'FUSE removexattr / removexattr(2): remove extended attribute p_name of inode p_ino. Updates ctime. Errors: ENODATA (TX061), ENOENT (TX002), EOPNOTSUPP (TX095) system.* names or a name in no namespace, EINVAL (TX022) nothing after the namespace, EROFS (TX030).';
