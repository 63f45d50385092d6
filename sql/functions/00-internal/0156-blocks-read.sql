-- tarbox._blocks_read(tenant, layer, ino, part_size, offset, length): bytes [offset,
-- offset+length) of the block part of a file version (the bytes after its text part; offsets
-- relative to the part's start), cut at part_size; holes and the unstored end of a short block
-- read as zeros.
-- Up to four blocks (every FUSE read: at most 128 KiB) are read by a loop of simple probes of the
-- blockmap primary key, each with one plan cached for the session. Longer ranges use one query
-- over generate_series, whose plan depends on the range: the plan cache plans it on every call
-- (custom plans: 355 us of a 533 us small-file fs_read when every read went that way; forced
-- generic it scanned the tenant's block maps, 24 ms per 4 KiB random read), which only large
-- reads can afford; a loop would copy the growing buffer once per block. That query is bounded
-- by a range predicate on blkno (the primary key's third column), so a 1 MiB read touches the
-- block-map rows of its 16 blocks only, however long the file.
CREATE OR REPLACE FUNCTION tarbox._blocks_read(p_tenant bigint, p_layer int, p_ino bigint, p_size bigint,
                                               p_offset bigint, p_length bigint)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_end bigint;
    v_b bigint;
    v_last bigint;
    v_died int;
    v_data bytea;
    v_buf bytea := ''::bytea;
BEGIN
    IF p_offset >= p_size OR p_length = 0 THEN
        RETURN ''::bytea;
    END IF;
    v_end := least(p_offset + p_length, p_size);
    v_b := p_offset / 65536;
    v_last := (v_end - 1) / 65536;
    IF v_last - v_b >= 4 THEN
        -- the visible block-map rows of the range by one range scan of the primary key (a
        -- join of generate_series to the block map scanned every row of the file on each call:
        -- 12,393 buffers per 1 MiB of a 256 MiB file, downloads quadratic), the holes from
        -- generate_series, then each row's content by its primary key (OFFSET 0: evaluated
        -- once per block, not once per use)
        SELECT string_agg(coalesce(y.data, ''::bytea)
                          || tarbox._zeros(least(65536, p_size - y.g * 65536) - coalesce(octet_length(y.data), 0)),
                          ''::bytea ORDER BY y.g)
          INTO v_buf
          FROM (SELECT g, (SELECT b.data FROM tarbox.block b WHERE b.tenant_id = p_tenant AND b.hash = v.hash) AS data
                  FROM generate_series(v_b, v_last) g
                  LEFT JOIN (SELECT m.blkno, m.hash
                               FROM tarbox.blockmap m
                              WHERE m.tenant_id = p_tenant AND m.ino = p_ino
                                AND m.blkno BETWEEN v_b AND v_last
                                AND m.born <= p_layer AND m.died > p_layer) v ON v.blkno = g
                OFFSET 0) y;
        RETURN substring(v_buf FROM ((p_offset % 65536) + 1)::int FOR (v_end - p_offset)::int);
    END IF;
    WHILE v_b <= v_last LOOP
        v_died := NULL;
        v_data := NULL;
        -- the version visible at the layer: the newest born at or before it, if not dead by then
        SELECT m.died, (SELECT b.data FROM tarbox.block b WHERE b.tenant_id = p_tenant AND b.hash = m.hash)
          INTO v_died, v_data
          FROM tarbox.blockmap m
         WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = v_b AND m.born <= p_layer
         ORDER BY m.born DESC
         LIMIT 1;
        IF v_died IS NULL OR v_died <= p_layer THEN
            v_data := ''::bytea;  -- a hole
        END IF;
        v_buf := v_buf || v_data
                 || tarbox._zeros(least(65536, p_size - v_b * 65536) - octet_length(v_data));
        v_b := v_b + 1;
    END LOOP;
    RETURN substring(v_buf FROM ((p_offset % 65536) + 1)::int FOR (v_end - p_offset)::int);
END
$$;
ALTER FUNCTION tarbox._blocks_read(bigint, int, bigint, bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blocks_read(bigint, int, bigint, bigint, bigint, bigint) FROM PUBLIC;
