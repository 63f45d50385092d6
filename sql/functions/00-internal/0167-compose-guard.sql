-- tarbox._compose_guard(compose, path, change): refuse a call that handles only the tenant's own
-- tree (tarbox._walk) on a path strictly below composition p_compose of the calling tenant
-- (tarbox.composition): the mount shows another tenant's published layer there, which such a
-- call cannot read or change. The path API's reads and changes resolve compositions themselves
-- (tarbox._walk_core); what is left here is a change of a read-only composition (with p_change:
-- EROFS, as the mount answers) and the calls that do not serve compositions.
-- Errors: EROFS (TX030) p_change and a read-only composition; EREMOTE (TX066) otherwise, naming
-- p_path, the mount point and the publication.
CREATE OR REPLACE FUNCTION tarbox._compose_guard(p_compose int, p_path text, p_change boolean)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v record;
BEGIN
    SELECT k.mount_path, k.publication, k.mode INTO v FROM tarbox.composition k
     WHERE k.tenant_id = tarbox._tenant_id() AND k.compose_id = p_compose;
    IF coalesce(p_change, false) AND v.mode = 'ro' THEN
        PERFORM tarbox._raise('EROFS', format(
            '%s is in the read-only composition at %s (publication %s): another tenant''s published layer',
            p_path, v.mount_path, v.publication));
    END IF;
    PERFORM tarbox._raise('EREMOTE', format(
        '%s is in the composition at %s (publication %s, %s): this call does not serve compositions; the mount does (tarbox.compose_lookup, compose_read ...)',
        p_path, v.mount_path, v.publication, CASE v.mode WHEN 'ro' THEN 'read-only' ELSE 'copy-on-write' END));
END
$$;
ALTER FUNCTION tarbox._compose_guard(int, text, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_guard(int, text, boolean) FROM PUBLIC;
