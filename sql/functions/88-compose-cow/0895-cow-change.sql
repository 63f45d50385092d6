-- The changes of a copy-on-write composition: what the FUSE bridge's composition component
-- calls, one SQL call per kernel request. p_compose names the calling tenant's cow composition,
-- inode numbers are the shown ones (tarbox._cow_node). Each copies up what it changes
-- (tarbox._cow_up) and then changes the consumer's own rows through the audited inode API
-- (tarbox.fs_create, fs_write ... record the change, on the consumer's inode under the mount
-- point). A read-only composition answers EROFS.

-- tarbox._cow_require(compose): EROFS (TX030) unless p_compose is a cow composition of the caller.
CREATE OR REPLACE FUNCTION tarbox._cow_require(p_compose int) RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    PERFORM tarbox._compose_ctx(p_compose);
    IF NOT tarbox._compose_is_cow(p_compose) THEN
        PERFORM tarbox._raise('EROFS', format('composition %s is read-only', p_compose));
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_require(int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_require(int) FROM PUBLIC;

-- tarbox._cow_new_entry(compose, dir, name): the consumer's directory to make entry p_name in
-- (copied up), after removing a whiteout of that name. EEXIST (TX017) when the merged view has it.
CREATE OR REPLACE FUNCTION tarbox._cow_new_entry(p_compose int, p_parent bigint, p_name bytea) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    ch record;
    v_up bigint;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_name(p_name);
    IF ((tarbox._cow_inode(p_compose, p_parent)).mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_parent));
    END IF;
    ch := tarbox._cow_child(p_compose, p_parent, p_name);
    IF ch.shown IS NOT NULL THEN
        PERFORM tarbox._raise('EEXIST', format('%s exists', tarbox._name_text(p_name)));
    END IF;
    v_up := tarbox._cow_up(p_compose, p_parent);
    IF ch.wh THEN
        PERFORM tarbox._do_fs_unlink(v_up, p_name);
    END IF;
    RETURN v_up;
END
$$;
ALTER FUNCTION tarbox._cow_new_entry(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_new_entry(int, bigint, bytea) FROM PUBLIC;

-- tarbox._cow_attr(compose, attr): attr of a consumer's inode with its shown number.
CREATE OR REPLACE FUNCTION tarbox._cow_attr(p_compose int, p_a tarbox.attr) RETURNS tarbox.attr
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_a.ino IS NOT NULL THEN
        p_a.ino := tarbox._cow_shown(p_compose, p_a.ino);
    END IF;
    RETURN p_a;
END
$$;
ALTER FUNCTION tarbox._cow_attr(int, tarbox.attr) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_attr(int, tarbox.attr) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox.compose_create(p_compose int, p_parent bigint, p_name bytea, p_mode int,
    p_uid bigint, p_gid bigint, p_flags int DEFAULT 0,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_create(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_mode, p_uid, p_gid, p_flags, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_mkdir(p_compose int, p_parent bigint, p_name bytea, p_mode int,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_mkdir(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_mode, p_uid, p_gid, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_symlink(p_compose int, p_parent bigint, p_name bytea, p_target bytea,
    p_uid bigint, p_gid bigint,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_symlink(tarbox._cow_new_entry(p_compose, p_parent, p_name), p_name,
        p_target, p_uid, p_gid, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_write(p_compose int, p_ino bigint, p_offset bigint, p_data bytea,
    p_append boolean DEFAULT false, p_kill_suidgid boolean DEFAULT false,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    RETURN tarbox.fs_write(tarbox._cow_up(p_compose, p_ino), p_offset, p_data, p_append, p_kill_suidgid,
                           p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_setattr(p_compose int, p_ino bigint, p_mode int, p_uid bigint, p_gid bigint,
    p_size bigint, p_atime_ns bigint, p_mtime_ns bigint, p_ctime_ns bigint DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS tarbox.attr
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    RETURN tarbox._cow_attr(p_compose, tarbox.fs_setattr(tarbox._cow_up(p_compose, p_ino), p_mode, p_uid, p_gid,
        p_size, p_atime_ns, p_mtime_ns, p_ctime_ns, p_caller_uid, p_caller_gid, p_caller_pid));
END
$$;

-- tarbox._cow_remove(compose, dir, name, want_dir, caller...): unlink or rmdir in the merged view.
CREATE OR REPLACE FUNCTION tarbox._cow_remove(p_compose int, p_parent bigint, p_name bytea, p_dir boolean,
    p_caller_uid bigint, p_caller_gid bigint, p_caller_pid int)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    ch record;
    v tarbox.inode;
    v_up bigint;
    u tarbox._context;
    w record;
BEGIN
    PERFORM tarbox._cow_require(p_compose);
    PERFORM tarbox._check_name(p_name);
    ch := tarbox._cow_child(p_compose, p_parent, p_name);
    IF ch.shown IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_name)));
    END IF;
    v := tarbox._cow_inode(p_compose, ch.shown);
    IF p_dir AND (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_name)));
    ELSIF NOT p_dir AND (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_name)));
    END IF;
    IF p_dir AND EXISTS (SELECT 1 FROM tarbox._cow_readdir(p_compose, ch.shown, 0, 1)) THEN
        PERFORM tarbox._raise('ENOTEMPTY', format('%s is not empty', tarbox._name_text(p_name)));
    END IF;
    v_up := tarbox._cow_up(p_compose, p_parent);
    u := tarbox._ctx(NULL, true);
    IF ch.upper_ino IS NOT NULL THEN
        IF p_dir THEN
            FOR w IN SELECT d.name FROM tarbox.dentry d
                      WHERE d.tenant_id = u.tenant_id AND d.parent_ino = ch.upper_ino
                        AND d.born <= u.layer AND d.died > u.layer LOOP
                PERFORM tarbox._do_fs_unlink(ch.upper_ino, w.name);  -- whiteouts only: the merged directory is empty
            END LOOP;
            PERFORM tarbox.fs_rmdir(v_up, p_name, p_caller_uid, p_caller_gid, p_caller_pid);
        ELSE
            PERFORM tarbox.fs_unlink(v_up, p_name, p_caller_uid, p_caller_gid, p_caller_pid);
        END IF;
    END IF;
    IF ch.lower_ino IS NOT NULL THEN
        PERFORM tarbox.fs_mknod(v_up, p_name, 8192, 0, v.uid, v.gid, p_caller_uid, p_caller_gid, p_caller_pid);
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_remove(int, bigint, bytea, boolean, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_remove(int, bigint, bytea, boolean, bigint, bigint, int) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox.compose_unlink(p_compose int, p_parent bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_remove(p_compose, p_parent, p_name, false, p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;

CREATE OR REPLACE FUNCTION tarbox.compose_rmdir(p_compose int, p_parent bigint, p_name bytea,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM tarbox._cow_remove(p_compose, p_parent, p_name, true, p_caller_uid, p_caller_gid, p_caller_pid);
END
$$;

DO $grants$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'tarbox.compose_create(int, bigint, bytea, int, bigint, bigint, int, bigint, bigint, int)',
        'tarbox.compose_mkdir(int, bigint, bytea, int, bigint, bigint, bigint, bigint, int)',
        'tarbox.compose_symlink(int, bigint, bytea, bytea, bigint, bigint, bigint, bigint, int)',
        'tarbox.compose_write(int, bigint, bigint, bytea, boolean, boolean, bigint, bigint, int)',
        'tarbox.compose_setattr(int, bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int)',
        'tarbox.compose_unlink(int, bigint, bytea, bigint, bigint, int)',
        'tarbox.compose_rmdir(int, bigint, bytea, bigint, bigint, int)'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO tarbox_owner', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tarbox_tenant', f);
    END LOOP;
END
$grants$;
COMMENT ON FUNCTION tarbox.compose_create(int, bigint, bytea, int, bigint, bigint, int, bigint, bigint, int) IS
'FUSE create in copy-on-write composition p_compose: make regular file p_name (bytes) in shown directory p_parent, copying the directory up into the caller''s tree first (tarbox._cow_up) and replacing a whiteout of that name; arguments as tarbox.fs_create (recorded by it). Returns the attributes with the shown inode number (the caller''s own inode + 2^39). Errors: EROFS (TX030) a read-only composition, EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EACCES (TX013) not a tenant.';
COMMENT ON FUNCTION tarbox.compose_mkdir(int, bigint, bytea, int, bigint, bigint, bigint, bigint, int) IS
'FUSE mkdir in copy-on-write composition p_compose: as tarbox.compose_create for a directory (mode: permission bits; recorded by tarbox.fs_mkdir). A directory made over a whiteout is opaque: the publisher''s entries of the name are not shown in it. Errors: as tarbox.compose_create.';
COMMENT ON FUNCTION tarbox.compose_symlink(int, bigint, bytea, bytea, bigint, bigint, bigint, bigint, int) IS
'FUSE symlink in copy-on-write composition p_compose: symbolic link p_name to p_target (bytes) in shown directory p_parent (recorded by tarbox.fs_symlink). Errors: as tarbox.compose_create.';
COMMENT ON FUNCTION tarbox.compose_write(int, bigint, bigint, bytea, boolean, boolean, bigint, bigint, int) IS
'FUSE write in copy-on-write composition p_compose: write p_data at byte offset p_offset of shown file p_ino, copying it up first (its data copied into the caller''s own blocks); arguments and result (bytes written) as tarbox.fs_write (recorded by it). Errors: EROFS (TX030) read-only composition, ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027), ENOSPC, EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_setattr(int, bigint, int, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, int) IS
'FUSE setattr (chmod, chown, truncate, utimes) in copy-on-write composition p_compose of shown inode p_ino, copying it up first; arguments as tarbox.fs_setattr (recorded by it; NULL = unchanged, times in ns). Returns the attributes with the shown number, which the copy-up keeps. Errors: EROFS (TX030) read-only composition, ENOENT (TX002), EINVAL (TX022), EFBIG (TX027), EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_unlink(int, bigint, bytea, bigint, bigint, int) IS
'FUSE unlink in copy-on-write composition p_compose: remove non-directory p_name of shown directory p_parent: the caller''s own entry goes (tarbox.fs_unlink), and a publisher''s entry of that name is hidden by a whiteout (a character device 0/0 in the caller''s tree, made by tarbox.fs_mknod). Errors: EROFS (TX030), ENOENT (TX002), EISDIR (TX021), EACCES (TX013).';
COMMENT ON FUNCTION tarbox.compose_rmdir(int, bigint, bytea, bigint, bigint, int) IS
'FUSE rmdir in copy-on-write composition p_compose: remove directory p_name of shown directory p_parent when the merged view of it is empty (its whiteouts go with it), leaving a whiteout when the publisher has that name. Errors: EROFS (TX030), ENOENT (TX002), ENOTDIR (TX020), ENOTEMPTY (TX039), EACCES (TX013).';
