-- tarbox._blocks_write(tenant, head, ino, from_blkno, data): store data as the file's blocks
-- from_blkno, from_blkno+1, ... (64 KiB each, the last one shorter; trailing zeros are not
-- stored and an all-zero block is a hole), replacing what those blocks held. Returns the change
-- in bytes referenced (for inode.stored). Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._blocks_write(p_tenant bigint, p_head int, p_ino bigint,
                                                p_from bigint, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_i bigint := 0;
    v_n bigint := octet_length(p_data);
    v_piece bytea;
    v_delta bigint := 0;
BEGIN
    WHILE v_i * 65536 < v_n LOOP
        v_piece := rtrim(substring(p_data FROM (v_i * 65536 + 1)::int FOR 65536), '\x00'::bytea);
        v_delta := v_delta + tarbox._blockmap_put(p_tenant, p_head, p_ino, p_from + v_i,
            CASE WHEN v_piece = ''::bytea THEN NULL ELSE tarbox._block_store(p_tenant, v_piece) END,
            octet_length(v_piece));
        v_i := v_i + 1;
    END LOOP;
    RETURN v_delta;
END
$$;
ALTER FUNCTION tarbox._blocks_write(bigint, int, bigint, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blocks_write(bigint, int, bigint, bigint, bytea) FROM PUBLIC;
