-- tarbox.tenant.lock_key: the key of the tenant's advisory locks (the layer lock that writes
-- hold shared and checkpoints exclusively, the rename lock, the mount session locks). Random
-- and secret, not the tenant id: pg_locks is readable by every role, and a key that names the
-- tenant would tell anyone which backends (which mounts) work for which tenant. The tenant
-- reads its own key through row-level security; tenants cannot take advisory locks at all
-- (0000-bootstrap.sql revokes the functions), so knowing a key gives no power.
-- 60 random bits of gen_random_uuid() (its version nibble skipped); a collision between two
-- tenants would only make them wait for each other's checkpoints (probability ~2^-60 per pair).
CREATE FUNCTION tarbox._random_key() RETURNS bigint
LANGUAGE sql VOLATILE
AS $$
    SELECT ('x' || substr(u, 1, 12) || substr(u, 14, 4))::bit(64)::bigint
      FROM (SELECT replace(gen_random_uuid()::text, '-', '') AS u) r
$$;
ALTER FUNCTION tarbox._random_key() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._random_key() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._random_key() TO tarbox_maint;

ALTER TABLE tarbox.tenant ADD COLUMN lock_key bigint;
UPDATE tarbox.tenant SET lock_key = tarbox._random_key();
ALTER TABLE tarbox.tenant ALTER COLUMN lock_key SET DEFAULT tarbox._random_key();
ALTER TABLE tarbox.tenant ALTER COLUMN lock_key SET NOT NULL;
COMMENT ON COLUMN tarbox.tenant.lock_key IS
    'Secret random key of the tenant''s advisory locks (layer lock, rename lock, mount sessions); not derived from tenant_id so that pg_locks does not tell who holds them.';
