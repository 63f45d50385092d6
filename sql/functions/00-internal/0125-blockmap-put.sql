-- tarbox._blockmap_put(tenant, head, ino, blkno, hash): point block blkno of a file at a block
-- in the head layer: in place when the live mapping was born in the head layer, otherwise the
-- old mapping dies at head and a new one is born (copy-on-write per block).
CREATE OR REPLACE FUNCTION tarbox._blockmap_put(p_tenant bigint, p_head int, p_ino bigint,
                                                p_blkno bigint, p_hash bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE tarbox.blockmap m SET hash = p_hash
     WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = p_blkno
       AND m.died = 2147483647 AND m.born = p_head;
    IF NOT FOUND THEN
        UPDATE tarbox.blockmap m SET died = p_head
         WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno = p_blkno
           AND m.died = 2147483647;
        INSERT INTO tarbox.blockmap (tenant_id, ino, blkno, born, died, hash)
        VALUES (p_tenant, p_ino, p_blkno, p_head, 2147483647, p_hash);
    END IF;
END
$$;
ALTER FUNCTION tarbox._blockmap_put(bigint, int, bigint, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blockmap_put(bigint, int, bigint, bigint, bytea) FROM PUBLIC;
