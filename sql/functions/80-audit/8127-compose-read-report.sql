-- tarbox.compose_read_report(arrays): the read records of files a mount read below its
-- compositions (tarbox.compose_read), one per released file, sent in batches as the tree's
-- tarbox.fs_read_report: compose_read itself is a read-only call and writes nothing.
CREATE OR REPLACE FUNCTION tarbox.compose_read_report(p_compose int[], p_inos bigint[], p_reads bigint[],
    p_bytes bigint[], p_durations_ns bigint[], p_caller_uids bigint[], p_caller_gids bigint[],
    p_caller_pids int[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n int := coalesce(cardinality(p_inos), 0);
    v_done int := 0;
    au tarbox._audit_call;
    v_pub text;
BEGIN
    IF v_n > 10000 OR coalesce(cardinality(p_compose), 0) <> v_n OR coalesce(cardinality(p_reads), 0) <> v_n
       OR coalesce(cardinality(p_bytes), 0) <> v_n OR coalesce(cardinality(p_durations_ns), 0) <> v_n
       OR coalesce(cardinality(p_caller_uids), 0) <> v_n OR coalesce(cardinality(p_caller_gids), 0) <> v_n
       OR coalesce(cardinality(p_caller_pids), 0) <> v_n THEN
        PERFORM tarbox._raise('EINVAL', format('a batch of composed read reports needs arrays of one length (at most 10000; got %s)', v_n));
    END IF;
    FOR i IN 1 .. v_n LOOP
        IF p_compose[i] IS NULL OR p_inos[i] IS NULL OR p_reads[i] IS NULL OR p_reads[i] < 0
           OR p_bytes[i] IS NULL OR p_bytes[i] < 0 OR p_durations_ns[i] IS NULL OR p_durations_ns[i] < 0 THEN
            PERFORM tarbox._raise('EINVAL', format('invalid composed read report %s: composition %s, inode %s, %s reads, %s bytes, %s ns',
                                                   i, p_compose[i], p_inos[i], p_reads[i], p_bytes[i], p_durations_ns[i]));
        END IF;
    END LOOP;
    au := tarbox._audit_begin('read', 3, NULL, NULL, NULL, NULL);
    IF au.op IS NULL OR NOT au.shell THEN
        RETURN 0;  -- below full, or a tenant's own session (whose compose_read calls are its own)
    END IF;
    FOR i IN 1 .. v_n LOOP
        SELECT k.publication INTO v_pub FROM tarbox.composition k
         WHERE k.tenant_id = au.tenant_id AND k.compose_id = p_compose[i];
        IF NOT FOUND THEN
            CONTINUE;  -- removed since the read: nothing names the file any more
        END IF;
        au := tarbox._audit_begin('read', 3, NULL, p_caller_uids[i], p_caller_gids[i], p_caller_pids[i]);
        BEGIN
            au.path := tarbox._compose_path(p_compose[i], p_inos[i]);
        EXCEPTION WHEN SQLSTATE 'TX002' THEN
            au.path := NULL;  -- the publication is no longer shared: the read is recorded all the same
        END;
        au.ino := p_inos[i];
        au.details := jsonb_build_object('reads', p_reads[i], 'release', true,
                                         'composition', p_compose[i], 'publication', v_pub);
        au := tarbox._audit_scope(au);
        IF au.op IS NOT NULL THEN
            PERFORM tarbox._audit_put(au, true, NULL, NULL, p_bytes[i], p_durations_ns[i]);
            v_done := v_done + 1;
        END IF;
    END LOOP;
    RETURN v_done;
END
$$;
ALTER FUNCTION tarbox.compose_read_report(int[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_read_report(int[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_read_report(int[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_read_report(int[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) IS
'Tarbox shells (the FUSE mount): the audit records (operation read, level full) of files read below compositions, one per released file, in batches (arrays of one length, at most 10000; element i is one report): p_compose composition id, p_inos the inode number the composition shows (as tarbox.compose_read takes it), p_reads read calls that reached the mount (0 when the page cache served all), p_bytes bytes read in total, p_durations_ns their time (ns), p_caller_* the process that opened the file. The record names the file by its path in the caller''s tree (the mount point + its path in the publication, or the copied-up entry''s path; NULL if the publication is no longer shared) and carries details {reads, release, composition, publication}; the tenant''s level and path overrides decide per record. A report for a composition removed meanwhile is skipped. Only a shell session''s reports are recorded (returns 0 from a tenant''s own session). Returns how many records were written. Errors: EINVAL (TX022) arrays of different lengths or a bad element (nothing is written).';
