CREATE OR REPLACE FUNCTION tarbox._do_remote_list(p_path bytea, p_after bytea DEFAULT NULL, p_limit int DEFAULT 1000,
                                              p_layer text DEFAULT NULL)
RETURNS SETOF tarbox.entry
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, p_path, true);
    v_limit int := coalesce(p_limit, 1000);
BEGIN
    IF r.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF v_limit NOT BETWEEN 1 AND 10000 THEN
        PERFORM tarbox._raise('EINVAL', format('limit %s: list 1 to 10000 entries per call', v_limit));
    ELSIF r.compose IS NOT NULL THEN
        -- a directory of a composition: one page of its entries as the mount lists them, in
        -- name-byte order (tarbox._compose_names: keyset paging), each with the mount's number
        -- and etag (tarbox._compose_entry)
        IF (tarbox._compose_node(r.compose, r.ino)).mode & 61440 <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_path)));
        END IF;
        RETURN QUERY
            SELECT e.*  -- LATERAL: one call per entry ((f(...)).* would call it once per column)
              FROM tarbox._compose_names(r.compose, r.ino, p_after, v_limit) x
              CROSS JOIN LATERAL tarbox._compose_entry(r.compose, x.shown, x.name) e
             ORDER BY x.name;
        RETURN;
    ELSIF (tarbox._inode_at(c.tenant_id, r.ino, c.layer)).mode & 61440 <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('%s is not a directory', tarbox._name_text(p_path)));
    END IF;
    -- Keyset paging on the dentry key (tenant_id, parent_ino, name, born): entries in name-byte
    -- order after p_after, each with the inode version visible at the layer (one probe each).
    RETURN QUERY
        SELECT d.name, i.ino, tarbox._file_type(i.mode), i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size,
               i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns, i.target,
               i.ino || '-' || i.born || '-' || i.xmin::text
          FROM tarbox.dentry d
          CROSS JOIN LATERAL (
                SELECT x.*, x.xmin FROM tarbox.inode x
                 WHERE x.tenant_id = c.tenant_id AND x.ino = d.ino AND x.born <= c.layer
                 ORDER BY x.born DESC LIMIT 1) i
         WHERE d.tenant_id = c.tenant_id AND d.parent_ino = r.ino
           AND d.born <= c.layer AND d.died > c.layer AND i.died > c.layer
           AND (p_after IS NULL OR d.name > p_after)
         ORDER BY d.name
         LIMIT v_limit;
END
$$;
ALTER FUNCTION tarbox._do_remote_list(bytea, bytea, int, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_remote_list(bytea, bytea, int, text) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_remote_list(bytea, bytea, int, text) IS
'Remote API. One page of the directory at absolute path p_path (bytes; symbolic links followed) as of layer p_layer (NULL = current): up to p_limit (1..10000, default 1000) entries in name-byte order whose names sort after p_after (NULL = from the start; pass the last name of a page to get the next), without ''.'' and ''..'', each a tarbox.entry with its etag. A directory in a composition (its mount point: the composition''s root) lists what the mount shows (copy-on-write: merged with the caller''s changes, whiteouts hidden), with the mount''s numbers (tarbox._compose_entry). Errors: ENOENT (TX002), ENOTDIR (TX020) not a directory, EINVAL (TX022) bad limit or path, ELOOP (TX040), ENAMETOOLONG (TX036).';
