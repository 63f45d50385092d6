-- tarbox._upload_expire(tenant, head): drop the tenant's download URLs and upload sessions
-- that expired or whose bearer token was revoked or expired, with every inode each dropped
-- session staged: its file and each chunk's staging inode (tarbox._upload_drop; purged from
-- layer head; left to tarbox.purge_orphans while another mount of the tenant runs, as any
-- orphan). Run by the calls that create capabilities and by tarbox.gc,
-- so an abandoned upload leaves no rows behind. Caller holds the tenant's layer lock (shared).
-- Returns the number of sessions dropped.
CREATE OR REPLACE FUNCTION tarbox._upload_expire(p_tenant bigint, p_head int) RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
    v_sid bigint;
    v_n int := 0;
BEGIN
    DELETE FROM tarbox.download_url d
     WHERE d.tenant_id = p_tenant
       AND (d.expires_at <= now()
            OR NOT EXISTS (SELECT 1 FROM tarbox.token k
                            WHERE k.tenant_id = p_tenant AND k.token_id = d.token_id
                              AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())));
    -- each session with every inode it staged (its file and its chunks' staging inodes)
    FOR v_sid IN
        SELECT s.session_id FROM tarbox.upload_session s
         WHERE s.tenant_id = p_tenant
           AND (s.expires_at <= now()
                OR NOT EXISTS (SELECT 1 FROM tarbox.token k
                                WHERE k.tenant_id = p_tenant AND k.token_id = s.token_id
                                  AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())))
         ORDER BY s.session_id
           FOR UPDATE
    LOOP
        PERFORM tarbox._upload_drop(p_tenant, p_head, v_sid);
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END
$$;
ALTER FUNCTION tarbox._upload_expire(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._upload_expire(bigint, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._upload_expire(bigint, int) TO tarbox_maint;  -- tarbox.tenant_gc expires upload sessions (tarbox._upload_expire)

-- tarbox._upload_limits(): the bounds of the large-file protocol: chunk size (bytes; one read
-- or write call's maximum, so a chunk is hashed in one read), open upload sessions and live
-- download URLs per tenant, and how long a session and a download URL live.
CREATE OR REPLACE FUNCTION tarbox._upload_limits(OUT chunk_size bigint, OUT max_sessions int,
                                                 OUT max_downloads int, OUT session_ttl interval,
                                                 OUT download_ttl interval, OUT max_chunks int)
LANGUAGE sql IMMUTABLE
AS $$ SELECT tarbox._io_max(), 8, 256, interval '1 hour', interval '15 minutes', 65536 $$;
ALTER FUNCTION tarbox._upload_limits() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._upload_limits() FROM PUBLIC;
