-- tarbox._native_point(ctx, dir, name): the native mount whose mount point is exactly the path of
-- inode p_dir (followed by p_name when given) at ctx.layer, for tarbox.stat and tarbox.ls; NULL
-- fields when there is none (or the tenant has no native mount: one probe). Only stored
-- definitions count (a mount's --config entries are not known to SQL).
-- Returns (mount_path, source_path expanded without {user}, mode).
CREATE OR REPLACE FUNCTION tarbox._native_point(c tarbox._context, p_dir bigint, p_name bytea,
                                                OUT mount_path text, OUT source_path text, OUT mode text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_path text;
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
    SELECT b.mount_path, b.source_path, b.mode INTO mount_path, source_path, mode
      FROM tarbox._native_best(c.tenant_id, v_path, NULL, NULL) b WHERE b.match = 'exact';
END
$$;
ALTER FUNCTION tarbox._native_point(tarbox._context, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_point(tarbox._context, bigint, bytea) FROM PUBLIC;
