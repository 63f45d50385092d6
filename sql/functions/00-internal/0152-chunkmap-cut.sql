-- tarbox._chunkmap_cut(tenant, head, ino, from_pos, only): end every live chunk mapping of a file
-- at position from_pos and after (NULL: all of them), or only those at the positions listed in
-- `only`, in the head layer. Mappings born in the head
-- layer are deleted and their chunks released at commit (tarbox._block_drop: deleted when
-- nothing else references them);
-- older ones die at head and stay visible to the layers before. Returns the bytes and lines
-- the file's text part loses. Caller holds the inode lock.
CREATE OR REPLACE FUNCTION tarbox._chunkmap_cut(p_tenant bigint, p_head int, p_ino bigint, p_from numeric, p_only numeric[],
                                                OUT nbytes bigint, OUT nlines bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    v_hashes bytea[];
    v_b bigint;
    v_l bigint;
BEGIN
    WITH d AS (
        DELETE FROM tarbox.chunkmap k
         WHERE k.tenant_id = p_tenant AND k.ino = p_ino AND k.died = 2147483647 AND k.born = p_head
           AND (p_from IS NULL OR k.pos >= p_from) AND (p_only IS NULL OR k.pos = ANY (p_only))
        RETURNING k.hash, k.nbytes, k.nlines)
    SELECT array_agg(DISTINCT d.hash), coalesce(sum(d.nbytes), 0), coalesce(sum(d.nlines), 0)
      INTO v_hashes, nbytes, nlines FROM d;
    WITH u AS (
        UPDATE tarbox.chunkmap k SET died = p_head
         WHERE k.tenant_id = p_tenant AND k.ino = p_ino AND k.died = 2147483647
           AND (p_from IS NULL OR k.pos >= p_from) AND (p_only IS NULL OR k.pos = ANY (p_only))
        RETURNING k.nbytes, k.nlines)
    SELECT coalesce(sum(u.nbytes), 0), coalesce(sum(u.nlines), 0) INTO v_b, v_l FROM u;
    nbytes := nbytes + v_b;
    nlines := nlines + v_l;
    PERFORM tarbox._block_drop(p_tenant, v_hashes);
END
$$;
ALTER FUNCTION tarbox._chunkmap_cut(bigint, int, bigint, numeric, numeric[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._chunkmap_cut(bigint, int, bigint, numeric, numeric[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._chunkmap_cut(bigint, int, bigint, numeric, numeric[]) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
