-- The copy-on-write changes beyond 0895: rename, link, mknod, setxattr, removexattr. Each is one
-- SQL call: it copies up what it needs (tarbox._cow_up) and changes the consumer's own rows
-- through the audited inode API (tarbox.fs_rename, fs_link, fs_mknod, fs_setxattr ...).

-- tarbox._cow_no_lower_dir(compose, shown inode): EXDEV (TX018) for a directory the
-- publisher has (overlayfs without redirect_dir: the caller copies and deletes instead).
CREATE OR REPLACE FUNCTION tarbox._cow_no_lower_dir(p_compose int, p_shown bigint) RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF ((tarbox._cow_inode(p_compose, p_shown)).mode & 61440) = 16384
       AND (tarbox._cow_node(p_compose, p_shown)).lower IS NOT NULL THEN
        PERFORM tarbox._raise('EXDEV', format('inode %s is a directory of the publication: copy it instead', p_shown));
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_no_lower_dir(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_no_lower_dir(int, bigint) FROM PUBLIC;

-- tarbox._cow_clear_whiteouts(dir): remove the whiteouts left in the consumer's directory p_dir
-- (called when the merged view of it is empty, so whiteouts are all it holds).
CREATE OR REPLACE FUNCTION tarbox._cow_clear_whiteouts(p_dir bigint) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    u tarbox._context := tarbox._ctx(NULL, true);
    w record;
BEGIN
    FOR w IN SELECT d.name FROM tarbox.dentry d
              WHERE d.tenant_id = u.tenant_id AND d.parent_ino = p_dir
                AND d.born <= u.layer AND d.died > u.layer LOOP
        PERFORM tarbox._do_fs_unlink(p_dir, w.name);
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._cow_clear_whiteouts(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_clear_whiteouts(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox.compose_rename(p_compose int, p_parent bigint, p_name bytea,
    p_newparent bigint, p_newname bytea, p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_flags int := coalesce(p_flags, 0);
    s record;
    d record;
    vs tarbox.inode;
    vd tarbox.inode;
    v_from bigint;
    v_to bigint;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    IF v_flags NOT IN (0, 1, 2) THEN
        PERFORM tarbox._raise('EINVAL', format('unsupported rename flags %s (RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2)', v_flags));
    END IF;
    PERFORM tarbox._check_name(p_name);
    PERFORM tarbox._check_name(p_newname);
    IF p_name IN ('\x2e'::bytea, '\x2e2e'::bytea) OR p_newname IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
        PERFORM tarbox._raise('EBUSY', 'cannot rename ''.'' or ''..''');
    END IF;
    IF ((tarbox._cow_inode(p_compose, p_newparent)).mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_newparent));
    END IF;
    s := tarbox._cow_child(p_compose, p_parent, p_name);
    IF s.shown IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    d := tarbox._cow_child(p_compose, p_newparent, p_newname);
    IF v_flags = 1 AND d.shown IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists (RENAME_NOREPLACE)', tarbox._name_text(p_newname)));
    ELSIF v_flags = 2 AND d.shown IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory (RENAME_EXCHANGE)', tarbox._name_text(p_newname)));
    END IF;
    IF s.shown = d.shown THEN
        RETURN;  -- both names link the same inode: POSIX says do nothing
    END IF;
    PERFORM tarbox._cow_no_lower_dir(p_compose, s.shown);
    vs := tarbox._cow_inode(p_compose, s.shown);
    IF d.shown IS NOT NULL THEN
        vd := tarbox._cow_inode(p_compose, d.shown);
        IF v_flags = 2 THEN
            PERFORM tarbox._cow_no_lower_dir(p_compose, d.shown);
        ELSIF (vs.mode & 61440) = 16384 AND (vd.mode & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_newname)));
        ELSIF (vs.mode & 61440) <> 16384 AND (vd.mode & 61440) = 16384 THEN
            PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_newname)));
        ELSIF (vd.mode & 61440) = 16384 AND EXISTS (SELECT 1 FROM tarbox._cow_readdir(p_compose, d.shown, 0, 1)) THEN
            PERFORM tarbox._raise('ENOTEMPTY', format('%s: directory not empty', tarbox._name_text(p_newname)));
        END IF;
    END IF;
    -- Copy up: the source (and its directory), the target's directory, for an exchange the target.
    PERFORM tarbox._cow_up(p_compose, s.shown);
    v_from := tarbox._cow_up(p_compose, p_parent);
    v_to := tarbox._cow_up(p_compose, p_newparent);
    IF v_flags = 2 THEN
        PERFORM tarbox._cow_up(p_compose, d.shown);
        -- Both names stay occupied in the consumer's tree: no whiteout is needed.
        PERFORM tarbox.fs_rename(v_from, p_name, v_to, p_newname, 2, p_caller_uid, p_caller_gid, p_caller_pid);
        RETURN;
    END IF;
    IF d.wh THEN
        PERFORM tarbox._do_fs_unlink(v_to, p_newname);  -- the whiteout gives way to the entry
    ELSIF d.upper_ino IS NOT NULL AND (vd.mode & 61440) = 16384 THEN
        PERFORM tarbox._cow_clear_whiteouts(d.upper_ino);  -- empty in the merged view: whiteouts only
    END IF;
    -- A publisher's entry at the target name needs nothing: the consumer's entry hides it (a
    -- directory moved there is the consumer's own, so opaque).
    PERFORM tarbox.fs_rename(v_from, p_name, v_to, p_newname, 0, p_caller_uid, p_caller_gid, p_caller_pid);
    IF s.lower_ino IS NOT NULL THEN
        PERFORM tarbox.fs_mknod(v_from, p_name, 8192, 0, vs.uid, vs.gid, p_caller_uid, p_caller_gid, p_caller_pid);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_link(p_compose int, p_ino bigint, p_newparent bigint, p_newname bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_dir bigint;
    v_ino bigint;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    IF ((tarbox._cow_inode(p_compose, p_ino)).mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EPERM', 'cannot hard-link a directory');
    END IF;
    v_dir := tarbox._cow_new_entry(p_compose, p_newparent, p_newname);
    v_ino := tarbox._cow_up(p_compose, p_ino);
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_link(v_ino, v_dir, p_newname, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_mknod(p_compose int, p_parent bigint, p_name bytea, p_mode int, p_rdev bigint,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    IF (p_mode & 61440) = 8192 AND coalesce(p_rdev, 0) = 0 THEN
        PERFORM tarbox._raise('EPERM', 'a character device 0/0 is a whiteout in a copy-on-write composition');
    END IF;
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_mknod(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_mode, p_rdev, p_uid, p_gid, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_setxattr(p_compose int, p_ino bigint, p_name bytea, p_value bytea,
    p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_xattr_name(p_name);
    PERFORM tarbox.fs_setxattr(tarbox._cow_up(p_compose, p_ino), p_name, p_value, p_flags,
                               p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_removexattr(p_compose int, p_ino bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_xattr_name(p_name);
    IF NOT EXISTS (SELECT 1 FROM tarbox.compose_listxattr(p_compose, p_ino) x(name) WHERE x.name = p_name) THEN
        PERFORM tarbox._raise('ENODATA', format('no attribute %s', tarbox._name_text(p_name)));
    END IF;
    PERFORM tarbox.fs_removexattr(tarbox._cow_up(p_compose, p_ino), p_name, p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;

DO $grants$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'tarbox.compose_rename(int, bigint, bytea, bigint, bytea, int, bigint, bigint, int)',
        'tarbox.compose_link(int, bigint, bigint, bytea, bigint, bigint, int)',
        'tarbox.compose_mknod(int, bigint, bytea, int, bigint, bigint, bigint, bigint, bigint, int)',
        'tarbox.compose_setxattr(int, bigint, bytea, bytea, int, bigint, bigint, int)',
        'tarbox.compose_removexattr(int, bigint, bytea, bigint, bigint, int)'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO tarbox_owner', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tarbox_tenant', f);
    END LOOP;
END
$grants$;
COMMENT ON FUNCTION tarbox.compose_rename(int, bigint, bytea, bigint, bytea, int, bigint, bigint, int) IS
'FUSE rename in copy-on-write composition p_compose: move entry p_name (bytes) of shown directory p_parent to p_newname of shown directory p_newparent, copying the source, both directories and (RENAME_EXCHANGE) the target up first, replacing a target as rename(2) does, and leaving a whiteout at the old name when the publisher has it (recorded by tarbox.fs_rename and fs_mknod). p_flags: 0, RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2. A directory the publisher has cannot be moved (EXDEV, as overlayfs without redirect_dir: tools copy instead); one the consumer made moves normally. Errors: EXDEV (TX018), EEXIST (TX017) NOREPLACE, ENOENT (TX002), ENOTDIR (TX020), EISDIR (TX021), ENOTEMPTY (TX039), EINVAL (TX022) bad flags or a directory into itself, EBUSY (TX016) . or .., EROFS (TX030) read-only composition, EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_link(int, bigint, bigint, bytea, bigint, bigint, int) IS
'FUSE link in copy-on-write composition p_compose: hard link p_newname (bytes) in shown directory p_newparent to shown file p_ino, which is copied up first (recorded by tarbox.fs_link); both names then show the same number. Returns the attributes with the shown number. Errors: EPERM (TX001) a directory, EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EMLINK, EROFS (TX030) read-only composition, EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_mknod(int, bigint, bytea, int, bigint, bigint, bigint, bigint, bigint, int) IS
'FUSE mknod in copy-on-write composition p_compose: special file p_name (FIFO, socket, device; p_mode with the file type, p_rdev device number) in shown directory p_parent, as tarbox.compose_create (recorded by tarbox.fs_mknod). A character device 0/0 is the whiteout convention, so making one is refused (EPERM). Errors: EPERM (TX001), EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), EROFS (TX030), EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_setxattr(int, bigint, bytea, bytea, int, bigint, bigint, int) IS
'FUSE setxattr in copy-on-write composition p_compose: set extended attribute p_name (bytes) of shown inode p_ino to p_value, copying it up first (its publisher''s xattrs come along); flags as tarbox.fs_setxattr (recorded by it). Errors: EOPNOTSUPP (TX095) system.* names, EINVAL (TX022), EEXIST/ENODATA (flags), ENOENT (TX002), EROFS (TX030), EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_removexattr(int, bigint, bytea, bigint, bigint, int) IS
'FUSE removexattr in copy-on-write composition p_compose: remove extended attribute p_name of shown inode p_ino, copying it up first (recorded by tarbox.fs_removexattr). Errors: ENODATA (TX061) absent in the merged view, EOPNOTSUPP (TX095), EINVAL (TX022), ENOENT (TX002), EROFS (TX030), EACCES (TX013).';
