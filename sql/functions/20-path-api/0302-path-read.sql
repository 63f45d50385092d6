CREATE OR REPLACE FUNCTION tarbox._do_read(p_path bytea, p_offset bigint DEFAULT 0, p_length bigint DEFAULT NULL, p_layer text DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, true);
    v tarbox.inode;
    f record;
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    END IF;
    IF r.compose IS NOT NULL THEN
        -- in a composition: its data where the composition keeps it (tarbox._compose_file,
        -- as tarbox.compose_read), read below as the tenant's own
        IF (tarbox._compose_node(r.compose, r.ino)).mode & 61440 = 16384 THEN
            PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
        END IF;
        f := tarbox._compose_file(r.compose, r.ino);
        c := f.c;
        v := f.v;
    ELSE
        v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    END IF;
    IF (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
    ELSIF (v.mode & 61440) <> 32768 THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
    END IF;
    IF p_length IS NULL THEN
        -- "to the end": all of it or an error, never a silently short result
        IF greatest(v.size - coalesce(p_offset, 0), 0) > tarbox._io_max() THEN
            PERFORM tarbox._raise('EFBIG', format(
                '%s: %s bytes from offset %s; one call reads at most %s bytes (16 MiB): read it in ranges with tarbox.read(path, offset, length)',
                tarbox._name_text(p_path), greatest(v.size - coalesce(p_offset, 0), 0), coalesce(p_offset, 0), tarbox._io_max()));
        END IF;
        RETURN tarbox._read(c.tenant_id, c.layer, v, coalesce(p_offset, 0),
                            greatest(v.size - coalesce(p_offset, 0), 0));
    END IF;
    -- an explicit length is a request, like pread(2): at most 16 MiB come back
    RETURN tarbox._read(c.tenant_id, c.layer, v, coalesce(p_offset, 0),
                        CASE WHEN p_length < 0 THEN p_length ELSE least(p_length, tarbox._io_max()) END);
END
$$;
CREATE OR REPLACE FUNCTION tarbox.read(p_path text, p_offset bigint DEFAULT 0, p_length bigint DEFAULT NULL, p_layer text DEFAULT NULL)
RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN tarbox.read(convert_to(p_path, 'UTF8'), p_offset, p_length, p_layer);
END
$$;
ALTER FUNCTION tarbox._do_read(bytea, bigint, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_read(bytea, bigint, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_read(bytea, bigint, bigint, text) IS
'tarbox.read(text, ...) for a path given as bytes (any byte but NUL). Errors: as tarbox.read(text, ...).';
ALTER FUNCTION tarbox.read(text, bigint, bigint, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.read(text, bigint, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.read(text, bigint, bigint, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.read(text, bigint, bigint, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). Read a regular file by absolute path: p_length bytes (NULL = to the end) from byte p_offset, as bytea; holes read as zeros. A file in a composition reads as through the mount (the published layer; copy-on-write: the caller''s copy once changed), at any p_layer. One call returns at most 16 MiB (tarbox.limits() io_max): with a longer p_length the result is short, as with pread(2) (read on at the next offset); with NULL and more than 16 MiB to the end, EFBIG. Errors: EFBIG (TX027) more than 16 MiB to the end with p_length NULL, ENOENT (TX002) (also: the composition''s publication is no longer shared), EISDIR (TX021), EINVAL (TX022) not a regular file or bad range, ENOTDIR (TX020), ELOOP (TX040).';
