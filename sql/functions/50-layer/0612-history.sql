CREATE OR REPLACE FUNCTION tarbox.history(p_path text)
RETURNS TABLE (layer_id int, layer_name text, change text, type text, size bigint,
               mtime timestamptz, ino bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    w record := tarbox._walk_core(c, convert_to(p_path, 'UTF8'), false);
    r tarbox._resolved;
    v_in boolean := w.compose IS NOT NULL AND w.ino IS DISTINCT FROM 1;  -- below a mount point
    k tarbox._context;
    v_dir bigint;            -- the directory of the caller's own rows that holds the name
    v_low tarbox.inode;      -- in a composition: the publisher's entry (the lower layer)
    l record;
    v tarbox.inode;
    v_prev tarbox.inode;
    v_key bigint;            -- which inode v is: the caller's (> 0) or the publisher's (< 0)
    v_prev_key bigint;
    v_ino bigint;
BEGIN
    IF w.compose IS NOT NULL AND NOT v_in THEN
        r := tarbox._walk(c, p_path, false);  -- a mount point itself: the caller's directory there
        w.parent := r.parent;
        w.name := r.name;
    END IF;
    IF w.name IS NULL THEN
        PERFORM tarbox._raise('EINVAL', format('%s has no history of its own (the root)', p_path));
    END IF;
    IF NOT v_in THEN
        v_dir := w.parent;
    ELSE
        -- A composition shows the published layer, whatever the caller's layer: what changes
        -- from one of its layers to the next is its own rows over it (copy-on-write: the copy-up,
        -- a whiteout, a new entry), in the caller's copy of the directory (NULL: never copied).
        k := tarbox._compose_ctx(w.compose);
        IF tarbox._compose_is_cow(w.compose) THEN
            v_dir := (tarbox._cow_node(w.compose, w.parent)).upper;
        END IF;
        IF v_dir IS NULL OR w.parent < tarbox._cow_own_bit() THEN  -- not a directory the caller made
            v_ino := tarbox._dentry_at(k.tenant_id, w.parent, w.name, k.layer);
            IF v_ino IS NOT NULL THEN
                v_low := tarbox._inode_at(k.tenant_id, v_ino, k.layer);
            END IF;
        END IF;
        v_prev := v_low;
        v_prev_key := -v_low.ino;
    END IF;
    -- The entry (directory, name) as resolved in the current layer, followed through every layer.
    FOR l IN SELECT x.layer_id, x.name FROM tarbox.layer x
              WHERE x.tenant_id = c.tenant_id ORDER BY x.layer_id LOOP
        v := NULL;
        v_key := NULL;
        v_ino := CASE WHEN v_dir IS NOT NULL THEN tarbox._dentry_at(c.tenant_id, v_dir, w.name, l.layer_id) END;
        IF v_ino IS NOT NULL THEN
            v := tarbox._inode_at(c.tenant_id, v_ino, l.layer_id);
            v_key := v.ino;
            IF v_in AND tarbox._cow_whiteout(v) THEN  -- a whiteout: the publisher's entry deleted
                v := NULL;
                v_key := NULL;
            END IF;
        ELSIF v_in THEN
            v := v_low;
            v_key := -v_low.ino;
        END IF;
        IF v_key IS NOT NULL AND v_prev_key IS NULL THEN
            change := 'A';
        ELSIF v_key IS NULL AND v_prev_key IS NOT NULL THEN
            change := 'D';
        ELSIF v_key IS NOT NULL AND (v_key <> v_prev_key OR v.ctime_ns <> v_prev.ctime_ns
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
            v_ino := coalesce(v_key, v_prev_key);
            ino := CASE WHEN NOT v_in THEN v_ino  -- in a composition: the number the mount shows
                        WHEN v_ino > 0 THEN tarbox._compose_ino(w.compose, tarbox._cow_shown(w.compose, v_ino))
                        ELSE tarbox._compose_ino(w.compose, -v_ino) END;
            RETURN NEXT;
        END IF;
        v_prev := v;
        v_prev_key := v_key;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox.history(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.history(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.history(text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.history(text) IS
'The history of one path (its directory and name as resolved in the current layer, a final symbolic link not followed) through every layer, oldest first: the layers where it was added (A), modified (M: content, attributes or another inode under the name) or deleted (D), with its type, size (bytes), mtime and inode there. O(number of layers) index probes. A path in a composition (tarbox.compose_list) shows the published layer at every layer of the caller, so its history is the caller''s changes over it: the layers where the caller''s copy-on-write rows there (tarbox.compose_origin: a copy-up, a whiteout, an entry of its own) added (A), modified (M: the first copy-up too) or deleted (D: a whiteout) what the mount shows; none in a read-only composition or for an entry never changed; ino is the number the mount shows (2^56 | slot << 40 | n); the mount point itself has the history of the caller''s directory there. Errors: ENOENT (TX002) missing directory (also: the composition''s publication is no longer shared), ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022) the root or a relative path, EREMOTE (TX066) below a native mount.';
