CREATE OR REPLACE FUNCTION tarbox.remote_download_read(p_secret text, p_offset bigint DEFAULT 0,
                                                       p_length bigint DEFAULT NULL,
                                                       OUT data bytea, OUT offset_ bigint, OUT size bigint,
                                                       OUT etag text, OUT mtime_ns bigint, OUT mode int)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    d tarbox.download_url;
    e tarbox.entry;
    v tarbox.inode;
    v_off bigint := coalesce(p_offset, 0);
    k record;
    v_k int;  -- the composition the file is in (NULL: the tenant's own tree)
BEGIN
    SELECT * INTO d FROM tarbox.download_url x
     WHERE x.tenant_id = c.tenant_id AND x.hash = sha256(convert_to(coalesce(p_secret, ''), 'UTF8'))
       AND x.expires_at > now();
    IF NOT FOUND THEN
        PERFORM tarbox._raise('EACCES', 'unknown or expired download URL');
    END IF;
    IF d.ino >= 72057594037927936 THEN  -- a file the mount shows in a composition
        k := tarbox._compose_number(d.ino);
        v_k := k.compose;
        e := tarbox._compose_entry(k.compose, k.n, NULL);
    ELSE
        e := tarbox._entry_at(c.tenant_id, d.ino, c.head, NULL);
    END IF;
    IF e.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', 'the file of this download URL no longer exists');
    ELSIF e.etag <> d.etag THEN
        PERFORM tarbox._raise('ESTALE', 'the file of this download URL changed since the URL was made; ask for a new one');
    END IF;
    IF v_off < 0 THEN  -- the last -p_offset bytes (an HTTP suffix range)
        v_off := greatest(e.size + v_off, 0);
    END IF;
    IF p_length IS NOT NULL AND p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid length %s', p_length));
    END IF;
    IF v_k IS NOT NULL THEN
        data := tarbox.compose_read(k.compose, k.n, v_off,
                                    least(coalesce(p_length, greatest(e.size - v_off, 0)), tarbox._io_max())::int);
    ELSE
        v := tarbox._inode_at(c.tenant_id, e.ino, c.head);
        data := tarbox._read(c.tenant_id, c.head, v, v_off,
                             least(coalesce(p_length, greatest(e.size - v_off, 0)), tarbox._io_max()));
    END IF;
    offset_ := v_off;
    size := e.size;
    etag := e.etag;
    mtime_ns := e.mtime_ns;
    mode := e.mode;
END
$$;
ALTER FUNCTION tarbox.remote_download_read(text, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_download_read(text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_download_read(text, bigint, bigint) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_download_read(text, bigint, bigint) IS
'Remote API (GET of a download URL). Read through the download capability p_secret (from tarbox.remote_download_url) of the calling tenant: p_length bytes (NULL = to the end) from byte p_offset (negative: the last -p_offset bytes) of the one file version it names, cut at the end of file and at 16 MiB per call (a short read). Returns one row as tarbox.remote_read: data, offset_, size (bytes), etag, mtime_ns, mode. A file in a composition is read as the mount shows it (tarbox.compose_read). Errors: EACCES (TX013) unknown or expired capability (or another tenant''s), ENOENT (TX002) the file was removed (or its composition''s publication is no longer shared), ESTALE (TX116) the file changed since the URL was made, EINVAL (TX022) bad range.';
