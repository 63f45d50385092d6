-- tarbox._block_store(tenant, data): store one block's bytes (1..65536) content-addressed and
-- return its sha256. Storing content the tenant already holds writes nothing.
CREATE OR REPLACE FUNCTION tarbox._block_store(p_tenant bigint, p_data bytea) RETURNS bytea
LANGUAGE plpgsql
AS $$
DECLARE
    v_hash bytea := sha256(p_data);
BEGIN
    INSERT INTO tarbox.block (tenant_id, hash, data) VALUES (p_tenant, v_hash, p_data)
    ON CONFLICT (tenant_id, hash) DO NOTHING;
    RETURN v_hash;
END
$$;
ALTER FUNCTION tarbox._block_store(bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._block_store(bigint, bytea) FROM PUBLIC;
