-- tarbox._compose_shown_readdir(ino, offset, limit): tarbox.fs_readdir of a directory a
-- composition of the calling tenant shows as number p_ino (2^56 and above,
-- tarbox._compose_number): '.' (offset 1) and '..' (offset 2) first, as fs_readdir lists
-- them, then tarbox.compose_readdir's entries (the published layer; copy-on-write merged with
-- the caller's changes, whiteouts not listed) after offset p_offset, at most p_limit rows in
-- all, every number the one the mount shows. The '..' of the composition's root is the
-- tenant's directory holding the mount point.
-- Errors: ENOENT (TX002) (also: the publication is no longer shared), ENOTDIR (TX020).
CREATE OR REPLACE FUNCTION tarbox._compose_shown_readdir(p_ino bigint, p_offset bigint, p_limit int)
RETURNS TABLE (name bytea, next_offset bigint, a tarbox.attr)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    k record := tarbox._compose_number(p_ino);
    v tarbox.inode := tarbox._compose_node(k.compose, k.n);
    v_limit int := p_limit;
    v_up bigint;
    u tarbox._context;
BEGIN
    IF (v.mode & 61440) <> 16384 THEN
        PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', p_ino));
    END IF;
    IF p_offset < 1 THEN
        name := '\x2e'::bytea; next_offset := 1; a := tarbox._attr(v); a.ino := p_ino;
        RETURN NEXT;
        v_limit := v_limit - 1;
    END IF;
    IF p_offset < 2 AND v_limit > 0 THEN
        name := '\x2e2e'::bytea; next_offset := 2;
        IF k.n = 1 THEN  -- the root's parent: the tenant's directory above the mount point
            u := tarbox._ctx(NULL, false);
            SELECT (tarbox._walk(u, convert_to(coalesce(nullif(regexp_replace(m.mount_path, '/[^/]*$', ''), ''), '/'), 'UTF8'),
                                 true)).ino
              INTO v_up FROM tarbox.composition m WHERE m.tenant_id = u.tenant_id AND m.compose_id = k.compose;
            a := tarbox._attr(tarbox._inode_at(u.tenant_id, v_up, u.layer));
        ELSE
            a := tarbox._compose_shown_attr(k.base | tarbox._compose_child(k.compose, k.n, '\x2e2e'::bytea));
        END IF;
        RETURN NEXT;
        v_limit := v_limit - 1;
    END IF;
    IF v_limit <= 0 THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT r.name, r.next_offset,
               ROW(k.base | (r.a).ino, (r.a).mode, (r.a).nlink, (r.a).uid, (r.a).gid, (r.a).rdev, (r.a).size,
                   (r.a).blocks, (r.a).atime_ns, (r.a).mtime_ns, (r.a).ctime_ns, (r.a).btime_ns)::tarbox.attr
          FROM tarbox.compose_readdir(k.compose, k.n, greatest(p_offset, 2), v_limit) r;
END
$$;
ALTER FUNCTION tarbox._compose_shown_readdir(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_shown_readdir(bigint, bigint, int) FROM PUBLIC;
