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
ALTER FUNCTION tarbox.compose_rename(int, bigint, bytea, bigint, bytea, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_rename(int, bigint, bytea, bigint, bytea, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_rename(int, bigint, bytea, bigint, bytea, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_rename(int, bigint, bytea, bigint, bytea, int, bigint, bigint, int) IS
'FUSE rename in copy-on-write composition p_compose: move entry p_name (bytes) of shown directory p_parent to p_newname of shown directory p_newparent, copying the source, both directories and (RENAME_EXCHANGE) the target up first, replacing a target as rename(2) does, and leaving a whiteout at the old name when the publisher has it (recorded by tarbox.fs_rename and fs_mknod). p_flags: 0, RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2. A directory the publisher has cannot be moved (EXDEV, as overlayfs without redirect_dir: tools copy instead); one the consumer made moves normally. Errors: EXDEV (TX018), EEXIST (TX017) NOREPLACE, ENOENT (TX002), ENOTDIR (TX020), EISDIR (TX021), ENOTEMPTY (TX039), EINVAL (TX022) bad flags or a directory into itself, EBUSY (TX016) . or .., EROFS (TX030) read-only composition, EACCES (TX013).';
