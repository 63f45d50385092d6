-- tarbox.compose_report(arrays): the audit records (level full) of what a mount read below its
-- compositions, sent in batches like the tree's read and lookup reports: the compose_* calls
-- that serve reads are read-only and write nothing. Element i is one report: operation
-- p_ops[i] of composition p_compose[i] on the inode it shows p_inos[i] (the number the
-- compose_* functions take):
--   'read'    file p_inos[i] was released after p_reads[i] reads of p_bytes[i] bytes in
--             p_durations_ns[i] ns;
--   'lookup'  name p_names[i] was looked up in directory p_inos[i], failing with p_errnos[i]
--             when it is not NULL;
--   'readdir' directory p_inos[i] was listed from its start.
-- The record names the entry by its path in the caller's tree (tarbox._compose_path).
CREATE OR REPLACE FUNCTION tarbox.compose_report(p_ops text[], p_compose int[], p_inos bigint[], p_names bytea[],
    p_errnos int[], p_reads bigint[], p_bytes bigint[], p_durations_ns bigint[],
    p_caller_uids bigint[], p_caller_gids bigint[], p_caller_pids int[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n int := coalesce(cardinality(p_ops), 0);
    v_done int := 0;
    au tarbox._audit_call;
    v_pub text;
    v_path text;
BEGIN
    IF v_n > 10000 OR coalesce(cardinality(p_compose), 0) <> v_n OR coalesce(cardinality(p_inos), 0) <> v_n
       OR coalesce(cardinality(p_names), 0) <> v_n OR coalesce(cardinality(p_errnos), 0) <> v_n
       OR coalesce(cardinality(p_reads), 0) <> v_n OR coalesce(cardinality(p_bytes), 0) <> v_n
       OR coalesce(cardinality(p_durations_ns), 0) <> v_n OR coalesce(cardinality(p_caller_uids), 0) <> v_n
       OR coalesce(cardinality(p_caller_gids), 0) <> v_n OR coalesce(cardinality(p_caller_pids), 0) <> v_n THEN
        PERFORM tarbox._raise('EINVAL', format('a batch of composition reports needs arrays of one length (at most 10000; got %s)', v_n));
    END IF;
    FOR i IN 1 .. v_n LOOP
        IF p_compose[i] IS NULL OR p_inos[i] IS NULL OR p_ops[i] IS NULL
           OR p_ops[i] NOT IN ('read', 'lookup', 'readdir')
           OR (p_ops[i] = 'read') <> (p_reads[i] IS NOT NULL AND p_bytes[i] IS NOT NULL AND p_durations_ns[i] IS NOT NULL)
           OR p_reads[i] < 0 OR p_bytes[i] < 0 OR p_durations_ns[i] < 0
           OR (p_ops[i] = 'lookup') <> (p_names[i] IS NOT NULL)
           OR (p_errnos[i] IS NOT NULL AND (p_ops[i] <> 'lookup' OR p_errnos[i] NOT BETWEEN 1 AND 999)) THEN
            PERFORM tarbox._raise('EINVAL', format(
                'invalid composition report %s: a read has its reads, bytes and ns (>= 0), a lookup its name (and an errno 1..999 when it failed), a readdir neither', i));
        END IF;
    END LOOP;
    au := tarbox._audit_begin('read', 3, NULL, NULL, NULL, NULL);
    IF au.op IS NULL OR NOT au.shell THEN
        RETURN 0;  -- below full, or a tenant's own session (whose compose_* calls are its own)
    END IF;
    FOR i IN 1 .. v_n LOOP
        SELECT k.publication INTO v_pub FROM tarbox.composition k
         WHERE k.tenant_id = au.tenant_id AND k.compose_id = p_compose[i];
        CONTINUE WHEN NOT FOUND;  -- removed since: nothing names the entry any more
        au := tarbox._audit_begin(p_ops[i], 3, NULL, p_caller_uids[i], p_caller_gids[i], p_caller_pids[i]);
        BEGIN
            v_path := tarbox._compose_path(p_compose[i], p_inos[i]);
        EXCEPTION WHEN SQLSTATE 'TX002' THEN
            v_path := NULL;  -- the publication is no longer shared: recorded all the same
        END;
        IF p_ops[i] = 'lookup' THEN
            au.path := CASE WHEN v_path IS NOT NULL THEN rtrim(v_path, '/') || '/' || tarbox._name_text(p_names[i]) END;
        ELSE
            au.path := v_path;
            au.ino := p_inos[i];
        END IF;
        au.details := jsonb_build_object('composition', p_compose[i], 'publication', v_pub, 'reported', true)
                      || CASE WHEN p_ops[i] = 'read' THEN jsonb_build_object('reads', p_reads[i], 'release', true)
                              ELSE '{}'::jsonb END;
        au := tarbox._audit_scope(au);
        CONTINUE WHEN au.op IS NULL;
        IF p_errnos[i] IS NULL THEN
            PERFORM tarbox._audit_put(au, true, NULL, NULL, p_bytes[i], coalesce(p_durations_ns[i], 0));
        ELSE
            PERFORM tarbox._audit_put(au, false, p_errnos[i]::smallint, 'lookup failed (reported by the mount)', NULL, 0);
        END IF;
        v_done := v_done + 1;
    END LOOP;
    RETURN v_done;
END
$$;
ALTER FUNCTION tarbox.compose_report(text[], int[], bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_report(text[], int[], bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_report(text[], int[], bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_report(text[], int[], bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], int[]) IS
'Tarbox shells (the FUSE mount): the audit records (level full) of reads below compositions, in batches (arrays of one length, at most 10000; element i is one report). p_ops: ''read'' (file p_inos released after p_reads read calls that reached the mount, 0 when the page cache served all, p_bytes bytes in total, p_durations_ns ns), ''lookup'' (name p_names, bytes, looked up in directory p_inos; p_errnos the errno when it failed, else NULL) or ''readdir'' (directory p_inos listed from its start); p_compose the composition id; p_inos the inode number the composition shows (as tarbox.compose_read takes it); p_caller_* the requesting process. The record names the entry by its path in the caller''s tree (the mount point + its path in the publication, or a copied-up entry''s path; NULL if the publication is no longer shared), carries details {composition, publication, reported} (and {reads, release} for reads), the time of the report, and is subject to the tenant''s level and path overrides; a report of a composition removed meanwhile is skipped. Only a shell session''s reports are recorded (0 from a tenant''s own session). Returns how many records were written. Errors: EINVAL (TX022) arrays of different lengths or more than 10000, or a malformed element (nothing is written).';
