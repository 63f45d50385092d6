-- tarbox.fs_setattr_many: audited entry point of tarbox._do_fs_setattr_many: one setattr record
-- (level standard) per inode, as tarbox.fs_setattr writes, with details.bulk = the inodes of
-- the call. A failed call (nothing changed) is one failed setattr record under
-- tarbox.error_mode = 'warning'.
CREATE OR REPLACE FUNCTION tarbox.fs_setattr_many(p_ino bigint[], p_mode int[], p_uid bigint[], p_gid bigint[],
                                                  p_atime_ns bigint[], p_mtime_ns bigint[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_begin('setattr', 2, NULL, NULL, NULL, NULL);
    a tarbox._audit_call;
    r int;
    n int := coalesce(cardinality(p_ino), 0);
    v_ops text[];
    v_paths text[];
    v_inos bigint[];
    v_details jsonb[];
    v_all text[];
BEGIN
    IF au.op IS NULL THEN
        RETURN tarbox._do_fs_setattr_many(p_ino, p_mode, p_uid, p_gid, p_atime_ns, p_mtime_ns);
    END IF;
    IF au.catch THEN
        BEGIN
            r := tarbox._do_fs_setattr_many(p_ino, p_mode, p_uid, p_gid, p_atime_ns, p_mtime_ns);
        EXCEPTION WHEN OTHERS THEN
            au.details := jsonb_build_object('bulk', n);
            IF tarbox._audit_fail(au, SQLSTATE, SQLERRM) THEN
                RETURN NULL;
            END IF;
            RAISE;
        END;
    ELSE
        r := tarbox._do_fs_setattr_many(p_ino, p_mode, p_uid, p_gid, p_atime_ns, p_mtime_ns);
    END IF;
    v_all := tarbox._audit_paths_of(au.tenant_id, p_ino, au.layer);  -- as tarbox._audit_ino, for all
    FOR g IN 1 .. n LOOP
        a := au;
        a.ino := p_ino[g];
        a.path := v_all[g];
        a := tarbox._audit_scope(a);
        v_ops[g] := a.op;
        v_paths[g] := a.path;
        v_inos[g] := a.ino;
        v_details[g] := coalesce(a.details, '{}'::jsonb) || jsonb_build_object('bulk', n)
                        || jsonb_strip_nulls(jsonb_build_object('mode', p_mode[g], 'uid', p_uid[g], 'gid', p_gid[g],
                                                                'atime_ns', p_atime_ns[g], 'mtime_ns', p_mtime_ns[g]));
    END LOOP;
    -- one insert for the call's records
    PERFORM tarbox._audit_put_many(au, v_ops, v_paths, v_inos, NULL, NULL, NULL, v_details);
    RETURN r;
END
$$;
ALTER FUNCTION tarbox.fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[]) IS
'Audit: one record per inode, operation setattr at level standard and above (tarbox.audit_log), details as tarbox.fs_setattr writes them plus details.bulk = the inodes of the call. With tarbox.error_mode = ''warning'' a failed call is recorded as one failed setattr record and reported as a WARNING with the SQLSTATE instead of an error.';
SELECT tarbox._audit_doc('tarbox.fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[])',
                         'tarbox._do_fs_setattr_many(bigint[], int[], bigint[], bigint[], bigint[], bigint[])');  -- the operation's reference first
