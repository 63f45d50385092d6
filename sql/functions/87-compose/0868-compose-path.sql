-- tarbox._compose_path_bytes(compose_id, ino): the path (bytes) in the calling tenant's tree of
-- the inode p_ino that composition p_compose shows (the number the compose_* functions take):
-- the mount point followed by the inode's path in the publication, or, for an entry a
-- copy-on-write composition has copied up or made, its path in the tenant's own tree. NULL
-- when the inode is no longer reachable (removed meanwhile).
-- tarbox._compose_path(compose_id, ino): the same as text for people and the audit log (names
-- that are not UTF-8 shown as \xNN, tarbox._name_text).
-- Errors: ENOENT (TX002) no such composition, or its publication is no longer shared
-- (tarbox._compose_ctx).
CREATE OR REPLACE FUNCTION tarbox._compose_path_bytes(p_compose int, p_ino bigint) RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    v_mount bytea;
    v_lower bigint := p_ino;
    v_rel bytea;
    n record;
BEGIN
    SELECT convert_to(k.mount_path, 'UTF8') INTO v_mount FROM tarbox.composition k
     WHERE k.tenant_id = tarbox._tenant_id() AND k.compose_id = p_compose;
    IF tarbox._compose_is_cow(p_compose) THEN
        n := tarbox._cow_node(p_compose, p_ino);
        IF n.upper IS NOT NULL THEN
            RETURN tarbox._path_bytes(tarbox._tenant_id(), n.upper, (tarbox._ctx(NULL, false)).layer);
        END IF;
        v_lower := n.lower;
    END IF;
    v_rel := tarbox._path_bytes(c.tenant_id, v_lower, c.layer);
    RETURN CASE WHEN v_rel IS NULL THEN NULL WHEN v_rel = '\x2f'::bytea THEN v_mount ELSE v_mount || v_rel END;
END
$$;
ALTER FUNCTION tarbox._compose_path_bytes(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_path_bytes(int, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION tarbox._compose_path(p_compose int, p_ino bigint) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN tarbox._name_text(tarbox._compose_path_bytes(p_compose, p_ino));
END
$$;
ALTER FUNCTION tarbox._compose_path(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_path(int, bigint) FROM PUBLIC;
