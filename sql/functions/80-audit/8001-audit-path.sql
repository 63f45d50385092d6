-- tarbox._audit_text(bytes): bytes as text for the audit log: ASCII as is (the cheap common
-- case, no subtransaction), anything else as tarbox._name_text shows it (UTF-8 as is, other
-- bytes as \xNN).
CREATE OR REPLACE FUNCTION tarbox._audit_text(p_bytes bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
DECLARE
    v text := encode(p_bytes, 'escape');  -- bytes >= 0x80 and NUL become \nnn, '\' becomes '\\'
BEGIN
    IF strpos(v, '\') = 0 THEN
        RETURN v;
    END IF;
    RETURN tarbox._name_text(p_bytes);
END
$$;
ALTER FUNCTION tarbox._audit_text(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_text(bytea) FROM PUBLIC;

-- tarbox._audit_path_of(tenant, ino, layer): the absolute path of an inode at a layer, as text
-- (tarbox._audit_text), built in one statement that climbs the directory entries to the root
-- (one index probe per level); for an inode with several names, the first by parent and name.
-- NULL when the inode is not reachable from the root at that layer (unlinked, or absent).
-- A number a composition of the calling tenant shows (2^56 and above, the WASI and inode
-- API take them) is the path the mount shows it at (tarbox._compose_path), NULL when that
-- composition is gone or no longer shared.
CREATE OR REPLACE FUNCTION tarbox._audit_path_of(p_tenant bigint, p_ino bigint, p_layer int) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_path bytea;
    v_top bigint;
    k record;
BEGIN
    IF p_ino IS NULL THEN
        RETURN NULL;
    ELSIF p_ino = 1 THEN
        RETURN '/';
    ELSIF p_ino >= 72057594037927936 THEN
        BEGIN
            k := tarbox._compose_number(p_ino);
            RETURN tarbox._compose_path(k.compose, k.n);
        EXCEPTION WHEN SQLSTATE 'TX002' THEN
            RETURN NULL;
        END;
    END IF;
    WITH RECURSIVE up (ino, path, depth) AS (
            SELECT p_ino, ''::bytea, 0
        UNION ALL
            SELECT e.parent_ino, '\x2f'::bytea || e.name || u.path, u.depth + 1
              FROM up u
              CROSS JOIN LATERAL (
                    SELECT d.parent_ino, d.name FROM tarbox.dentry d
                     WHERE d.tenant_id = p_tenant AND d.ino = u.ino
                       AND d.born <= p_layer AND d.died > p_layer
                     ORDER BY d.parent_ino, d.name LIMIT 1) e
             WHERE u.ino <> 1 AND u.depth < 2048)
    SELECT u.path, u.ino INTO v_path, v_top FROM up u ORDER BY u.depth DESC LIMIT 1;
    IF v_top IS DISTINCT FROM 1 THEN
        RETURN NULL;
    END IF;
    RETURN tarbox._audit_text(v_path);
END
$$;
ALTER FUNCTION tarbox._audit_path_of(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_path_of(bigint, bigint, int) FROM PUBLIC;

-- tarbox._audit_clean_path(path): an absolute path given to the path API, made lexically
-- canonical for the log and for path-level matching: '//' and '.' dropped, '..' applied,
-- no trailing '/'. Symbolic links are not resolved (a call through a link is recorded under
-- the link's path). NULL for NULL or a relative path.
CREATE OR REPLACE FUNCTION tarbox._audit_clean_path(p_path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    v_out text[] := '{}';
    v_part text;
BEGIN
    IF p_path IS NULL OR left(p_path, 1) <> '/' THEN
        RETURN p_path;
    END IF;
    IF strpos(p_path, '/.') = 0 AND strpos(p_path, '//') = 0 AND (p_path = '/' OR right(p_path, 1) <> '/') THEN
        RETURN p_path;  -- already canonical (the common case)
    END IF;
    FOREACH v_part IN ARRAY string_to_array(p_path, '/') LOOP
        IF v_part = '..' THEN
            v_out := v_out[1:cardinality(v_out) - 1];
        ELSIF v_part <> '' AND v_part <> '.' THEN
            v_out := v_out || v_part;
        END IF;
    END LOOP;
    RETURN '/' || array_to_string(v_out, '/');
END
$$;
ALTER FUNCTION tarbox._audit_clean_path(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._audit_clean_path(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._audit_clean_path(text) TO tarbox_maint;
