-- tarbox._caller_token(token): the id of bearer token p_token (text) if it is a live token of
-- the calling tenant (not revoked, not expired), with its expiry. The HTTP routes that hand out
-- capabilities pass the request's token again, so that each capability is tied to the token
-- that asked for it and dies with it. Errors: EACCES (TX013) not a live token of this tenant.
CREATE OR REPLACE FUNCTION tarbox._caller_token(c tarbox._context, p_token text,
                                                OUT token_id bigint, OUT expires_at timestamptz)
LANGUAGE plpgsql
AS $$
BEGIN
    SELECT k.token_id, k.expires_at INTO token_id, expires_at
      FROM tarbox.token k
     WHERE k.tenant_id = c.tenant_id AND k.hash = sha256(convert_to(coalesce(p_token, ''), 'UTF8'))
       AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now());
    IF NOT FOUND THEN
        PERFORM tarbox._raise('EACCES', 'the bearer token given is not a live token of this tenant');
    END IF;
END
$$;
ALTER FUNCTION tarbox._caller_token(tarbox._context, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._caller_token(tarbox._context, text) FROM PUBLIC;
