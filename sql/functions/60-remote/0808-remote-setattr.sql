CREATE OR REPLACE FUNCTION tarbox.remote_setattr(p_path bytea, p_mode int DEFAULT NULL, p_uid bigint DEFAULT NULL,
                                                 p_gid bigint DEFAULT NULL, p_atime_ns bigint DEFAULT NULL,
                                                 p_mtime_ns bigint DEFAULT NULL, p_size bigint DEFAULT NULL,
                                                 p_touch boolean DEFAULT false, p_follow boolean DEFAULT true,
                                                 p_if_match text[] DEFAULT NULL)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    r tarbox._resolved;
    e tarbox.entry;
    w record;
    v_now bigint := tarbox._now_ns();
BEGIN
    IF p_mode IS NOT NULL AND (p_mode & ~4095) <> 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid mode %s (permission bits only)', p_mode));
    END IF;
    w := tarbox._remote_cow(c, p_path, coalesce(p_follow, true));
    IF w.compose IS NOT NULL THEN
        -- on the caller's copy (copied up first: tarbox.compose_setattr, as the mount), the
        -- preconditions checked against what the mount shows
        IF w.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        e := tarbox._compose_entry(w.compose, w.ino, w.name);
        PERFORM tarbox._check_version(e, p_path, p_if_match, false);
        IF p_size IS NOT NULL AND e.type = 'file' AND (e.mode & 146) = 0 THEN
            PERFORM tarbox._raise('EACCES', format('%s is read-only (no write permission bit); chmod it first',
                                                   tarbox._name_text(p_path)));
        END IF;
        PERFORM tarbox.compose_setattr(w.compose, w.ino, p_mode, p_uid, p_gid, p_size,
                                       CASE WHEN p_touch THEN coalesce(p_atime_ns, v_now) ELSE p_atime_ns END,
                                       CASE WHEN p_touch THEN coalesce(p_mtime_ns, v_now) ELSE p_mtime_ns END);
        RETURN tarbox._do_remote_stat(p_path, coalesce(p_follow, true), NULL);
    END IF;
    r := tarbox._walk(c, p_path, coalesce(p_follow, true), true);
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, r.ino);
    e := tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
    PERFORM tarbox._check_version(e, p_path, p_if_match, false);
    IF p_size IS NOT NULL AND e.type = 'file' AND (e.mode & 146) = 0 THEN
        PERFORM tarbox._raise('EACCES', format('%s is read-only (no write permission bit); chmod it first',
                                               tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox.fs_setattr(r.ino, p_mode, p_uid, p_gid, p_size,
                              CASE WHEN p_touch THEN coalesce(p_atime_ns, v_now) ELSE p_atime_ns END,
                              CASE WHEN p_touch THEN coalesce(p_mtime_ns, v_now) ELSE p_mtime_ns END);
    IF p_size IS NOT NULL AND p_mode IS NULL AND tarbox._writer_unprivileged(c) THEN
        PERFORM tarbox._kill_suid(c, r.ino);  -- truncate(2) by an unprivileged writer, as Linux
    END IF;
    RETURN tarbox._entry_at(c.tenant_id, r.ino, c.head, r.name);
END
$$;
ALTER FUNCTION tarbox.remote_setattr(bytea, int, bigint, bigint, bigint, bigint, bigint, boolean, boolean, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_setattr(bytea, int, bigint, bigint, bigint, bigint, bigint, boolean, boolean, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_setattr(bytea, int, bigint, bigint, bigint, bigint, bigint, boolean, boolean, text[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_setattr(bytea, int, bigint, bigint, bigint, bigint, bigint, boolean, boolean, text[]) IS
'Remote API. chmod, chown, truncate and utimensat in one call on absolute path p_path (bytes; links followed unless p_follow is false); NULL leaves an attribute unchanged. p_mode: permission bits (07777); p_uid/p_gid: 0..2^32-2; p_size: bytes (a file without write permission bits refuses it, EACCES); p_atime_ns/p_mtime_ns: ns since the epoch, or now for the ones left NULL when p_touch. ctime becomes now. p_if_match: only if the etag is one of these. Returns the new tarbox.entry. Errors: ENOENT (TX002), EINVAL (TX022), EISDIR (TX021) size of a directory, EACCES (TX013), ESTALE (TX116), EFBIG (TX027), EROFS (TX030). Below a composition''s mount point (tarbox.compose_list): EROFS (TX030) in a read-only composition, as the mount answers; in a copy-on-write one changed on the caller''s copy (copied up first: tarbox.compose_setattr, as the mount), the entry as the mount shows it.';
