-- tarbox._text_read(tenant, layer, ino, offset, length): bytes [offset, offset+length) of the
-- text part of a file version (its chunks visible at the layer, in position order); the caller
-- keeps the range within inode.text_bytes. The chunks before the range are only counted (a
-- running sum over the position index), never read; the scan stops after the last chunk
-- needed.
CREATE OR REPLACE FUNCTION tarbox._text_read(p_tenant bigint, p_layer int, p_ino bigint,
                                             p_offset bigint, p_length bigint)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_buf bytea;
    v_start bigint;
BEGIN
    IF p_length <= 0 THEN
        RETURN ''::bytea;
    END IF;
    SELECT string_agg((SELECT b.data FROM tarbox.block b WHERE b.tenant_id = p_tenant AND b.hash = x.hash),
                      ''::bytea ORDER BY x.pos),
           min(x.s - x.nbytes)
      INTO v_buf, v_start
      FROM (SELECT k.pos, k.hash, k.nbytes, sum(k.nbytes) OVER (ORDER BY k.pos) AS s
              FROM tarbox.chunkmap k
             WHERE k.tenant_id = p_tenant AND k.ino = p_ino AND k.born <= p_layer AND k.died > p_layer) x
     WHERE x.s > p_offset AND x.s - x.nbytes < p_offset + p_length;
    RETURN substring(coalesce(v_buf, ''::bytea) FROM (p_offset - coalesce(v_start, p_offset) + 1)::int
                     FOR p_length::int);
END
$$;
ALTER FUNCTION tarbox._text_read(bigint, int, bigint, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._text_read(bigint, int, bigint, bigint, bigint) FROM PUBLIC;
