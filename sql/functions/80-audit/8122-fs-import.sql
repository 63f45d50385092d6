-- tarbox.fs_import: audited entry point of tarbox._do_fs_import (bulk import). Each entry gets
-- the record the per-entry call would have written (mkdir, create, symlink, mknod: level basic;
-- link: level basic), with its path (built from the batch: a parent of the batch is not
-- reachable through the directory entries any faster), its inode, the bytes of a regular
-- file's content and, for a file stored as text, lines_added = its lines. details.import
-- marks the records of one call (the number of entries), details.xattrs the attributes an
-- entry got in the same call. The records share the call's time and duration. A failed call
-- (nothing is created) is recorded as one failed import record under tarbox.error_mode =
-- 'warning'.
CREATE OR REPLACE FUNCTION tarbox.fs_import(p_parent bigint[], p_name bytea[], p_mode int[],
                                            p_uid bigint[], p_gid bigint[], p_rdev bigint[],
                                            p_atime_ns bigint[], p_mtime_ns bigint[], p_target bytea[],
                                            p_link bigint[], p_data bytea[],
                                            p_xattr_of int[] DEFAULT NULL, p_xattr_name bytea[] DEFAULT NULL,
                                            p_xattr_value bytea[] DEFAULT NULL)
RETURNS bigint[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan  -- see tarbox._blocks_store
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('import', 1, NULL, NULL, NULL, NULL);
    a tarbox._audit_call;
    r bigint[];
    n int := coalesce(cardinality(p_name), 0);
    v_path text[];
    v_dir text;
    v_last bigint;
    v_x record;
    -- the records, written in one insert (tarbox._audit_put_many)
    v_ops text[];
    v_paths text[];
    v_inos bigint[];
    v_bytes bigint[];
    v_added int[];
    v_deleted int[];
    v_details jsonb[];
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_import(p_parent, p_name, p_mode, p_uid, p_gid, p_rdev, p_atime_ns, p_mtime_ns,
                                    p_target, p_link, p_data, p_xattr_of, p_xattr_name, p_xattr_value);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_import(p_parent, p_name, p_mode, p_uid, p_gid, p_rdev, p_atime_ns, p_mtime_ns,
                                      p_target, p_link, p_data, p_xattr_of, p_xattr_name, p_xattr_value);
        EXCEPTION WHEN OTHERS THEN
            au.details := jsonb_build_object('entries', n);
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_import(p_parent, p_name, p_mode, p_uid, p_gid, p_rdev, p_atime_ns, p_mtime_ns,
                                  p_target, p_link, p_data, p_xattr_of, p_xattr_name, p_xattr_value);
    END IF;
    IF n = 0 THEN
        RETURN r;
    END IF;
    v_path := array_fill(NULL::text, ARRAY[n]);
    FOR v_x IN
        SELECT g, i.mode, CASE WHEN i.text_bytes > 0 THEN i.text_lines END AS text_lines,
               (SELECT count(*) FROM unnest(p_xattr_of) x WHERE x = g) AS xattrs
          FROM generate_subscripts(p_name, 1) g
          LEFT JOIN LATERAL (SELECT x.mode, x.text_bytes, x.text_lines FROM tarbox.inode x  -- a key probe each
                              WHERE x.tenant_id = au.tenant_id AND x.ino = r[g] AND x.died = 2147483647
                              LIMIT 1) i ON true
         ORDER BY g
    LOOP
        IF p_parent[v_x.g] > 0 THEN
            IF v_last IS DISTINCT FROM p_parent[v_x.g] THEN  -- entries come grouped by directory
                v_last := p_parent[v_x.g];
                v_dir := tarbox._audit_path_of(au.tenant_id, v_last, au.layer);
            END IF;
            v_path[v_x.g] := CASE WHEN v_dir = '/' THEN '' ELSE v_dir END || '/' || tarbox._audit_text(p_name[v_x.g]);
        ELSE
            v_path[v_x.g] := v_path[(-p_parent[v_x.g])::int] || '/' || tarbox._audit_text(p_name[v_x.g]);
        END IF;
        a := au;
        a.op := CASE WHEN p_link[v_x.g] IS NOT NULL THEN 'link'
                     WHEN v_x.mode & 61440 = 16384 THEN 'mkdir'
                     WHEN v_x.mode & 61440 = 32768 THEN 'create'
                     WHEN v_x.mode & 61440 = 40960 THEN 'symlink'
                     ELSE 'mknod' END;
        a.path := v_path[v_x.g];
        a.ino := r[v_x.g];
        a.details := jsonb_build_object('import', n);
        IF v_x.xattrs > 0 THEN
            a.details := a.details || jsonb_build_object('xattrs', v_x.xattrs);
        END IF;
        IF a.path IS NULL THEN
            a.details := a.details || jsonb_build_object('parent', p_parent[v_x.g]);  -- not reachable
        END IF;
        IF a.op = 'create' AND v_x.text_lines IS NOT NULL THEN
            a.lines_added := v_x.text_lines;
            a.lines_deleted := 0;
        END IF;
        a := tarbox._audit_scope(a);
        v_ops[v_x.g] := a.op;
        v_inos[v_x.g] := a.ino;
        v_paths[v_x.g] := a.path;
        v_bytes[v_x.g] := CASE WHEN a.op = 'create' THEN octet_length(p_data[v_x.g]) END;
        v_added[v_x.g] := a.lines_added;
        v_deleted[v_x.g] := a.lines_deleted;
        v_details[v_x.g] := a.details;
    END LOOP;
    PERFORM tarbox._audit_put_many(au, v_ops, v_paths, v_inos, v_bytes, v_added, v_deleted, v_details);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) IS
'Audit: each entry is recorded as the per-entry call would be (operation mkdir, create, symlink, mknod or link, level basic and above, tarbox.audit_log): its path, inode, the content bytes of a regular file and its lines as lines_added when stored as text, details.import = the entries of the call, details.xattrs = its attributes. With tarbox.error_mode = ''warning'' a failed call is recorded as one failed import record and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[])',
                         'tarbox._do_fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[])');  -- the operation's reference first
