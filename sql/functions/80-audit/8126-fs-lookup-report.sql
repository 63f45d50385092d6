-- tarbox.fs_lookup_report(arrays): the records of many lookups a mount made with
-- tarbox.fs_lookup(..., p_reported => true), sent in batches (one round trip per batch, at
-- most about 0.5 s after the lookups): at level full every FUSE LOOKUP would otherwise be a
-- writing transaction of its own. Each element: the directory inode and name looked up, the
-- inode found (NULL for a failure) or the errno of the failure, the layer and the caller. The
-- record's time is that of the report and its path the entry's path then (as for read
-- reports); details.reported says so. Only a Tarbox shell session's reports are recorded.
CREATE OR REPLACE FUNCTION tarbox.fs_lookup_report(p_parents bigint[], p_names bytea[], p_inos bigint[],
    p_errnos int[], p_layers int[], p_caller_uids bigint[], p_caller_gids bigint[], p_caller_pids int[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n int := coalesce(cardinality(p_parents), 0);
    v_done int := 0;
    au tarbox._audit_call;
BEGIN
    IF v_n > 10000 OR cardinality(p_names) <> v_n OR cardinality(p_inos) <> v_n OR cardinality(p_errnos) <> v_n
       OR cardinality(p_layers) <> v_n OR cardinality(p_caller_uids) <> v_n OR cardinality(p_caller_gids) <> v_n
       OR cardinality(p_caller_pids) <> v_n THEN
        PERFORM tarbox._raise('EINVAL', format('a batch of lookup reports needs arrays of one length (at most 10000; got %s)', v_n));
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_errnos) e WHERE e NOT BETWEEN 1 AND 999)
       OR EXISTS (SELECT 1 FROM unnest(p_parents, p_errnos, p_inos) AS x (parent, err, ino)
                   WHERE x.parent IS NULL OR (x.err IS NULL) = (x.ino IS NULL)) THEN
        PERFORM tarbox._raise('EINVAL', 'a lookup report names its directory and either the inode found or an errno (1..999)');
    END IF;
    FOR i IN 1 .. v_n LOOP
        au := tarbox._audit_begin('lookup', 3, p_layers[i], p_caller_uids[i], p_caller_gids[i], p_caller_pids[i]);
        CONTINUE WHEN au.op IS NULL OR NOT au.shell;
        au := tarbox._audit_entry(au, p_parents[i], p_names[i], false);
        CONTINUE WHEN au.op IS NULL;
        au.ino := p_inos[i];
        au.details := coalesce(au.details, '{}'::jsonb) || '{"reported": true}'::jsonb;
        IF p_errnos[i] IS NULL THEN
            PERFORM tarbox._audit_put(au, true, NULL, NULL, NULL, 0);
        ELSE
            PERFORM tarbox._audit_put(au, false, p_errnos[i]::smallint, 'lookup failed (reported by the mount)', NULL, 0);
        END IF;
        v_done := v_done + 1;
    END LOOP;
    RETURN v_done;
END
$$;
ALTER FUNCTION tarbox.fs_lookup_report(bigint[], bytea[], bigint[], int[], int[], bigint[], bigint[], int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_lookup_report(bigint[], bytea[], bigint[], int[], int[], bigint[], bigint[], int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_lookup_report(bigint[], bytea[], bigint[], int[], int[], bigint[], bigint[], int[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_lookup_report(bigint[], bytea[], bigint[], int[], int[], bigint[], bigint[], int[]) IS
'FUSE lookups reported by the mount (which called tarbox.fs_lookup with p_reported): write their audit records (operation lookup, level full and the path overrides, details.reported true) in one call. Arrays of one length (at most 10000), element i: directory inode p_parents[i], name p_names[i] (bytes), the inode found p_inos[i] or the errno of the failure p_errnos[i] (exactly one of the two), layer p_layers[i] (NULL = current), caller p_caller_uids/gids/pids[i]. The records carry the time of the report (at most about 0.5 s after the lookups) and the entries'' paths at that time. Only a Tarbox shell session''s reports are recorded; returns how many records were written (0 below level full or from a tenant''s own session). Errors: EINVAL (TX022) arrays of different lengths, more than 10000, an element without its directory or with both or neither of inode and errno.';
