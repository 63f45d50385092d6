-- tarbox.fs_readdir_many(dirs, layer): every entry of many directories at once, with what an
-- export needs of each (attributes, symlink target, extended attributes): tarbox export reads
-- a tree one directory level per call instead of several calls per entry.
CREATE OR REPLACE FUNCTION tarbox._do_fs_readdir_many(p_dirs bigint[], p_layer int DEFAULT NULL)
RETURNS TABLE (dir bigint, name bytea, a tarbox.attr, target bytea, xattr_names bytea[], xattr_values bytea[])
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(p_layer, false);
    v_bad bigint;
BEGIN
    IF coalesce(cardinality(p_dirs), 0) > 10000 THEN
        PERFORM tarbox._raise('EINVAL', format('%s directories in one call; at most 10000', cardinality(p_dirs)));
    END IF;
    SELECT x INTO v_bad FROM unnest(p_dirs) x
     WHERE NOT EXISTS (SELECT 1 FROM tarbox.inode i
                        WHERE i.tenant_id = c.tenant_id AND i.ino = x AND i.born <= c.layer AND i.died > c.layer
                          AND (i.mode & 61440) = 16384)
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory at layer %s', v_bad, c.layer));
    END IF;
    RETURN QUERY
        SELECT d.parent_ino, d.name,
               ROW(i.ino, i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size, (i.stored + 511) / 512,
                   i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns)::tarbox.attr,
               i.target, x.names, x.vals
          FROM (SELECT DISTINCT u FROM unnest(p_dirs) u) p
          -- each directory's entries by one index scan (OFFSET 0 keeps the subquery a
          -- parameterised scan): as a join, the generic plan (no statistics on tenant_id)
          -- read every dentry of the tenant per call
         CROSS JOIN LATERAL (SELECT d.* FROM tarbox.dentry d
                              WHERE d.tenant_id = c.tenant_id AND d.parent_ino = p.u
                                AND d.born <= c.layer AND d.died > c.layer OFFSET 0) d
          JOIN tarbox.inode i ON i.tenant_id = c.tenant_id AND i.ino = d.ino AND i.born <= c.layer AND i.died > c.layer
          LEFT JOIN LATERAL (
                SELECT array_agg(xa.name ORDER BY xa.name) AS names, array_agg(xa.value ORDER BY xa.name) AS vals
                  FROM tarbox.xattr xa
                 WHERE xa.tenant_id = c.tenant_id AND xa.ino = i.ino AND xa.born <= c.layer AND xa.died > c.layer) x ON true
         ORDER BY d.parent_ino, d.cookie;
END
$$;
ALTER FUNCTION tarbox._do_fs_readdir_many(bigint[], int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_readdir_many(bigint[], int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_readdir_many(bigint[], int) IS
'Every entry (not ''.'' and ''..'') of up to 10000 directories p_dirs at layer p_layer (NULL = current), ordered by directory and readdir offset: the directory, the name (bytes), the attributes, the symbolic link target (bytes, NULL for others) and the extended attributes (names and values, bytes, in name order; NULL when none). For tarbox export. Errors: ENOTDIR (TX020) an inode that is not a directory at that layer, EINVAL (TX022) too many directories, ENOENT (TX002) unknown layer.';
