-- tarbox._notify(tenant, ino, parent, name): tell the tenant's mounts that inode `ino`, directory
-- `parent` and its entry `name` changed (any may be NULL), so they drop what their kernel caches
-- hold. Channel: the tenant's secret tarbox.tenant.notify_channel (LISTEN needs no privilege, so
-- a guessable channel would let other tenants watch this one's activity); payload '<backend pid> <ino|-> <parent|-> <name hex|->'.
-- Sent at commit, not at all on rollback (NOTIFY is transactional); a mount ignores the pids of
-- its own connections.
CREATE OR REPLACE FUNCTION tarbox._notify(p_tenant bigint, p_ino bigint, p_parent bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify(t.notify_channel,
                      format('%s %s %s %s', pg_backend_pid(), coalesce(p_ino::text, '-'),
                             coalesce(p_parent::text, '-'), coalesce(encode(p_name, 'hex'), '-')))
       FROM tarbox.tenant t
      WHERE t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._notify(bigint, bigint, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._notify(bigint, bigint, bigint, bytea) FROM PUBLIC;

-- tarbox._notify_layer(tenant, layer): tell the tenant's mounts that its current layer is now
-- `layer` (payload '<backend pid> layer <id>'), so they drop every cached entry and attribute.
CREATE OR REPLACE FUNCTION tarbox._notify_layer(p_tenant bigint, p_layer int)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify(t.notify_channel, format('%s layer %s', pg_backend_pid(), p_layer))
       FROM tarbox.tenant t
      WHERE t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._notify_layer(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._notify_layer(bigint, int) FROM PUBLIC;
