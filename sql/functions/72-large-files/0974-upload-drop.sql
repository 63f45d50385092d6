-- tarbox._upload_drop(tenant, head, session): end upload session p_session of tenant p_tenant
-- without completing it: its chunk rows go (waiting for a chunk PUT in flight: lock order
-- session, chunks, then inodes), then its row, and every inode it staged (the file of the
-- session and each chunk's staging inode, migration 0150) is purged from layer p_head, in
-- inode number order (left to tarbox.purge_orphans while another mount of the tenant runs, as
-- any orphan). Caller holds the session's row lock. tarbox.remote_upload_abort and
-- tarbox._upload_expire (which tarbox.gc and tarbox.tenant_gc run). Returns the number of
-- inodes purged or left to purge.
CREATE OR REPLACE FUNCTION tarbox._upload_drop(p_tenant bigint, p_head int, p_session bigint) RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
    v_inos bigint[];
    v_ino bigint;
BEGIN
    WITH d AS (
        DELETE FROM tarbox.upload_chunk x
         WHERE x.tenant_id = p_tenant AND x.session_id = p_session
        RETURNING x.ino)
    SELECT coalesce(array_agg(d.ino) FILTER (WHERE d.ino IS NOT NULL), '{}') INTO v_inos FROM d;
    WITH d AS (
        DELETE FROM tarbox.upload_session x
         WHERE x.tenant_id = p_tenant AND x.session_id = p_session
        RETURNING x.ino)
    SELECT v_inos || coalesce(array_agg(d.ino), '{}') INTO v_inos FROM d;
    FOR v_ino IN SELECT i FROM unnest(v_inos) i ORDER BY i LOOP
        PERFORM tarbox._lock_inode(p_tenant, v_ino);
        PERFORM tarbox._purge(p_tenant, p_head, v_ino);
    END LOOP;
    RETURN cardinality(v_inos);
END
$$;
ALTER FUNCTION tarbox._upload_drop(bigint, int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._upload_drop(bigint, int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._upload_drop(bigint, int, bigint) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)
