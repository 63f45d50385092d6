CREATE OR REPLACE FUNCTION tarbox.history(p_path text)
RETURNS TABLE (layer_id int, layer_name text, change text, type text, size bigint,
               mtime timestamptz, ino bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    r tarbox._resolved;
    l record;
    v tarbox.inode;
    v_prev tarbox.inode;
    v_ino bigint;
BEGIN
    r := tarbox._walk(c, p_path, false);
    IF r.name IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('%s has no history of its own (the root)', p_path));
    END IF;
    -- The entry (directory, name) as resolved in the current layer, followed through every layer.
    FOR l IN SELECT x.layer_id, x.name FROM tarbox.layer x
              WHERE x.tenant_id = c.tenant_id ORDER BY x.layer_id LOOP
        v_ino := tarbox._dentry_at(c.tenant_id, r.parent, r.name, l.layer_id);
        v := CASE WHEN v_ino IS NULL THEN NULL ELSE tarbox._inode_at(c.tenant_id, v_ino, l.layer_id) END;
        IF v.ino IS NOT NULL AND v_prev.ino IS NULL THEN
            change := 'A';
        ELSIF v.ino IS NULL AND v_prev.ino IS NOT NULL THEN
            change := 'D';
        ELSIF v.ino IS NOT NULL AND (v.ino <> v_prev.ino OR v.ctime_ns <> v_prev.ctime_ns
                                     OR v.mtime_ns <> v_prev.mtime_ns OR v.size <> v_prev.size) THEN
            change := 'M';
        ELSE
            change := NULL;
        END IF;
        IF change IS NOT NULL THEN
            layer_id := l.layer_id;
            layer_name := l.name;
            type := tarbox._file_type(coalesce(v.mode, v_prev.mode));
            size := v.size;
            mtime := to_timestamp(v.mtime_ns / 1e9);
            ino := coalesce(v.ino, v_prev.ino);
            RETURN NEXT;
        END IF;
        v_prev := v;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.history(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.history(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.history(text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.history(text) IS
'The history of one path (its directory and name as resolved in the current layer, a final symbolic link not followed) through every layer, oldest first: the layers where it was added (A), modified (M: content, attributes or another inode under the name) or deleted (D), with its type, size (bytes), mtime and inode there. O(number of layers) index probes. Errors: ENOENT (TX002) missing directory, EINVAL (TX022) the root.';
