-- tarbox.fs_readdir_many: audited entry point of tarbox._do_fs_readdir_many: at level full, one
-- readdir record per directory listed, as tarbox.fs_readdir writes once per listing (with the
-- number of entries), details.bulk = the directories of the call.
CREATE OR REPLACE FUNCTION tarbox.fs_readdir_many(p_dirs bigint[], p_layer int DEFAULT NULL)
RETURNS TABLE (dir bigint, name bytea, a tarbox.attr, target bytea, xattr_names bytea[], xattr_values bytea[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('readdir', 3, p_layer, NULL, NULL, NULL);
    w tarbox._audit_call;
    v_dir bigint;
    v_n int;
BEGIN
    IF au.op IS NULL THEN
        RETURN QUERY SELECT * FROM tarbox._do_fs_readdir_many(p_dirs, p_layer);
        RETURN;
    END IF;
    IF au.catch THEN
        BEGIN
            RETURN QUERY SELECT * FROM tarbox._do_fs_readdir_many(p_dirs, p_layer);
        EXCEPTION WHEN OTHERS THEN
            au.details := jsonb_build_object('bulk', cardinality(p_dirs));
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN;
            END IF;
            RAISE;
        END;
    ELSE
        RETURN QUERY SELECT * FROM tarbox._do_fs_readdir_many(p_dirs, p_layer);
    END IF;
    v_n := (SELECT count(DISTINCT u) FROM unnest(p_dirs) u);
    FOR v_dir IN SELECT DISTINCT u FROM unnest(p_dirs) u ORDER BY u LOOP
        w := tarbox._audit_ino(au, v_dir);
        w.details := jsonb_build_object('bulk', v_n, 'entries',
            (SELECT count(*) FROM tarbox.dentry d
              WHERE d.tenant_id = au.tenant_id AND d.parent_ino = v_dir AND d.born <= au.layer AND d.died > au.layer));
        PERFORM tarbox._audit_ok(w, NULL);
    END LOOP;
    RETURN;
END
$$;
ALTER FUNCTION tarbox.fs_readdir_many(bigint[], int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_readdir_many(bigint[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_readdir_many(bigint[], int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_readdir_many(bigint[], int) IS
'Audit: at level full, one record per directory, operation readdir (tarbox.audit_log), details.entries = its entries, details.bulk = the directories of the call. With tarbox.error_mode = ''warning'' a failed call is recorded as one failed readdir record and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_readdir_many(bigint[], int)', 'tarbox._do_fs_readdir_many(bigint[], int)');  -- the operation's reference first
