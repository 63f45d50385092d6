-- tarbox._upload_block_put(ctx, ino, blkno, data): make p_data (the bytes of block p_blkno of
-- the file, at most 64 KiB, gathered from the chunks that share it) block p_blkno of inode
-- p_ino in the head layer: trailing zeros are not stored and an all-zero block is a hole, as
-- tarbox._write stores blocks. Returns the change in bytes referenced (for inode.stored).
-- tarbox.remote_upload_complete, for the blocks that no single chunk holds whole (migration
-- 0150). Caller holds the inode lock. Errors: EDQUOT (TX122) byte quota.
CREATE OR REPLACE FUNCTION tarbox._upload_block_put(c tarbox._context, p_ino bigint, p_blkno bigint, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_data bytea := rtrim(coalesce(p_data, ''::bytea), '\x00'::bytea);
BEGIN
    RETURN tarbox._blockmap_put(c.tenant_id, c.head, p_ino, p_blkno,
        CASE WHEN v_data = ''::bytea THEN NULL ELSE tarbox._block_store(c.tenant_id, v_data) END,
        octet_length(v_data));
END
$$;
ALTER FUNCTION tarbox._upload_block_put(tarbox._context, bigint, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._upload_block_put(tarbox._context, bigint, bigint, bytea) FROM PUBLIC;
