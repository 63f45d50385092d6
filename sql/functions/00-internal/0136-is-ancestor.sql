-- tarbox._is_ancestor(tenant, layer, anc, dir): true when directory `anc` is `dir` or one of its
-- ancestors (walks up the '..' chain; O(depth)). Used to refuse moving a directory into itself.
CREATE OR REPLACE FUNCTION tarbox._is_ancestor(p_tenant bigint, p_layer int, p_anc bigint, p_dir bigint)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    WITH RECURSIVE up(ino, depth) AS (
        SELECT p_dir, 0
        UNION ALL
        SELECT tarbox._parent_of(p_tenant, up.ino, p_layer), up.depth + 1
          FROM up
         WHERE up.ino <> 1 AND up.ino <> p_anc AND up.ino IS NOT NULL AND up.depth < 10000
    )
    SELECT EXISTS (SELECT 1 FROM up WHERE up.ino = p_anc)
$$;
ALTER FUNCTION tarbox._is_ancestor(bigint, int, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._is_ancestor(bigint, int, bigint, bigint) FROM PUBLIC;
