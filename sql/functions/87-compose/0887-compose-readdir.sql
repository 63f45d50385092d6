CREATE OR REPLACE FUNCTION tarbox.compose_readdir(p_compose int, p_ino bigint, p_offset bigint, p_limit int)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v tarbox.inode := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    v_off bigint := coalesce(p_offset, 0);
    v_limit int := least(greatest(coalesce(p_limit, 1000), 1), 10000);
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN
        RETURN QUERY SELECT * FROM tarbox._cow_readdir(p_compose, p_ino, p_offset, p_limit);  -- merged (88-compose-cow)
        RETURN;
    END IF;
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    ELSIF (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_ino));
    END IF;
    -- '.' and '..' are the bridge's (the root's parent is in the consumer's tree).
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
ALTER FUNCTION tarbox.compose_readdir(int, bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.compose_readdir(int, bigint, bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.compose_readdir(int, bigint, bigint, int) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.compose_readdir(int, bigint, bigint, int) IS
'FUSE readdirplus in composition p_compose: up to p_limit (1..10000, NULL = 1000) entries of directory p_ino after readdir offset p_offset (0 = start), each with its next offset (the name''s stable cookie) and attributes. ''.'' and ''..'' are not listed (the bridge adds them). Errors: ENOENT (TX002), ENOTDIR (TX020), EACCES (TX013).';
