DROP FUNCTION IF EXISTS tarbox._cow_remove(int, bigint, bytea, boolean, bigint, bigint, int);  -- before 2026-12-03

-- tarbox._cow_remove(compose, dir, name, want_dir, caller..., record): unlink or rmdir in the
-- merged view. With p_record (the mount's compose_unlink / compose_rmdir) the changes of the
-- caller's rows are recorded by the audited inode API (fs_unlink or fs_rmdir, fs_mknod for
-- the whiteout); without it (tarbox.wasi_unlink / wasi_rmdir, which record the call
-- themselves) by nothing here.
CREATE OR REPLACE FUNCTION tarbox._cow_remove(p_compose int, p_parent bigint, p_name bytea, p_dir boolean,
    p_caller_uid bigint, p_caller_gid bigint, p_caller_pid int, p_record boolean DEFAULT true)
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
            IF p_record THEN
                PERFORM tarbox.fs_rmdir(v_up, p_name, p_caller_uid, p_caller_gid, p_caller_pid);
            ELSE
                PERFORM tarbox._do_fs_rmdir(v_up, p_name);
            END IF;
        ELSIF p_record THEN
            PERFORM tarbox.fs_unlink(v_up, p_name, p_caller_uid, p_caller_gid, p_caller_pid);
        ELSE
            PERFORM tarbox._do_fs_unlink(v_up, p_name);
        END IF;
    END IF;
    IF ch.lower_ino IS NOT NULL THEN
        IF p_record THEN
            PERFORM tarbox.fs_mknod(v_up, p_name, 8192, 0, v.uid, v.gid, p_caller_uid, p_caller_gid, p_caller_pid);
        ELSE
            PERFORM tarbox._do_fs_mknod(v_up, p_name, 8192, 0, v.uid, v.gid);
        END IF;
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_remove(int, bigint, bytea, boolean, bigint, bigint, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_remove(int, bigint, bytea, boolean, bigint, bigint, int, boolean) FROM PUBLIC;
