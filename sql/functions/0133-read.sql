-- tarbox._read(tenant, layer, inode, offset, length): bytes [offset, offset+length) of a regular
-- file as of a layer, cut at the end of file; holes read as zeros. One query over the blocks the
-- range covers.
CREATE OR REPLACE FUNCTION tarbox._read(p_tenant bigint, p_layer int, v tarbox.inode,
                                        p_offset bigint, p_length bigint)
RETURNS bytea
LANGUAGE plpgsql STABLE
-- A generic plan: with custom plans (the plan cache's choice here, the generic estimate of
-- generate_series being worse) the query was planned on every call: 355 us of a 533 us
-- fs_read of a small file; 51 us with the generic plan (pg_stat_user_functions, 2,000 calls).
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_end bigint;
    v_buf bytea;
BEGIN
    IF p_offset IS NULL OR p_offset < 0 OR p_length IS NULL OR p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid range offset %s length %s', p_offset, p_length));
    END IF;
    IF p_offset >= v.size OR p_length = 0 THEN
        RETURN ''::bytea;
    END IF;
    v_end := least(p_offset + p_length, v.size);
    -- One index probe per block (LATERAL makes blkno an index condition), holes as zeros.
    SELECT string_agg(coalesce(x.data, ''::bytea)
                      || tarbox._zeros(least(65536, v.size - g * 65536) - coalesce(octet_length(x.data), 0)),
                      ''::bytea ORDER BY g)
      INTO v_buf
      FROM generate_series(p_offset / 65536, (v_end - 1) / 65536) g
      LEFT JOIN LATERAL (
            -- the content by its primary key, whatever the statistics (a join may scan
            -- every block of the tenant when the tables have not been analyzed yet)
            SELECT (SELECT b.data FROM tarbox.block b WHERE b.tenant_id = p_tenant AND b.hash = m.hash) AS data
              FROM tarbox.blockmap m
             WHERE m.tenant_id = p_tenant AND m.ino = v.ino AND m.blkno = g
               AND m.born <= p_layer AND m.died > p_layer) x ON true;
    RETURN substring(v_buf FROM ((p_offset % 65536) + 1)::int FOR (v_end - p_offset)::int);
END
$$;
ALTER FUNCTION tarbox._read(bigint, int, tarbox.inode, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._read(bigint, int, tarbox.inode, bigint, bigint) FROM PUBLIC;
