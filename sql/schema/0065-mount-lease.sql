-- Mount sessions held by a lease. A client that reaches its tenant through pooled connections
-- of another process (the WASI host in HTTP mode, whose requests `tarbox serve` runs on any
-- connection of its pool) cannot hold a session's advisory lock for its lifetime, so its
-- session is alive until lease_until instead, which the client renews while it runs
-- (tarbox.mount_lease) and ends when it stops (tarbox.mount_lease_end). A session is held
-- either by a connection (backend_pid, the lock) or by a lease (lease_until), never both.
ALTER TABLE tarbox.mount_session ALTER COLUMN backend_pid DROP NOT NULL;
ALTER TABLE tarbox.mount_session ADD COLUMN lease_until timestamptz;
ALTER TABLE tarbox.mount_session ADD CONSTRAINT mount_session_holder
    CHECK ((backend_pid IS NULL) <> (lease_until IS NULL));
COMMENT ON TABLE tarbox.mount_session IS
    'Running mounts of each tenant: alive while their session advisory lock is held (backend_pid; see tarbox.mount_register), or, for a client without a connection of its own (the WASI host over HTTP), until lease_until (tarbox.mount_lease).';
COMMENT ON COLUMN tarbox.mount_session.lease_until IS
    'A lease session: alive until this time (renewed by tarbox.mount_lease); NULL for a session held by a connection''s advisory lock.';
