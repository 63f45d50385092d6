CREATE OR REPLACE FUNCTION tarbox._do_fs_readdir(p_ino bigint, p_offset bigint, p_limit int, p_layer int DEFAULT NULL)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v tarbox.inode;
    v_off bigint := coalesce(p_offset, 0);
    v_limit int := least(greatest(coalesce(p_limit, 1000), 1), 10000);
BEGIN
    IF p_ino >= 72057594037927936 THEN  -- a number a composition shows
        RETURN QUERY SELECT * FROM tarbox._compose_shown_readdir(p_ino, v_off, v_limit);
        RETURN;
    END IF;
    v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_ino));
    END IF;
    IF v_off < 1 THEN
        name := '\x2e'::bytea; next_offset := 1; a := tarbox._attr(v);
        RETURN NEXT;
        v_limit := v_limit - 1;
    END IF;
    IF v_off < 2 AND v_limit > 0 THEN
        name := '\x2e2e'::bytea; next_offset := 2;
        a := tarbox._attr(tarbox._inode_at(c.tenant_id, coalesce(tarbox._parent_of(c.tenant_id, p_ino, c.layer), p_ino), c.layer));
        RETURN NEXT;
        v_limit := v_limit - 1;
    END IF;
    IF v_limit <= 0 THEN
        RETURN;
    END IF;
    -- The inode version visible at the layer, probed per entry inside this one query (as in
    -- tarbox._inode_at, without a function call per entry: 11 us each).
    RETURN QUERY
        SELECT d.name, d.cookie,
               ROW(i.ino, i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size, (i.stored + 511) / 512,
                   i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns)::tarbox.attr
          FROM tarbox.dentry d
          CROSS JOIN LATERAL (
                SELECT * FROM tarbox.inode n
                 WHERE n.tenant_id = c.tenant_id AND n.ino = d.ino AND n.born <= c.layer
                 ORDER BY n.born DESC LIMIT 1) i
         WHERE d.tenant_id = c.tenant_id AND d.parent_ino = p_ino
           AND d.cookie > v_off AND d.born <= c.layer AND d.died > c.layer
           AND i.died > c.layer
         ORDER BY d.cookie
         LIMIT v_limit;
END
$$;
ALTER FUNCTION tarbox._do_fs_readdir(bigint, bigint, int, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_readdir(bigint, bigint, int, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_readdir(bigint, bigint, int, int) IS
'FUSE readdir(plus): up to p_limit (1..10000) entries of directory p_ino after offset p_offset (0 = start), at layer p_layer (NULL = current), each with its name (bytes), the offset to resume after it and its attributes. ''.'' and ''..'' come first (offsets 1, 2); other offsets are a hash of the name, so they stay valid while entries are added or removed concurrently. A number a composition shows (2^56 | slot << 40 | n) lists what the mount shows there (tarbox._compose_shown_readdir), with those numbers. Errors: ENOENT (TX002), ENOTDIR (TX020).';
