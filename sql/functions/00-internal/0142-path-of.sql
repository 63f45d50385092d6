-- tarbox._path_bytes(tenant, ino, layer): an absolute path (bytes) of an inode at a layer (for a
-- file with several hard links, the first by parent and name), walking '..' up to the root;
-- NULL when the inode is not reachable at that layer.
CREATE OR REPLACE FUNCTION tarbox._path_bytes(p_tenant bigint, p_ino bigint, p_layer int)
RETURNS bytea
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_path bytea := ''::bytea;
    v_ino bigint := p_ino;
    v_parent bigint;
    v_name bytea;
    v_depth int := 0;
BEGIN
    IF p_ino = 1 THEN
        RETURN '\x2f'::bytea;
    END IF;
    WHILE v_ino <> 1 LOOP
        SELECT d.parent_ino, d.name INTO v_parent, v_name
          FROM tarbox.dentry d
         WHERE d.tenant_id = p_tenant AND d.ino = v_ino AND d.born <= p_layer AND d.died > p_layer
         ORDER BY d.parent_ino, d.name LIMIT 1;
        IF NOT FOUND OR v_depth > 4096 THEN
            RETURN NULL;
        END IF;
        v_path := '\x2f'::bytea || v_name || v_path;
        v_ino := v_parent;
        v_depth := v_depth + 1;
    END LOOP;
    RETURN v_path;
END
$$;
ALTER FUNCTION tarbox._path_bytes(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._path_bytes(bigint, bigint, int) FROM PUBLIC;

-- tarbox._path_of(tenant, ino, layer): the same path as text for people (names that are not
-- UTF-8 shown with \xNN, see tarbox._name_text); NULL when unreachable.
CREATE OR REPLACE FUNCTION tarbox._path_of(p_tenant bigint, p_ino bigint, p_layer int)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN tarbox._name_text(tarbox._path_bytes(p_tenant, p_ino, p_layer));
END
$$;
ALTER FUNCTION tarbox._path_of(bigint, bigint, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._path_of(bigint, bigint, int) FROM PUBLIC;
