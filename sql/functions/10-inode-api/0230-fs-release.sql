CREATE OR REPLACE FUNCTION tarbox._do_fs_release(p_ino bigint, p_sync boolean DEFAULT false)
RETURNS int[]
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    v_stats int[];
BEGIN
    IF c.layer = c.head AND EXISTS (
            SELECT 1 FROM tarbox.inode i
             WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647
               AND (i.mode & 61440) = 32768 AND i.text_bytes < i.size) THEN
        c := tarbox._ctx(NULL, true);
        v_stats := tarbox._text_rechunk(c, p_ino);
    END IF;
    IF coalesce(p_sync, false) THEN
        -- as tarbox.fs_fsync(): a WAL record of our own, committed synchronously
        PERFORM set_config('synchronous_commit', 'on', true);
        PERFORM pg_logical_emit_message(true, 'tarbox.fsync', '');
    END IF;
    RETURN v_stats;
END
$$;
ALTER FUNCTION tarbox._do_fs_release(bigint, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_release(bigint, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_release(bigint, boolean) IS
'FUSE release of a handle that wrote (close(2)), or fsync(2)/fdatasync(2) of one (p_sync): store what was written since the last release as text chunks when regular file p_ino is text within the tenant''s thresholds (text_max_bytes, text_max_lines), re-chunking only from its last chunk on; a file that stopped being text is stored as binary. Returns {lines added, lines deleted} of the text change (difflib over the changed chunks), NULL when nothing was re-chunked or the file is not text. With p_sync, also what tarbox.fs_fsync() does: everything committed before is durable when this call''s transaction commits. Errors: EACCES (TX013) caller is not a tenant, EDQUOT (TX122).';
