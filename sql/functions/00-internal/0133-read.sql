-- tarbox._read(tenant, layer, inode, offset, length): bytes [offset, offset+length) of a regular
-- file as of a layer, cut at the end of file; holes read as zeros. A file version is its text
-- part (the first inode.text_bytes bytes, as chunks: tarbox._text_read) followed by its block
-- part (64 KiB blocks numbered from the end of the text part: tarbox._blocks_read); a binary
-- file is all block part.
CREATE OR REPLACE FUNCTION tarbox._read(p_tenant bigint, p_layer int, v tarbox.inode,
                                        p_offset bigint, p_length bigint)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_end bigint;
    v_t bigint := v.text_bytes;
BEGIN
    IF p_offset IS NULL OR p_offset < 0 OR p_length IS NULL OR p_length < 0 THEN
        PERFORM tarbox._raise('EINVAL', format('invalid range offset %s length %s', p_offset, p_length));
    END IF;
    IF p_offset >= v.size OR p_length = 0 THEN
        RETURN ''::bytea;
    END IF;
    IF v_t = 0 THEN
        RETURN tarbox._blocks_read(p_tenant, p_layer, v.ino, v.size, p_offset, p_length);
    END IF;
    v_end := least(p_offset + p_length, v.size);
    IF p_offset >= v_t THEN
        RETURN tarbox._blocks_read(p_tenant, p_layer, v.ino, v.size - v_t, p_offset - v_t, v_end - p_offset);
    ELSIF v_end <= v_t THEN
        RETURN tarbox._text_read(p_tenant, p_layer, v.ino, p_offset, v_end - p_offset);
    END IF;
    RETURN tarbox._text_read(p_tenant, p_layer, v.ino, p_offset, v_t - p_offset)
           || tarbox._blocks_read(p_tenant, p_layer, v.ino, v.size - v_t, 0, v_end - v_t);
END
$$;
ALTER FUNCTION tarbox._read(bigint, int, tarbox.inode, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._read(bigint, int, tarbox.inode, bigint, bigint) FROM PUBLIC;
