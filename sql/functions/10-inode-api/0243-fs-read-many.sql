-- tarbox.fs_read_many(inos, layer): the whole content of many regular files at once (tarbox
-- export reads the small files of a tree this way).
CREATE OR REPLACE FUNCTION tarbox._do_fs_read_many(p_inos bigint[], p_layer int DEFAULT NULL)
RETURNS TABLE (ino bigint, data bytea)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v_bad bigint;
    v_total numeric;
BEGIN
    IF coalesce(cardinality(p_inos), 0) > 10000 THEN
        PERFORM tarbox._raise('EINVAL', format('%s files in one call; at most 10000', cardinality(p_inos)));
    END IF;
    SELECT x INTO v_bad FROM unnest(p_inos) x
     WHERE NOT EXISTS (SELECT 1 FROM tarbox.inode i
                        WHERE i.tenant_id = c.tenant_id AND i.ino = x AND i.born <= c.layer AND i.died > c.layer
                          AND (i.mode & 61440) = 32768)
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EINVAL', format('inode %s is not a regular file at layer %s', v_bad, c.layer));
    END IF;
    -- The inodes are probed one by one (LATERAL ... LIMIT 1: one version of an inode is visible
    -- at a layer): as a join, the generic plan (no statistics on tenant_id) read every inode
    -- of the tenant per call.
    SELECT sum(i.size) INTO v_total FROM (SELECT DISTINCT u FROM unnest(p_inos) u) p
     CROSS JOIN LATERAL (SELECT i.size FROM tarbox.inode i
                          WHERE i.tenant_id = c.tenant_id AND i.ino = p.u AND i.born <= c.layer AND i.died > c.layer
                          LIMIT 1) i;
    IF v_total > tarbox._io_max() THEN
        PERFORM tarbox._raise('EFBIG', format('%s bytes asked for; one call reads at most %s (16 MiB): read large files with fs_read',
                                              v_total, tarbox._io_max()));
    END IF;
    RETURN QUERY
        SELECT i.ino, tarbox._read(c.tenant_id, c.layer, i, 0, i.size)
          FROM (SELECT DISTINCT u FROM unnest(p_inos) u) p
         CROSS JOIN LATERAL (SELECT i.* FROM tarbox.inode i
                              WHERE i.tenant_id = c.tenant_id AND i.ino = p.u AND i.born <= c.layer AND i.died > c.layer
                              LIMIT 1) i;
END
$$;
ALTER FUNCTION tarbox._do_fs_read_many(bigint[], int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_read_many(bigint[], int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_read_many(bigint[], int) IS
'The whole content (bytes) of up to 10000 regular files p_inos at layer p_layer (NULL = current), at most 16 MiB in all; one row per distinct inode. For tarbox export. Errors: EINVAL (TX022) not a regular file or too many, EFBIG (TX027) over 16 MiB (read those with fs_read), ENOENT (TX002) unknown layer.';
