-- tarbox._audit_native_level(op, details): the audit level of a request served by a native
-- mount (the same levels as the tree's calls: names 1 basic, contents and attributes 2
-- standard, reads and lookups 3 full; an open that truncates 2), NULL for an operation that is
-- not one.
CREATE OR REPLACE FUNCTION tarbox._audit_native_level(p_op text, p_details jsonb) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE
        WHEN p_op IN ('create', 'mkdir', 'mknod', 'symlink', 'link', 'unlink', 'rmdir', 'rename') THEN 1
        WHEN p_op IN ('setattr', 'write', 'setxattr', 'removexattr') THEN 2
        WHEN p_op = 'open' THEN
            CASE WHEN jsonb_typeof(p_details -> 'flags') = 'number'
                       AND ((p_details ->> 'flags')::numeric::bigint & 512) <> 0
                       AND ((p_details ->> 'flags')::numeric::bigint & 3) <> 0 THEN 2 ELSE 3 END
        WHEN p_op IN ('lookup', 'readlink', 'readdir', 'read') THEN 3
    END
$$;
ALTER FUNCTION tarbox._audit_native_level(text, jsonb) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_native_level(text, jsonb) FROM PUBLIC;

-- tarbox.audit_native(arrays): the records of requests a native mount served (host system
-- calls, no SQL of their own), reported by the mount after the fact in batches.
CREATE OR REPLACE FUNCTION tarbox.audit_native(p_ops text[], p_paths bytea[], p_paths2 bytea[], p_sources bytea[],
    p_errnos int[], p_messages text[], p_bytes bigint[], p_durations_ns bigint[],
    p_caller_uids bigint[], p_caller_gids bigint[], p_caller_pids int[], p_details jsonb[])
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n int := coalesce(cardinality(p_ops), 0);
    v_done int := 0;
    v_level int;
    au tarbox._audit_call;
    v_other tarbox._audit_call;
BEGIN
    PERFORM tarbox._ctx(NULL, false);
    IF session_user::text = tarbox._caller() THEN
        PERFORM tarbox._raise('EPERM', 'only a Tarbox shell (a session logged in as another role than the tenant) reports native mount requests');
    END IF;
    IF v_n > 10000 OR coalesce(cardinality(p_paths), 0) <> v_n OR coalesce(cardinality(p_paths2), 0) <> v_n
       OR coalesce(cardinality(p_sources), 0) <> v_n OR coalesce(cardinality(p_errnos), 0) <> v_n
       OR coalesce(cardinality(p_messages), 0) <> v_n OR coalesce(cardinality(p_bytes), 0) <> v_n
       OR coalesce(cardinality(p_durations_ns), 0) <> v_n OR coalesce(cardinality(p_caller_uids), 0) <> v_n
       OR coalesce(cardinality(p_caller_gids), 0) <> v_n OR coalesce(cardinality(p_caller_pids), 0) <> v_n
       OR coalesce(cardinality(p_details), 0) <> v_n THEN
        PERFORM tarbox._raise('EINVAL', format('a batch of native mount records needs arrays of one length (at most 10000; got %s)', v_n));
    END IF;
    FOR i IN 1 .. v_n LOOP
        v_level := tarbox._audit_native_level(p_ops[i], p_details[i]);
        IF v_level IS NULL THEN
            PERFORM tarbox._raise('EINVAL', format('record %s: %L is not an operation of a native mount', i, p_ops[i]));
        ELSIF p_paths[i] IS NULL OR p_sources[i] IS NULL OR octet_length(p_paths[i]) > 8192
              OR octet_length(p_sources[i]) > 8192 OR octet_length(p_paths2[i]) > 8192 THEN
            PERFORM tarbox._raise('EINVAL', format('record %s: a path and a source path of at most 8192 bytes are needed', i));
        ELSIF coalesce(p_errnos[i], 0) NOT BETWEEN 0 AND 4095 OR coalesce(p_bytes[i], 0) < 0
              OR coalesce(p_durations_ns[i], 0) < 0 OR length(p_messages[i]) > 1024 THEN
            PERFORM tarbox._raise('EINVAL', format('record %s: bad errno, byte count, duration or message', i));
        ELSIF p_details[i] IS NOT NULL AND (jsonb_typeof(p_details[i]) <> 'object' OR octet_length(p_details[i]::text) > 4096) THEN
            PERFORM tarbox._raise('EINVAL', format('record %s: details must be a JSON object of at most 4 KiB', i));
        END IF;
        au := tarbox._audit_begin(p_ops[i], v_level, NULL, p_caller_uids[i], p_caller_gids[i], p_caller_pids[i]);
        CONTINUE WHEN au.op IS NULL;
        au.layer := NULL;  -- a native mount is outside the layers
        v_other := au;
        au := tarbox._audit_named(au, tarbox._audit_text(p_paths[i]));
        IF p_paths2[i] IS NOT NULL THEN  -- rename, link: recorded when the level of either path asks for it
            v_other := tarbox._audit_named(v_other, tarbox._audit_text(p_paths2[i]));
            au.path2 := v_other.path;
            au.op := coalesce(au.op, v_other.op);
        END IF;
        CONTINUE WHEN au.op IS NULL;
        au.native_source := tarbox._audit_text(p_sources[i]);
        au.details := p_details[i];
        PERFORM tarbox._audit_put(au, coalesce(p_errnos[i], 0) = 0, nullif(p_errnos[i], 0)::smallint,
                                  CASE WHEN coalesce(p_errnos[i], 0) <> 0 THEN p_messages[i] END,
                                  p_bytes[i], p_durations_ns[i]);
        v_done := v_done + 1;
    END LOOP;
    RETURN v_done;
END
$$;
ALTER FUNCTION tarbox.audit_native(text[], bytea[], bytea[], bytea[], int[], text[], bigint[], bigint[], bigint[], bigint[], int[], jsonb[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.audit_native(text[], bytea[], bytea[], bytea[], int[], text[], bigint[], bigint[], bigint[], bigint[], int[], jsonb[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.audit_native(text[], bytea[], bytea[], bytea[], int[], text[], bigint[], bigint[], bigint[], bigint[], int[], jsonb[]) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.audit_native(text[], bytea[], bytea[], bytea[], int[], text[], bigint[], bigint[], bigint[], bigint[], int[], jsonb[]) IS
'Tarbox shells: record requests a native mount served (a host directory passed through at a path of the tree: host system calls, no SQL of their own), reported by the mount after the fact in batches (arrays of one length, at most 10000; element i is one record). p_ops: the operation (create, mkdir, mknod, symlink, link, unlink, rmdir, rename at level basic; setattr, write, setxattr, removexattr and an open that truncates at standard; lookup, readlink, readdir, read, open at full); p_paths: its path in the tree (bytes, the mount point + the path below it), p_paths2: the other path of a rename or link (else NULL); p_sources: the host path (recorded as native_source, native = true); p_errnos: 0 on success, else the errno (the record is a failure with message p_messages); p_bytes: bytes moved (reads and writes of one open file are one record each, at release); p_durations_ns: time taken (ns); p_caller_*: the requesting process; p_details: a JSON object (at most 4 KiB) or NULL. The tenant''s level and path overrides decide per record, as for the tree; layer is NULL; the record''s time is the time of this call (the host request ended up to a second before; details.host_at_ns says when, in ns since the epoch). Returns how many records were written. Errors: EINVAL (TX022) arrays of different lengths or a bad element (nothing is written), EPERM (TX001) from a tenant''s own login session, EACCES (TX013) caller is not a tenant.';
