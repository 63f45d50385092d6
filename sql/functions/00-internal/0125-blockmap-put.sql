-- tarbox._blockmap_put(tenant, head, ino, blkno, hash, len): point block blkno of a file's
-- block part at the stored block with this hash (len bytes), or make it a hole (hash NULL), in
-- the head layer: in place when the live mapping was born in the head layer, otherwise the old
-- mapping dies at head and a new one is born (copy-on-write per block). A block replaced in
-- place is released at once (tarbox._block_release: deleted if nothing else references it),
-- so rewriting a block many times in one layer leaves no garbage. Returns the change in bytes
-- referenced by the file (for inode.stored). Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._blockmap_put(p_tenant bigint, p_head int, p_ino bigint,
                                                p_blkno bigint, p_hash bytea, p_len int)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_born int;
    v_old bytea;
    v_oldlen bigint := 0;
BEGIN
    SELECT m.born, m.hash INTO v_born, v_old FROM tarbox.blockmap m
     WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = p_blkno AND m.died = 2147483647;
    IF NOT FOUND THEN
        IF p_hash IS NULL THEN
            RETURN 0;
        END IF;
        INSERT INTO tarbox.blockmap (tenant_id, ino, blkno, born, died, hash)
        VALUES (p_tenant, p_ino, p_blkno, p_head, 2147483647, p_hash);
        RETURN p_len;
    END IF;
    IF v_old = p_hash THEN
        RETURN 0;
    END IF;
    SELECT octet_length(b.data) INTO v_oldlen FROM tarbox.block b WHERE b.tenant_id = p_tenant AND b.hash = v_old;
    IF v_born = p_head THEN
        IF p_hash IS NULL THEN
            DELETE FROM tarbox.blockmap m
             WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = p_blkno AND m.died = 2147483647;
        ELSE
            UPDATE tarbox.blockmap m SET hash = p_hash
             WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = p_blkno AND m.died = 2147483647;
        END IF;
        PERFORM tarbox._block_release(p_tenant, ARRAY[v_old]);
    ELSE
        UPDATE tarbox.blockmap m SET died = p_head
         WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = p_blkno AND m.died = 2147483647;
        IF p_hash IS NOT NULL THEN
            INSERT INTO tarbox.blockmap (tenant_id, ino, blkno, born, died, hash)
            VALUES (p_tenant, p_ino, p_blkno, p_head, 2147483647, p_hash);
        END IF;
    END IF;
    RETURN coalesce(p_len, 0) - coalesce(v_oldlen, 0);
END
$$;
ALTER FUNCTION tarbox._blockmap_put(bigint, int, bigint, bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blockmap_put(bigint, int, bigint, bigint, bytea, int) FROM PUBLIC;
