-- tarbox._compose_names(compose, dir, after, limit): one page of the names of directory p_dir
-- of composition p_compose (numbers the composition shows) in name-byte order: up to p_limit
-- names sorting after p_after (NULL: from the start), each with the number of its entry, as
-- tarbox.compose_readdir lists them ('.' and '..' not listed; copy-on-write: the caller's
-- entries but its whiteouts, then the publisher's whose name the caller's directory does not
-- hold). Keyset paging on the dentry key (tenant_id, parent_ino, name, born) of each side, so
-- a page costs its own size, not the directory's (the remote API's listing pages this way).
-- Errors: ENOENT (TX002) no such directory or composition, or the publication is no longer shared.
CREATE OR REPLACE FUNCTION tarbox._compose_names(p_compose int, p_dir bigint, p_after bytea, p_limit int)
RETURNS TABLE (name bytea, shown bigint)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    u tarbox._context;
    v_upper bigint;          -- the caller's directory (copy-on-write; NULL: none)
    v_lower bigint := p_dir; -- the publisher's (NULL: none)
BEGIN
    IF tarbox._compose_is_cow(p_compose) THEN
        SELECT n.upper, n.lower INTO v_upper, v_lower FROM tarbox._cow_node(p_compose, p_dir) n;
        u := tarbox._ctx(NULL, false);
    END IF;
    RETURN QUERY
        SELECT x.name, x.shown FROM (
            (SELECT d.name, tarbox._cow_shown(p_compose, i.ino) AS shown
               FROM tarbox.dentry d
               CROSS JOIN LATERAL (
                     SELECT * FROM tarbox.inode m
                      WHERE m.tenant_id = u.tenant_id AND m.ino = d.ino AND m.born <= u.layer
                      ORDER BY m.born DESC LIMIT 1) i
              WHERE v_upper IS NOT NULL AND d.tenant_id = u.tenant_id AND d.parent_ino = v_upper
                AND d.born <= u.layer AND d.died > u.layer AND (p_after IS NULL OR d.name > p_after)
                AND i.died > u.layer AND NOT tarbox._cow_whiteout(i)
              ORDER BY d.name LIMIT p_limit)
            UNION ALL
            (SELECT d.name, d.ino
               FROM tarbox.dentry d
              WHERE v_lower IS NOT NULL AND d.tenant_id = c.tenant_id AND d.parent_ino = v_lower
                AND d.born <= c.layer AND d.died > c.layer AND (p_after IS NULL OR d.name > p_after)
                AND EXISTS (SELECT 1 FROM tarbox.inode m
                             WHERE m.tenant_id = c.tenant_id AND m.ino = d.ino AND m.born <= c.layer
                               AND m.died > c.layer)
                AND (v_upper IS NULL OR tarbox._dentry_at(u.tenant_id, v_upper, d.name, u.layer) IS NULL)
              ORDER BY d.name LIMIT p_limit)
        ) x
        ORDER BY x.name
        LIMIT p_limit;
END
$$;
ALTER FUNCTION tarbox._compose_names(int, bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_names(int, bigint, bytea, int) FROM PUBLIC;
