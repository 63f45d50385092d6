-- tarbox._compose_points(ctx, dir): the compositions of the calling tenant whose mount points
-- are entries of directory p_dir of its own tree at ctx.layer, as the mount lists them there
-- (tarbox_shell/fuse/dispatch.py: the composition's root under the mount point's name, and
-- nothing while the publication is not shared with the tenant): names (bytes, the mount paths'
-- last components) and composes (the compose_id at the same index, NULL for a composition whose
-- publication is no longer shared). Both NULL when no entry of p_dir is a mount point: for a
-- tenant without compositions that is one index probe of tarbox.composition; the directory's
-- path is only computed when an entry of it has the name of some mount point. Used by
-- tarbox.ls and tarbox.wasi_readdir, which list the mount point as the mount does.
CREATE OR REPLACE FUNCTION tarbox._compose_points(c tarbox._context, p_dir bigint,
                                                  OUT names bytea[], OUT composes int[])
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_dir text;
BEGIN
    SELECT array_agg(convert_to(substr(k.mount_path, length(k.mount_path) - strpos(reverse(k.mount_path), '/') + 2), 'UTF8'))
      INTO names FROM tarbox.composition k WHERE k.tenant_id = c.tenant_id;
    IF names IS NULL OR NOT EXISTS (
           SELECT 1 FROM tarbox.dentry d
            WHERE d.tenant_id = c.tenant_id AND d.parent_ino = p_dir AND d.name = ANY (names)
              AND d.born <= c.layer AND d.died > c.layer) THEN
        names := NULL;
        RETURN;
    END IF;
    v_dir := rtrim(tarbox._path_of(c.tenant_id, p_dir, c.layer), '/') || '/';
    SELECT array_agg(convert_to(substr(l.mount_path, length(v_dir) + 1), 'UTF8')),
           array_agg(CASE WHEN l.available THEN l.compose_id END)
      INTO names, composes
      FROM tarbox.compose_list() l
     WHERE left(l.mount_path, length(v_dir)) = v_dir AND strpos(substr(l.mount_path, length(v_dir) + 1), '/') = 0;
END
$$;
ALTER FUNCTION tarbox._compose_points(tarbox._context, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_points(tarbox._context, bigint) FROM PUBLIC;
