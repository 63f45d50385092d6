-- tarbox.fs_read_report: the reads of one open file, reported by the shell at release.
CREATE OR REPLACE FUNCTION tarbox.fs_read_report(p_ino bigint, p_reads bigint, p_bytes bigint, p_duration_ns bigint,
    p_layer int DEFAULT NULL,
    p_caller_uid bigint DEFAULT NULL, p_caller_gid bigint DEFAULT NULL, p_caller_pid int DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    au tarbox._audit_call := tarbox._audit_ino(
        tarbox._audit_begin('read', 3, p_layer, p_caller_uid, p_caller_gid, p_caller_pid), p_ino);
BEGIN
    IF p_reads IS NULL OR p_reads < 0 OR p_bytes IS NULL OR p_bytes < 0
       OR p_duration_ns IS NULL OR p_duration_ns < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid read report: %s reads, %s bytes, %s ns',
                                               p_reads, p_bytes, p_duration_ns));
    END IF;
    IF au.op IS NULL OR NOT au.shell THEN
        RETURN false;
    END IF;
    au.details := jsonb_build_object('reads', p_reads, 'release', true);
    PERFORM tarbox._audit_put(au, true, NULL, NULL, p_bytes, p_duration_ns);
    RETURN true;
END
$$;
ALTER FUNCTION tarbox.fs_read_report(bigint, bigint, bigint, bigint, int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_read_report(bigint, bigint, bigint, bigint, int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_read_report(bigint, bigint, bigint, bigint, int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_read_report(bigint, bigint, bigint, bigint, int, bigint, bigint, int) IS
'FUSE release of a file opened for reading, whose reads passed the handle to tarbox.fs_read (p_fh): write the one audit record (operation read, level full) of that open file: p_reads read calls reached the mount (0 when the kernel served everything from its page cache), p_bytes bytes in total, p_duration_ns the time they took (ns), at layer p_layer (NULL = current), by the caller p_caller_uid/gid/pid (the process that opened it). Only a Tarbox shell session''s report is recorded (a tenant''s own session gets one record per read instead); returns whether a record was written (false at levels below full or from a tenant''s own session). Errors: EINVAL (TX022) negative or NULL counts.';

-- tarbox.fs_read_report(arrays): the read records of many released files in one call (the mount
-- sends them in batches: one round trip per batch, not one more per file read).
CREATE OR REPLACE FUNCTION tarbox.fs_read_report(p_inos bigint[], p_reads bigint[], p_bytes bigint[], p_durations_ns bigint[],
    p_layers int[], p_caller_uids bigint[], p_caller_gids bigint[], p_caller_pids int[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n int := coalesce(cardinality(p_inos), 0);
    v_done int := 0;
BEGIN
    IF v_n > 10000 OR cardinality(p_reads) <> v_n OR cardinality(p_bytes) <> v_n OR cardinality(p_durations_ns) <> v_n
       OR cardinality(p_layers) <> v_n OR cardinality(p_caller_uids) <> v_n OR cardinality(p_caller_gids) <> v_n
       OR cardinality(p_caller_pids) <> v_n THEN
        PERFORM tarbox._raise('EINVAL', format('a batch of read reports needs arrays of one length (at most 10000; got %s)', v_n));
    END IF;
    FOR i IN 1 .. v_n LOOP
        IF tarbox.fs_read_report(p_inos[i], p_reads[i], p_bytes[i], p_durations_ns[i], p_layers[i],
                             p_caller_uids[i], p_caller_gids[i], p_caller_pids[i]) THEN
            v_done := v_done + 1;
        END IF;
    END LOOP;
    RETURN v_done;
END
$$;
ALTER FUNCTION tarbox.fs_read_report(bigint[], bigint[], bigint[], bigint[], int[], bigint[], bigint[], int[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.fs_read_report(bigint[], bigint[], bigint[], bigint[], int[], bigint[], bigint[], int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.fs_read_report(bigint[], bigint[], bigint[], bigint[], int[], bigint[], bigint[], int[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.fs_read_report(bigint[], bigint[], bigint[], bigint[], int[], bigint[], bigint[], int[]) IS
'Many read reports at once (tarbox.fs_read_report of each element of the arrays, which must have one length, at most 10000): the mount sends the reports of released files in batches. Returns how many records were written. Errors: EINVAL (TX022) arrays of different lengths or a bad element.';
