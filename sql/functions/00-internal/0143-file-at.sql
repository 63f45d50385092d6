-- tarbox._file_at(tenant, layer, path): the whole content of the regular file at an absolute
-- path as of a layer; NULL when the path does not name a regular file there. EFBIG when the
-- file is over 8 MiB (the most tarbox.diff_text compares; tarbox.limits() diff_text_max).
CREATE OR REPLACE FUNCTION tarbox._file_at(p_tenant bigint, p_layer int, p_path text)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    r tarbox._resolved;
    v tarbox.inode;
BEGIN
    BEGIN
        r := tarbox._walk(ROW(p_tenant, p_layer, p_layer)::tarbox._context, p_path, true);
    EXCEPTION WHEN SQLSTATE 'TX002' OR SQLSTATE 'TX020' THEN
        RETURN NULL;
    END;
    v := tarbox._inode_at(p_tenant, r.ino, p_layer);
    IF v.ino IS NULL OR (v.mode & 61440) <> 32768 THEN
        RETURN NULL;
    ELSIF v.size > 8388608 THEN
        PERFORM tarbox._raise('EFBIG', format('%s is %s bytes in layer %s; text diffs compare files of at most 8 MiB',
                                              p_path, v.size, p_layer));
    END IF;
    RETURN tarbox._read(p_tenant, p_layer, v, 0, v.size);
END
$$;
ALTER FUNCTION tarbox._file_at(bigint, int, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._file_at(bigint, int, text) FROM PUBLIC;
