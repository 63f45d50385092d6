-- tarbox._native_check(mount_path, source_path, mode): validate one native mount definition
-- with messages a person can act on (the CHECK constraints of tarbox.native_mount are the
-- backstop). mount_path: absolute, normalised (no '.', '..', '//' or trailing '/'), not '/',
-- not under /.tarbox, components of at most 255 bytes, at most 4096 bytes. source_path:
-- absolute, no '..' component, only the variables {tenant_id} {tenant} {mount_id} {user}.
-- mode: 'ro' or 'rw'. Errors: EINVAL (TX022) naming the field and the reason.
CREATE OR REPLACE FUNCTION tarbox._native_check(p_mount_path text, p_source_path text, p_mode text)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_part text;
BEGIN
    IF p_mount_path IS NULL OR p_mount_path !~ '^/' THEN
        PERFORM tarbox._raise('EINVAL', format('mount_path %L must be an absolute path', p_mount_path));
    ELSIF p_mount_path = '/' THEN
        PERFORM tarbox._raise('EINVAL', 'mount_path / is the tenant''s own root: a native mount needs a directory below it');
    ELSIF p_mount_path ~ '//' OR p_mount_path ~ '/$' OR p_mount_path ~ '(^|/)\.\.?(/|$)' THEN
        PERFORM tarbox._raise('EINVAL', format('mount_path %L is not normalised (no ., .., // or trailing /)', p_mount_path));
    ELSIF p_mount_path ~ '^/\.tarbox(/|$)' THEN
        PERFORM tarbox._raise('EINVAL', format('mount_path %L is inside the control directory /.tarbox', p_mount_path));
    ELSIF octet_length(p_mount_path) > 4096 THEN
        PERFORM tarbox._raise('EINVAL', format('mount_path is %s bytes; the limit is 4096', octet_length(p_mount_path)));
    END IF;
    FOREACH v_part IN ARRAY string_to_array(substr(p_mount_path, 2), '/') LOOP
        IF octet_length(v_part) > 255 THEN
            PERFORM tarbox._raise('EINVAL', format('mount_path %L has a component of %s bytes; the limit is 255',
                                                   p_mount_path, octet_length(v_part)));
        END IF;
    END LOOP;
    IF p_source_path IS NULL OR p_source_path !~ '^/' THEN
        PERFORM tarbox._raise('EINVAL', format('source_path %L must be an absolute host path', p_source_path));
    ELSIF p_source_path ~ '(^|/)\.\.(/|$)' THEN
        PERFORM tarbox._raise('EINVAL', format('source_path %L contains a .. component', p_source_path));
    ELSIF octet_length(p_source_path) > 4096 THEN
        PERFORM tarbox._raise('EINVAL', format('source_path is %s bytes; the limit is 4096', octet_length(p_source_path)));
    ELSIF regexp_replace(p_source_path, '\{(tenant_id|tenant|mount_id|user)\}', '', 'g') ~ '[{}]' THEN
        PERFORM tarbox._raise('EINVAL', format(
            'source_path %L uses an unknown variable or a stray brace (known: {tenant_id} {tenant} {mount_id} {user})',
            p_source_path));
    END IF;
    IF p_mode IS NULL OR p_mode NOT IN ('ro', 'rw') THEN
        PERFORM tarbox._raise('EINVAL', format('mode %L: a native mount is ''ro'' or ''rw''', p_mode));
    END IF;
END
$$;
ALTER FUNCTION tarbox._native_check(text, text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._native_check(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._native_check(text, text, text) TO tarbox_maint;
