-- Change notifications for the tenant's mounts (the change feed), and why they may pause.
--
-- The NOTIFY queue is shared by every database of the cluster, and any role may LISTEN (no
-- privilege is needed): a tenant that listens and keeps a transaction open pins the queue
-- tail, and once the queue is full every transaction that notifies fails at commit. Tarbox
-- therefore never depends on the queue having room: its functions stop notifying while the
-- queue is fuller than tarbox._notify_limit() (0.5, or lower if the setting
-- tarbox.notify_queue_limit says so; a session can lower it for itself, never raise it), and
-- the mounts, which watch pg_notification_queue_usage(), then fall back to short kernel cache
-- timeouts (changes from elsewhere show within about a second, as without notifications)
-- until the queue has drained (tarbox_shell/fuse/operations.py, ChangeListener).

-- tarbox._notify_limit(): the queue usage (fraction, 0..0.5) above which Tarbox stops notifying.
CREATE OR REPLACE FUNCTION tarbox._notify_limit() RETURNS float8
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v text := current_setting('tarbox.notify_queue_limit', true);
BEGIN
    IF v ~ '^[0-9]{0,6}(\.[0-9]{0,17})?([eE][-+]?[0-9]{1,3})?$' AND v ~ '[0-9]' THEN
        RETURN least(v::float8, 0.5);
    END IF;
    RETURN 0.5;
END
$$;
ALTER FUNCTION tarbox._notify_limit() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._notify_limit() FROM PUBLIC;

-- tarbox._notify_needed(tenant): whether a change made by this session must be announced: not
-- when the session is a mount's (its connections carry the setting tarbox.mount_session) and
-- no other mount session of the tenant is registered, since a mount ignores its own
-- notifications and nobody else listens. A registered session whose mount died counts until it
-- is reaped (notifying too much is harmless). tarbox.mount_register waits for the tenant's
-- writes in flight, so a write that found no other mount has committed before a new mount
-- can cache anything.
CREATE OR REPLACE FUNCTION tarbox._notify_needed(p_tenant bigint) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_setting text := current_setting('tarbox.mount_session', true);
BEGIN
    IF v_setting IS NULL OR v_setting !~ '^[0-9]{1,18}$' THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT 1 FROM tarbox.mount_session s
                    WHERE s.tenant_id = p_tenant AND s.session_id <> v_setting::bigint);
END
$$;
ALTER FUNCTION tarbox._notify_needed(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._notify_needed(bigint) FROM PUBLIC;

-- tarbox._notify(tenant, ino, parent, name): tell the tenant's mounts that inode `ino`, directory
-- `parent` and its entry `name` changed (any may be NULL), so they drop what their kernel caches
-- hold. Channel: the tenant's secret tarbox.tenant.notify_channel (LISTEN needs no privilege, so
-- a guessable channel would let other tenants watch this one's activity); payload '<backend pid> <ino|-> <parent|-> <name hex|->'.
-- Sent at commit, not at all on rollback (NOTIFY is transactional); a mount ignores the pids of
-- its own connections, so nothing is sent when the only mount of the tenant made the change
-- (tarbox._notify_needed). Nothing is sent while the queue is fuller than tarbox._notify_limit().
CREATE OR REPLACE FUNCTION tarbox._notify(p_tenant bigint, p_ino bigint, p_parent bigint, p_name bytea)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT tarbox._notify_needed(p_tenant) OR pg_notification_queue_usage() >= tarbox._notify_limit() THEN
        RETURN;
    END IF;
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
-- `layer` (payload '<backend pid> layer <id>'), so they drop every cached entry and attribute
-- (not when the only mount made the change: tarbox._notify_needed).
CREATE OR REPLACE FUNCTION tarbox._notify_layer(p_tenant bigint, p_layer int)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT tarbox._notify_needed(p_tenant) OR pg_notification_queue_usage() >= tarbox._notify_limit() THEN
        RETURN;
    END IF;
    PERFORM pg_notify(t.notify_channel, format('%s layer %s', pg_backend_pid(), p_layer))
       FROM tarbox.tenant t
      WHERE t.tenant_id = p_tenant;
END
$$;
ALTER FUNCTION tarbox._notify_layer(bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._notify_layer(bigint, int) FROM PUBLIC;
