-- tarbox.mount_session: the mounts of a tenant that are running now, so that an inode unlinked
-- while one mount holds it open is not purged by another mount, by direct SQL or by a mount
-- starting up (POSIX: an unlinked file lives while it is open, on every client).
--
-- A mount registers once (tarbox.mount_register) on a connection it keeps for its lifetime and
-- holds a session-level advisory lock on (-1 - tenant_id % 2^31-1, session_id % 2^31-1) there:
-- the lock, not the row, says the mount is alive, so a mount killed with SIGKILL, or whose host
-- vanished, stops counting the moment PostgreSQL closes its connection. Rows of dead sessions
-- are removed by whoever next finds their lock free (tarbox._other_mounts_live). The first key
-- is negative, so it never meets the inode locks (tarbox._lock_inode, keys >= 0) nor the
-- tenant's layer lock (the one-bigint form).
CREATE SEQUENCE tarbox.mount_session_seq AS bigint MINVALUE 1;
ALTER SEQUENCE tarbox.mount_session_seq OWNER TO tarbox_owner;

CREATE TABLE tarbox.mount_session (
    tenant_id   bigint      NOT NULL REFERENCES tarbox.tenant (tenant_id),
    session_id  bigint      NOT NULL CHECK (session_id >= 1),
    backend_pid int         NOT NULL CHECK (backend_pid > 0),
    read_only   boolean     NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id)
);
ALTER TABLE tarbox.mount_session OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.mount_session IS
    'Running mounts of each tenant (alive while their session advisory lock is held; see tarbox.mount_register).';

ALTER TABLE tarbox.mount_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.mount_session FORCE ROW LEVEL SECURITY;
CREATE POLICY mount_session_own ON tarbox.mount_session
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.mount_session TO tarbox_tenant;
GRANT ALL ON tarbox.mount_session TO tarbox_maint;
