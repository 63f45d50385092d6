CREATE OR REPLACE FUNCTION tarbox.remote_download_url(p_token text, p_path bytea,
                                                      OUT secret text, OUT expires_at timestamptz,
                                                      OUT size bigint, OUT etag text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
    k record := tarbox._caller_token(c, p_token);
    l record := tarbox._upload_limits();
    w record;
    e tarbox.entry;
BEGIN
    IF c.layer <> c.head THEN
        PERFORM tarbox._raise('EROFS', 'download URLs are made for the newest layer only');
    END IF;
    w := tarbox._walk_core(c, p_path, true);
    IF w.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
    ELSIF w.compose IS NOT NULL THEN
        -- in a composition: the file the mount shows, named by the number the mount shows
        -- (its etag 'k<compose>:...' changes whenever what the mount shows does)
        e := tarbox._compose_entry(w.compose, w.ino, w.name);
    ELSE
        e := tarbox._entry_at(c.tenant_id, w.ino, c.head, w.name);
    END IF;
    IF e.type = 'dir' THEN
        PERFORM tarbox._raise('EISDIR', format('%s is a directory', tarbox._name_text(p_path)));
    ELSIF e.type <> 'file' THEN
        PERFORM tarbox._raise('EINVAL', format('%s is not a regular file', tarbox._name_text(p_path)));
    END IF;
    DELETE FROM tarbox.download_url d WHERE d.tenant_id = c.tenant_id AND d.expires_at <= now();
    IF (SELECT count(*) FROM tarbox.download_url d WHERE d.tenant_id = c.tenant_id) >= l.max_downloads THEN
        PERFORM tarbox._raise('EMFILE', format('this tenant already has %s live download URLs; wait until some expire (%s)',
                                               l.max_downloads, l.download_ttl));
    END IF;
    secret := tarbox._capability_new('tbd', c.tenant_id);
    expires_at := least(now() + l.download_ttl, k.expires_at);
    INSERT INTO tarbox.download_url (tenant_id, hash, token_id, ino, etag, expires_at)
    VALUES (c.tenant_id, sha256(convert_to(secret, 'UTF8')), k.token_id, e.ino, e.etag, expires_at);
    size := e.size;
    etag := e.etag;
END
$$;
ALTER FUNCTION tarbox.remote_download_url(text, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_download_url(text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_download_url(text, bytea) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_download_url(text, bytea) IS
'Remote API (GET /fs/download-url). A capability to read the current version of the regular file at absolute path p_path (bytes; links followed) without the bearer token: p_token is the caller''s bearer token (text), to which the capability is tied (revoking or expiry of the token ends it). Returns (secret, expires_at, size, etag): secret (tbd_<tenant>_<64 hex>) is shown only here, only its SHA-256 is stored; it reads this inode at this etag only (tarbox.remote_download_read; ESTALE once the file changes) until expires_at (15 minutes, or the token''s expiry if sooner). A file in a composition is the one the mount shows (tarbox._compose_entry), named by the number the mount shows; the URL stops working (ESTALE) once what the mount shows there changes (a copy-up, a write) and (ENOENT) once the publication is no longer shared. At most 256 live download URLs per tenant; expired ones are dropped here. Allowed to read-only tokens (the gateway enters with tarbox._gateway_enter_issue). Errors: EACCES (TX013) p_token is not a live token of the caller, ENOENT (TX002), EISDIR (TX021), EINVAL (TX022) not a regular file, EMFILE (TX024) too many live download URLs, EROFS (TX030) a historical layer is selected.';
