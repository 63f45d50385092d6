CREATE OR REPLACE FUNCTION tarbox._do_wasi_open(p_dir bigint, p_path text, p_follow boolean,
                                            p_oflags int, p_write boolean)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    v_oflags int := coalesce(p_oflags, 0);
    v_creat boolean := (v_oflags & 1) <> 0;
    v_directory boolean := (v_oflags & 2) <> 0;
    v_excl boolean := (v_oflags & 4) <> 0;
    v_trunc boolean := (v_oflags & 8) <> 0;
    v_write boolean := coalesce(p_write, false);
    c tarbox._context;
    r tarbox._resolved;
    v tarbox.inode;
    t tarbox.tenant;
    k record;
    v_up bigint;
    v_k int;  -- the composition r.ino is in (NULL: the tenant's own tree)
BEGIN
    IF (v_oflags & ~15) <> 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid oflags %s (creat 1, directory 2, excl 4, trunc 8)', v_oflags));
    ELSIF v_creat AND v_directory THEN
        PERFORM tarbox._raise('EINVAL', format('%s: oflags creat and directory together', p_path));
    END IF;
    c := tarbox._ctx(NULL, v_write OR v_creat OR v_trunc);
    IF v_creat AND right(p_path, 1) = '/' THEN
        -- O_CREAT with a trailing '/' is EISDIR whatever the name holds (open(2) on Linux,
        -- wasmtime), once the directories on the way resolve.
        r := tarbox._wasi_walk(c, p_dir, coalesce(nullif(rtrim(p_path, '/'), ''), p_path), false);
        PERFORM tarbox._raise('EISDIR', format('%s: cannot create a regular file with a trailing /', p_path));
    END IF;
    -- O_CREAT|O_EXCL never follows the last component: an existing link, even dangling, is EEXIST.
    r := tarbox._wasi_walk(c, p_dir, p_path, coalesce(p_follow, false) AND NOT (v_creat AND v_excl));
    IF r.ino IS NULL THEN
        IF NOT v_creat THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', p_path));
        END IF;
        SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
        IF r.parent >= 72057594037927936 THEN
            -- in a composition: made in the caller's copy of the directory (EROFS unless cow)
            RETURN tarbox._cow_new_inode(c, r.parent, r.name, 33188, t.default_uid, t.default_gid);
        END IF;
        RETURN tarbox._new_inode(c, r.parent, r.name, 33188, 0, t.default_uid, t.default_gid, NULL);
    END IF;
    IF v_creat AND v_excl THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', p_path));
    END IF;
    IF r.ino >= 72057594037927936 THEN
        k := tarbox._compose_number(r.ino);
        v_k := k.compose;
        v := tarbox._compose_node(k.compose, k.n);
    ELSE
        IF v_write OR v_trunc THEN
            PERFORM tarbox._lock_inode(c.tenant_id, r.ino);
        END IF;
        v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    END IF;
    IF (v.mode & 61440) = 40960 THEN
        PERFORM tarbox._raise('ELOOP', format('%s is a symbolic link and lookupflags do not follow it', p_path));
    ELSIF v_directory AND (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s: not a directory', p_path));
    ELSIF (v.mode & 61440) = 16384 AND (v_write OR v_trunc) THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', p_path));
    END IF;
    IF v_k IS NOT NULL THEN
        -- in a composition: reads as the mount shows; writing needs copy-on-write (EROFS
        -- otherwise, as the mount answers), and O_TRUNC empties the caller's copy
        IF v_write OR v_trunc THEN
            PERFORM tarbox._cow_require(k.compose);
        END IF;
        IF v_trunc AND (v.mode & 61440) = 32768 THEN
            v_up := tarbox._cow_up(k.compose, k.n);
            PERFORM tarbox._lock_inode(c.tenant_id, v_up);
            PERFORM tarbox._truncate(c, v_up, 0, true);
            IF tarbox._writer_unprivileged(c) THEN
                PERFORM tarbox._kill_suid(c, v_up);
            END IF;
        END IF;
        RETURN tarbox._compose_shown_attr(r.ino);
    END IF;
    IF v_trunc AND (v.mode & 61440) = 32768 THEN
        PERFORM tarbox._truncate(c, r.ino, 0, true);
        IF tarbox._writer_unprivileged(c) THEN
            PERFORM tarbox._kill_suid(c, r.ino);  -- the writer is the tenant's default owner
        END IF;
        v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    END IF;
    RETURN tarbox._attr(v);
END
$$;
ALTER FUNCTION tarbox._do_wasi_open(bigint, text, boolean, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_wasi_open(bigint, text, boolean, int, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_wasi_open(bigint, text, boolean, int, boolean) IS
'WASI path_open (openat(2)) in one call: resolve relative path p_path (text) beneath directory inode p_dir as tarbox.wasi_stat does (never leaving p_dir), following a final link when p_follow, and apply p_oflags (WASI oflags: 1 creat, 2 directory, 4 excl, 8 trunc). creat makes a missing regular file (mode 0644, the tenant''s default owner); creat|excl refuses any existing name, a link included; directory requires a directory; trunc empties a regular file. p_write says the descriptor will write (a directory then is EISDIR). Returns the attributes of the opened inode. Errors: a path at or below a composition''s mount point opens what the mount shows (tarbox._wasi_walk): for writing, creating or truncating EROFS (TX030) in a read-only composition, in a copy-on-write one creat and trunc change the caller''s copy (copied up first) and writes go to it (tarbox.wasi_write); EPERM (TX001) outside p_dir, ENOENT (TX002), EEXIST (TX017), ENOTDIR (TX020), EISDIR (TX021) a directory opened for writing or truncating, or creat with a trailing / (whatever the name holds), ELOOP (TX040) a final link not followed, EINVAL (TX022) creat with directory or unknown flags, ENAMETOOLONG (TX036), EROFS (TX030) a change in a historical layer.';
