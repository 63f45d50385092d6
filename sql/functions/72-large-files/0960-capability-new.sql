-- tarbox._capability_new(prefix, tenant): a new capability secret for a URL usable without the
-- bearer token: '<prefix>_<tenant id>_<64 hex digits>' (2 x 122 random bits from
-- gen_random_uuid, as bearer tokens are made); only sha256 of it is ever stored. The tenant id
-- in front lets the gateway probe (tenant_id, hash) before it knows the tenant's role.
CREATE OR REPLACE FUNCTION tarbox._capability_new(p_prefix text, p_tenant bigint) RETURNS text
LANGUAGE sql VOLATILE
AS $$
    SELECT p_prefix || '_' || p_tenant || '_'
           || encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex')
$$;
ALTER FUNCTION tarbox._capability_new(text, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._capability_new(text, bigint) FROM PUBLIC;
