-- tarbox._attr(inode row): the stat(2) view of an inode version; blocks counts the 512-byte
-- units of content the version stores (inode.stored: chunks and blocks, not holes), so du of a
-- sparse file is small.
-- PL/pgSQL, not SQL: callers pass an expression (often a call of tarbox._inode_at), which a SQL
-- function using its argument twelve times is not inlined with, and a SQL function that is not
-- inlined is planned again in every transaction (measured: 116 us per call, against a few us).
CREATE OR REPLACE FUNCTION tarbox._attr(p_i tarbox.inode) RETURNS tarbox.attr
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    RETURN ROW(p_i.ino, p_i.mode, p_i.nlink, p_i.uid, p_i.gid, p_i.rdev, p_i.size,
               (p_i.stored + 511) / 512, p_i.atime_ns, p_i.mtime_ns, p_i.ctime_ns, p_i.btime_ns)::tarbox.attr;
END
$$;
ALTER FUNCTION tarbox._attr(tarbox.inode) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._attr(tarbox.inode) FROM PUBLIC;
