-- tarbox._compose_guard(ctx, dir, name, path): refuse a path API call on a path strictly below a
-- composition of the calling tenant (tarbox.composition): the mount shows another tenant's
-- published layer there, and nothing below it is stored in the tenant's own tree. The path
-- checked is the path of inode p_dir at ctx.layer, followed by p_name when given; the mount
-- point itself passes (it is the tenant's own, empty, directory). Called by tarbox._walk next to
-- tarbox._native_guard. Costs one index probe of tarbox.composition when the tenant has none.
-- Errors: EREMOTE (TX066) naming p_path, the mount point and the publication.
CREATE OR REPLACE FUNCTION tarbox._compose_guard(c tarbox._context, p_dir bigint, p_name bytea, p_path text)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_path text;
    v record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id) THEN
        RETURN;
    END IF;
    v_path := tarbox._path_of(c.tenant_id, p_dir, c.layer);
    IF v_path IS NULL THEN
        RETURN;
    END IF;
    IF p_name IS NOT NULL THEN
        v_path := rtrim(v_path, '/') || '/' || tarbox._name_text(p_name);
    END IF;
    SELECT k.mount_path, k.publication INTO v FROM tarbox.composition k
     WHERE k.tenant_id = c.tenant_id AND left(v_path, length(k.mount_path) + 1) = k.mount_path || '/'
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EREMOTE', format(
            '%s is in the composition at %s (publication %s, read-only): it is another tenant''s published layer, served through the mount (tarbox.compose_lookup/compose_read), not stored in this tree',
            p_path, v.mount_path, v.publication));
    END IF;
END
$$;
ALTER FUNCTION tarbox._compose_guard(tarbox._context, bigint, bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_guard(tarbox._context, bigint, bytea, text) FROM PUBLIC;
