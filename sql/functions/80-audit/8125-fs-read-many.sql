-- tarbox.fs_read_many: audited entry point of tarbox._do_fs_read_many: at level full, one read
-- record per file, as tarbox.fs_read_report writes per open file (bytes = the file's size,
-- details.reads = 1), details.bulk = the files of the call.
CREATE OR REPLACE FUNCTION tarbox.fs_read_many(p_inos bigint[], p_layer int DEFAULT NULL)
RETURNS TABLE (ino bigint, data bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('read', 3, p_layer, NULL, NULL, NULL);
    w tarbox._audit_call;
    v_x record;
    v_n int;
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_fs_read_many(p_inos, p_layer);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            RETURN QUERY SELECT * FROM tarbox._do_fs_read_many(p_inos, p_layer);
        EXCEPTION WHEN OTHERS THEN
            au.details := jsonb_build_object('bulk', cardinality(p_inos));
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        RETURN QUERY SELECT * FROM tarbox._do_fs_read_many(p_inos, p_layer);
    END IF;
    v_n := (SELECT count(DISTINCT u) FROM unnest(p_inos) u);
    FOR v_x IN SELECT p.u, i.size FROM (SELECT DISTINCT u FROM unnest(p_inos) u) p
                CROSS JOIN LATERAL (SELECT i.size FROM tarbox.inode i  -- one probe per inode
                                     WHERE i.tenant_id = au.tenant_id AND i.ino = p.u
                                       AND i.born <= au.layer AND i.died > au.layer LIMIT 1) i
                ORDER BY p.u LOOP
        w := tarbox._audit_ino(au, v_x.u);
        w.details := jsonb_build_object('bulk', v_n, 'reads', 1);
        PERFORM tarbox._audit_ok(w, v_x.size);
    END LOOP;
    RETURN;
END
$$;
ALTER FUNCTION tarbox.fs_read_many(bigint[], int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_read_many(bigint[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_read_many(bigint[], int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_read_many(bigint[], int) IS
'Audit: at level full, one record per file, operation read (tarbox.audit_log), bytes = the file''s size, details.reads = 1, details.bulk = the files of the call. With tarbox.error_mode = ''warning'' a failed call is recorded as one failed read record and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_read_many(bigint[], int)', 'tarbox._do_fs_read_many(bigint[], int)');  -- the operation's reference first
