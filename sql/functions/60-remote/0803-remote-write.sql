CREATE OR REPLACE FUNCTION tarbox._do_remote_write(p_path bytea, p_data bytea, p_offset bigint DEFAULT 0,
                                               p_truncate boolean DEFAULT false, p_final boolean DEFAULT false,
                                               p_create_new boolean DEFAULT false, p_if_match text[] DEFAULT NULL,
                                               p_if_none_match boolean DEFAULT false, p_append boolean DEFAULT false,
                                               p_mode int DEFAULT 420)
RETURNS tarbox.entry
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
    e tarbox.entry;
    t tarbox.tenant;
    v_ino bigint;
    v_created boolean := false;
    v_off bigint := coalesce(p_offset, 0);
    v_n bigint := coalesce(octet_length(p_data), 0);
    w record;
BEGIN
    PERFORM tarbox._check_write(tarbox._name_text(p_path), CASE WHEN p_append THEN 0 ELSE v_off END, p_data);
    IF v_off < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid offset %s', v_off));
    ELSIF p_mode IS NOT NULL AND (p_mode & ~4095) <> 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid mode %s (permission bits only)', p_mode));
    END IF;
    w := tarbox._remote_cow(c, p_path, true);
    IF w.compose IS NOT NULL THEN
        -- In a copy-on-write composition: the caller's copy of the file (copied up first) or a
        -- new file in the copied-up directory (tarbox._path_file, as tarbox.write and the
        -- mount), with the checks below made on what the mount shows (its etag).
        IF w.ino IS NULL THEN  -- (also when a directory on the way is missing: ENOENT below)
            IF p_if_match IS NOT NULL THEN
                PERFORM tarbox._check_version(NULL::tarbox.entry, p_path, p_if_match, false);
            END IF;
            v_ino := tarbox._path_file(c, p_path, true);
            v_created := true;
            IF coalesce(p_mode, 420) <> 420 THEN
                PERFORM tarbox._inode_set(c.tenant_id, c.head, v_ino, p_mode, NULL, NULL, NULL, NULL, NULL);
            END IF;
        ELSE
            e := tarbox._compose_entry(w.compose, w.ino, w.name);
            PERFORM tarbox._remote_file_check(e, p_path, p_create_new, p_if_match, p_if_none_match);
            v_ino := tarbox._path_file(c, p_path, false);
        END IF;
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
    ELSE
        FOR v_attempt IN 1..3 LOOP
            r := tarbox._walk(c, p_path, true, true);
            EXIT WHEN r.ino IS NOT NULL;
            IF p_if_match IS NOT NULL THEN
                PERFORM tarbox._check_version(NULL::tarbox.entry, p_path, p_if_match, false);
            END IF;
            IF tarbox._names_dir(p_path) THEN  -- open(2) with O_CREAT of name/: EISDIR
                PERFORM tarbox._raise('EISDIR', format('%s: a path ending in / names a directory; a file cannot be created there',
                                                       tarbox._name_text(p_path)));
            END IF;
            SELECT * INTO t FROM tarbox.tenant WHERE tenant_id = c.tenant_id;
            BEGIN
                r.ino := (tarbox._new_inode(c, r.parent, r.name, 32768 | coalesce(p_mode, 420), 0,
                                            t.default_uid, t.default_gid, NULL)).ino;
                v_created := true;
                EXIT;
            EXCEPTION WHEN SQLSTATE 'TX017' THEN
                -- another writer created it since the walk: take the existing file (but never
                -- when this call must create it)
                IF p_create_new OR p_if_none_match OR v_attempt = 3 THEN
                    RAISE;
                END IF;
            END;
        END LOOP;
        v_ino := r.ino;
        PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
        IF NOT v_created THEN  -- (a file this call made passes them all)
            PERFORM tarbox._remote_file_check(tarbox._entry_at(c.tenant_id, v_ino, c.head, r.name), p_path,
                                              p_create_new, p_if_match, p_if_none_match);
        END IF;
    END IF;
    IF p_truncate AND NOT coalesce(p_append, false) THEN
        PERFORM tarbox._truncate(c, v_ino, v_off, true);
    END IF;
    IF v_n > 0 THEN
        PERFORM tarbox._write(c, v_ino, v_off, p_data, coalesce(p_append, false));
    END IF;
    IF p_final AND NOT coalesce(p_append, false) THEN
        PERFORM tarbox._truncate(c, v_ino, v_off + v_n);
    END IF;
    IF (v_n > 0 OR p_truncate) AND tarbox._writer_unprivileged(c) THEN
        PERFORM tarbox._kill_suid(c, v_ino);  -- the writer is the tenant's default owner
    END IF;
    IF p_final AND EXISTS (SELECT 1 FROM tarbox.inode i
                            WHERE i.tenant_id = c.tenant_id AND i.ino = v_ino AND i.died = 2147483647
                              AND i.text_bytes < i.size) THEN
        -- the upload is complete: store what it wrote as text chunks, as a FUSE release does
        PERFORM tarbox._text_rechunk(c, v_ino);
    END IF;
    IF w.compose IS NOT NULL THEN
        RETURN tarbox._do_remote_stat(p_path, true, NULL);  -- what the mount shows now
    END IF;
    RETURN tarbox._entry_at(c.tenant_id, v_ino, c.head, r.name);
END
$$;
ALTER FUNCTION tarbox._do_remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_write(bytea, bytea, bigint, boolean, boolean, boolean, text[], boolean, boolean, int) IS
'Remote API. Write p_data at byte p_offset of the regular file at absolute path p_path (bytes; links followed), creating it (permission bits p_mode, default 0644, the tenant''s default owner) when missing, all in one transaction under the inode lock. p_truncate: first cut the file to p_offset bytes (0: an upload starts); p_final: afterwards the file ends where this write ends (the last chunk of an upload), and a text file is stored as text chunks (as tarbox.fs_release); p_append: write at the end (O_APPEND; p_offset ignored); p_create_new: the file must not exist (EEXIST). Preconditions on the version, checked under the lock: p_if_match (etags accepted, ''*'' = any existing file) and p_if_none_match (the file must not exist), both ESTALE when they fail. A file without any write permission bit is refused (EACCES: the remote API''s read-only flag). At most 16 MiB per call (tarbox.limits() io_max). A path ending in / names a directory (EISDIR when the file would be created). Unless the tenant''s default owner is root, a change of data clears the set-user-ID/set-group-ID bits, as Linux does for an unprivileged writer. Returns the file''s new tarbox.entry (its new etag). Errors: ENOENT (TX002) missing directory, EEXIST (TX017), ESTALE (TX116), EACCES (TX013), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027) past 16 TiB or over 16 MiB, ENAMETOOLONG (TX036), EROFS (TX030) historical layer. Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one the caller''s copy is written (the file copied up first, or made in the copied-up directory, as tarbox.write and the mount), the preconditions checked against what the mount shows, and the entry returned is what the mount shows then.';
