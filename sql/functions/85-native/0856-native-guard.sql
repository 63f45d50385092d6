-- tarbox._native_guard(ctx, dir, name, path): refuse a path API call on a path strictly below a
-- native mount of the calling tenant (shared or its own, enabled, in tarbox.native_mount): that
-- path is served by the host through the FUSE mount, and nothing below a native mount is stored
-- in Tarbox. The path checked is the path of inode p_dir at ctx.layer, followed by p_name when
-- given. The mount point itself passes (tarbox.stat and tarbox.ls report it as a native mount).
-- Costs one probe of tarbox.native_mount when the tenant has no native mount.
-- Errors: EREMOTE (TX066) naming p_path, the mount point and its host directory.
CREATE OR REPLACE FUNCTION tarbox._native_guard(c tarbox._context, p_dir bigint, p_name bytea, p_path text)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_path text;
    v record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tarbox.native_mount m
                    WHERE m.enabled AND (m.tenant IS NULL OR m.tenant = c.tenant_id)) THEN
        RETURN;
    END IF;
    v_path := tarbox._path_of(c.tenant_id, p_dir, c.layer);
    IF v_path IS NULL THEN
        RETURN;
    END IF;
    IF p_name IS NOT NULL THEN
        v_path := rtrim(v_path, '/') || '/' || tarbox._name_text(p_name);
    END IF;
    SELECT * INTO v FROM tarbox._native_best(c.tenant_id, v_path, NULL, NULL) b WHERE b.match = 'prefix';
    IF FOUND THEN
        PERFORM tarbox._raise('EREMOTE', format(
            '%s is on the native mount %s (host directory %s): the host serves it through the FUSE mount; it is not stored in Tarbox',
            p_path, v.mount_path, v.source_path));
    END IF;
END
$$;
ALTER FUNCTION tarbox._native_guard(tarbox._context, bigint, bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_guard(tarbox._context, bigint, bytea, text) FROM PUBLIC;
