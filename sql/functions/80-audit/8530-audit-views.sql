-- Views of the audit log for people and for the common questions. security_invoker: a view
-- reads with the privileges and the row-level security of whoever queries it (a tenant sees
-- its own records; the view's owner would see every tenant's). Times: ns -> timestamptz with
-- microsecond resolution, written out (tenants may call no internal function).
CREATE OR REPLACE VIEW tarbox.audit WITH (security_invoker = true) AS
SELECT l.tenant_id, (timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond') AS at, l.at_ns, l.seq, l.op, l.ok, e.name AS errno, l.message,
       l.path, l.path2, l.ino, l.layer, l.uid, l.gid, l.pid, l.role, l.client_addr, l.bytes, l.duration_ns,
       l.lines_added, l.lines_deleted, l.native, l.native_source, l.details
  FROM tarbox.audit_log l
  LEFT JOIN tarbox.errno e ON e.num = l.errno;
ALTER VIEW tarbox.audit OWNER TO tarbox_maint;
GRANT SELECT ON tarbox.audit TO tarbox_tenant, tarbox_owner;
COMMENT ON VIEW tarbox.audit IS
    'Audit records as people read them: time as timestamptz, errno by name (ENOENT...), everything else as in tarbox.audit_log.';

-- A change: an operation that alters a tenant's tree or history (the views below spell the list
-- out, as a view may call no function that tenants could not call themselves):
-- create mknod mkdir symlink link unlink rmdir rename rm write release setattr setxattr removexattr
-- layer_new layer_switch layer_drop purge import.
CREATE OR REPLACE VIEW tarbox.audit_changes_by_path WITH (security_invoker = true) AS
SELECT l.tenant_id, l.path, count(*) AS changes, count(*) FILTER (WHERE l.op = 'write') AS writes,
       coalesce(sum(l.bytes) FILTER (WHERE l.op = 'write'), 0) AS bytes_written,
       min((timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond')) AS first_at, max((timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond')) AS last_at,
       coalesce(sum(l.lines_added), 0) AS lines_added, coalesce(sum(l.lines_deleted), 0) AS lines_deleted
  FROM tarbox.audit_log l
 WHERE l.ok AND l.path IS NOT NULL AND l.op IN ('create', 'mknod', 'mkdir', 'symlink', 'link', 'unlink', 'rmdir', 'rename', 'rm', 'write', 'release',
                                                   'setattr', 'setxattr', 'removexattr', 'layer_new', 'layer_switch', 'layer_drop', 'purge', 'import')
 GROUP BY l.tenant_id, l.path;
ALTER VIEW tarbox.audit_changes_by_path OWNER TO tarbox_maint;
GRANT SELECT ON tarbox.audit_changes_by_path TO tarbox_tenant;
COMMENT ON VIEW tarbox.audit_changes_by_path IS
    'Successful changes per path: how many, how many writes and bytes written, first and last time, lines added and deleted by text changes (writes of the path API, releases of written files).';

CREATE OR REPLACE VIEW tarbox.audit_changes_by_day WITH (security_invoker = true) AS
SELECT l.tenant_id, ((timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond') AT TIME ZONE 'UTC')::date AS day, l.op,
       count(*) FILTER (WHERE l.ok) AS done, count(*) FILTER (WHERE NOT l.ok) AS failed,
       coalesce(sum(l.bytes), 0) AS bytes
  FROM tarbox.audit_log l
 GROUP BY l.tenant_id, 2, l.op;
ALTER VIEW tarbox.audit_changes_by_day OWNER TO tarbox_maint;
GRANT SELECT ON tarbox.audit_changes_by_day TO tarbox_tenant;
COMMENT ON VIEW tarbox.audit_changes_by_day IS
    'Operations per UTC day and operation: done, failed, bytes read or written.';

CREATE OR REPLACE VIEW tarbox.audit_changes_by_layer WITH (security_invoker = true) AS
SELECT l.tenant_id, l.layer, count(*) AS changes, count(DISTINCT l.path) AS paths,
       min((timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond')) AS first_at, max((timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond')) AS last_at
  FROM tarbox.audit_log l
 WHERE l.ok AND l.op IN ('create', 'mknod', 'mkdir', 'symlink', 'link', 'unlink', 'rmdir', 'rename', 'rm', 'write', 'release',
                                                   'setattr', 'setxattr', 'removexattr', 'layer_new', 'layer_switch', 'layer_drop', 'purge', 'import')
 GROUP BY l.tenant_id, l.layer;
ALTER VIEW tarbox.audit_changes_by_layer OWNER TO tarbox_maint;
GRANT SELECT ON tarbox.audit_changes_by_layer TO tarbox_tenant;
COMMENT ON VIEW tarbox.audit_changes_by_layer IS
    'Successful changes per layer: how many, on how many paths, first and last time.';

CREATE OR REPLACE VIEW tarbox.audit_last_change WITH (security_invoker = true) AS
SELECT DISTINCT ON (l.tenant_id, w.path)
       l.tenant_id, w.path, (timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond') AS at, l.op,
       l.layer, l.uid, l.gid, l.pid, l.role, l.seq
  FROM tarbox.audit_log l
 CROSS JOIN LATERAL (VALUES (l.path), (l.path2)) w (path)
 WHERE l.ok AND w.path IS NOT NULL
   AND l.op IN ('create', 'mknod', 'mkdir', 'symlink', 'link', 'unlink', 'rmdir', 'rename', 'rm', 'write', 'release',
                'setattr', 'setxattr', 'removexattr', 'layer_new', 'layer_switch', 'layer_drop', 'purge', 'import')
 ORDER BY l.tenant_id, w.path, l.at_ns DESC, l.seq DESC;
ALTER VIEW tarbox.audit_last_change OWNER TO tarbox_maint;
GRANT SELECT ON tarbox.audit_last_change TO tarbox_tenant;
COMMENT ON VIEW tarbox.audit_last_change IS
    'The last successful change of every path (as the path acted on, or as the destination of a rename or link): when, what, in which layer, by whom.';

CREATE OR REPLACE VIEW tarbox.audit_failures WITH (security_invoker = true) AS
SELECT l.tenant_id, (timestamptz 'epoch' + (l.at_ns / 1000) * interval '1 microsecond') AS at, l.op, e.name AS errno, l.message, l.path, l.path2,
       l.uid, l.gid, l.pid, l.role, l.seq
  FROM tarbox.audit_log l
  LEFT JOIN tarbox.errno e ON e.num = l.errno
 WHERE NOT l.ok;
ALTER VIEW tarbox.audit_failures OWNER TO tarbox_maint;
GRANT SELECT ON tarbox.audit_failures TO tarbox_tenant;
COMMENT ON VIEW tarbox.audit_failures IS 'Failed operations, with errno and message.';
