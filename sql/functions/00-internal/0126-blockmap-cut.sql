-- tarbox._blockmap_cut(tenant, head, ino, from_blkno): end every live mapping of block
-- from_blkno and beyond in the head layer (truncate, purge). Mappings born in the head layer are
-- deleted; older ones die at head and stay visible to the layers before.
CREATE OR REPLACE FUNCTION tarbox._blockmap_cut(p_tenant bigint, p_head int, p_ino bigint, p_from bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM tarbox.blockmap m
     WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno >= p_from
       AND m.died = 2147483647 AND m.born = p_head;
    UPDATE tarbox.blockmap m SET died = p_head
     WHERE m.tenant_id = p_tenant AND m.ino = p_ino AND m.blkno >= p_from
       AND m.died = 2147483647;
END
$$;
ALTER FUNCTION tarbox._blockmap_cut(bigint, int, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._blockmap_cut(bigint, int, bigint, bigint) FROM PUBLIC;
