-- tarbox.wasi_close: fd_close of a descriptor that wrote, in one call: the writes the client
-- still held (HTTP mode buffers small writes until close), then what tarbox.fs_release does at
-- a FUSE release (what was written since the last release is stored as text chunks, with its
-- line statistics), so that a file written through WASI ends up laid out as one written through
-- a mount.
CREATE OR REPLACE FUNCTION tarbox.wasi_close(p_ino bigint, p_offset bigint DEFAULT 0, p_data bytea DEFAULT NULL,
                                             p_append boolean DEFAULT false, p_sync boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_pos bigint;
    v_mode text := current_setting('tarbox.error_mode', true);
    v_ino bigint := p_ino;
    k record;
BEGIN
    IF p_data IS NOT NULL AND length(p_data) > 0 THEN
        v_pos := tarbox.wasi_write(p_ino, coalesce(p_offset, 0), p_data, coalesce(p_append, false));
    END IF;
    IF p_ino >= 72057594037927936 THEN
        -- a number a composition shows: the caller's copy is released, when it has one (what
        -- a read-only composition or an unchanged file shows is the publisher's, stored already)
        k := tarbox._compose_number(p_ino);
        v_ino := CASE WHEN tarbox._compose_is_cow(k.compose) THEN (tarbox._cow_node(k.compose, k.n)).upper END;
        IF v_ino IS NULL THEN
            RETURN v_pos;
        END IF;
    END IF;
    -- The release's own failures are handled here, so it raises them even in a session that
    -- has failures reported as warnings (tarbox.error_mode): the mode is off around it.
    PERFORM set_config('tarbox.error_mode', '', true);
    BEGIN
        PERFORM tarbox.fs_release(v_ino, coalesce(p_sync, false));
    EXCEPTION WHEN SQLSTATE 'TX122' THEN
        -- EDQUOT while re-chunking: the bytes are written and stay; they remain stored as
        -- blocks until the next release (as a FUSE release that fails), and the close succeeds.
        NULL;
    END;
    PERFORM set_config('tarbox.error_mode', coalesce(v_mode, ''), true);
    RETURN v_pos;
END
$$;
ALTER FUNCTION tarbox.wasi_close(bigint, bigint, bytea, boolean, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.wasi_close(bigint, bigint, bytea, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.wasi_close(bigint, bigint, bytea, boolean, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.wasi_close(bigint, bigint, bytea, boolean, boolean) IS
'WASI fd_close of a descriptor that wrote regular file p_ino (or fd_sync of one, with p_sync), in one transaction: first the bytes the client still held, p_data (NULL or empty: none), written at byte p_offset or at the end of file when p_append, exactly as tarbox.wasi_write; then tarbox.fs_release(p_ino, p_sync): what was written since the last release is stored as text chunks when the file is text within the tenant''s thresholds (an EDQUOT there leaves the bytes stored as blocks, and the call succeeds). With p_sync everything committed before is durable when the call commits. Returns the byte offset just past p_data (with p_append: the new end of file), NULL when no data was given. For a number a composition shows (2^56 | slot << 40 | n) the release is that of the caller''s copy, when it has one. Errors: as tarbox.wasi_write for the data: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022), EFBIG (TX027), EROFS (TX030), EDQUOT (TX122).';
