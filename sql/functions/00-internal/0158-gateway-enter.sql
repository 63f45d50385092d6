-- tarbox._gateway_enter(token, write): the first statement of every HTTP request's transaction,
-- run by the gateway role (tarbox_gateway, the only one granted it). Checks the bearer token
-- (tarbox.tenant_token_auth) and makes the rest of the transaction act as the token's tenant
-- role: set_config('role', ..., true) is SET LOCAL ROLE, undone at commit or rollback, so no
-- pooled connection carries a tenant into another request. Not SECURITY DEFINER (PostgreSQL
-- refuses to change the role inside one; the gateway is a member of every tenant role). A
-- request that only reads (p_write false) also becomes a read-only transaction, so PostgreSQL
-- itself refuses any write in it (SQLSTATE 25006); a read-only token refuses p_write.
-- Returns the token's read-only flag. Errors: 28000 (unauthorized token), EROFS (a change with
-- a read-only token).
CREATE OR REPLACE FUNCTION tarbox._gateway_enter(p_token text, p_write boolean)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    a record;
BEGIN
    SELECT * INTO a FROM tarbox.tenant_token_auth(p_token);
    IF p_write AND a.read_only THEN
        -- raised here, as the gateway: tarbox._raise is for the API's own functions
        RAISE EXCEPTION USING ERRCODE = 'TX030', HINT = 'EROFS (errno 30)',
            MESSAGE = 'this bearer token is read-only: changes are refused';
    END IF;
    PERFORM pg_catalog.set_config('role', a.role_name, true);
    IF NOT p_write THEN
        PERFORM pg_catalog.set_config('transaction_read_only', 'on', true);
    END IF;
    RETURN a.read_only;
END
$$;
ALTER FUNCTION tarbox._gateway_enter(text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._gateway_enter(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._gateway_enter(text, boolean) TO tarbox_gateway;
