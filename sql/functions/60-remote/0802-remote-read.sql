-- One row of OUT parameters, not RETURNS TABLE: a set-returning PL/pgSQL function copies its
-- rows through a tuplestore, which cost a third of the throughput of 1 MiB reads.
CREATE OR REPLACE FUNCTION tarbox._do_remote_read(p_path bytea, p_offset bigint DEFAULT 0, p_length bigint DEFAULT NULL,
                                              p_layer text DEFAULT NULL, p_if_match text[] DEFAULT NULL,
                                              OUT data bytea, OUT offset_ bigint, OUT size bigint, OUT etag text,
                                              OUT mtime_ns bigint, OUT mode int)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, true);
    f record;
    e tarbox.entry;
    v tarbox.inode;
    v_off bigint := coalesce(p_offset, 0);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    END IF;
    IF r.compose IS NULL THEN
        e := tarbox._entry_at(c.tenant_id, r.ino, c.layer, r.name);
    ELSE
        e := tarbox._compose_entry(r.compose, r.ino, r.name);  -- what the mount shows
    END IF;
    IF e.type = 'dir' THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
    ELSIF e.type <> 'file' THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
    END IF;
    PERFORM tarbox._check_version(e, p_path, p_if_match, false);
    IF v_off < 0 THEN  -- the last -p_offset bytes (an HTTP suffix range)
        v_off := greatest(e.size + v_off, 0);
    END IF;
    IF p_length IS NOT NULL AND p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid length %s', p_length));
    END IF;
    IF r.compose IS NULL THEN
        v := tarbox._inode_at(c.tenant_id, e.ino, c.layer);  -- (the whole row: _read needs its layout)
    ELSE
        f := tarbox._compose_file(r.compose, r.ino);  -- where the composition keeps its data
        c := f.c;
        v := f.v;
    END IF;
    -- at most 16 MiB per call (tarbox.limits() io_max): a short read, told by offset_ and size
    data := tarbox._read(c.tenant_id, c.layer, v, v_off,
                         least(coalesce(p_length, greatest(e.size - v_off, 0)), tarbox._io_max()));
    offset_ := v_off;
    size := e.size;
    etag := e.etag;
    mtime_ns := e.mtime_ns;
    mode := e.mode;
END
$$;
ALTER FUNCTION tarbox._do_remote_read(bytea, bigint, bigint, text, text[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_read(bytea, bigint, bigint, text, text[]) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_read(bytea, bigint, bigint, text, text[]) IS
'Remote API. Read the regular file at absolute path p_path (bytes; links followed) as of layer p_layer (NULL = current): p_length bytes (NULL = to the end) from byte p_offset (negative: the last -p_offset bytes, an HTTP suffix range), cut at the end of file (empty past it) and at 16 MiB per call (tarbox.limits() io_max: a short read, the rest is read from the next offset); holes read as zeros. A file in a composition reads as through the mount (the published layer; copy-on-write: the caller''s copy once changed), its etag that of tarbox._compose_entry. Returns one row (OUT parameters): data, offset_ (the offset read from), size (the file''s size, bytes), etag, mtime_ns, mode. p_if_match: read only if the file''s etag is one of these (a download of several calls stays on one version). Errors: ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file or bad range, ESTALE (TX116) the file changed (If-Match), ENOTDIR (TX020), ELOOP (TX040); ENOENT also when the composition''s publication is no longer shared.';
