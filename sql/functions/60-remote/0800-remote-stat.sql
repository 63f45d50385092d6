CREATE OR REPLACE FUNCTION tarbox._do_remote_stat(p_path bytea, p_follow boolean DEFAULT true, p_layer text DEFAULT NULL)
RETURNS tarbox.entry
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, coalesce(p_follow, true));
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF r.compose IS NOT NULL THEN
        RETURN tarbox._compose_entry(r.compose, r.ino, r.name);  -- what the mount shows, its numbers
    END IF;
    RETURN tarbox._entry_at(c.tenant_id, r.ino, c.layer, r.name);
END
$$;
ALTER FUNCTION tarbox._do_remote_stat(bytea, boolean, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_stat(bytea, boolean, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_stat(bytea, boolean, text) IS
'Remote API (HTTP, WASI). stat(2) (lstat(2) when p_follow is false) of the absolute path p_path (bytes: names need not be UTF-8) as of layer p_layer (name, tag, id, ''head''; NULL = current), as a tarbox.entry with its etag. A path in a composition (its mount point: the composition''s root) answers what the mount shows (tarbox._compose_entry: the published layer, copy-on-write merged with the caller''s changes), ino the number the mount shows (2^56 | slot << 40 | n), at any p_layer as now. Errors: ENOENT (TX002), ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022) relative path or NUL byte, ENOENT also when the composition''s publication is no longer shared.';
