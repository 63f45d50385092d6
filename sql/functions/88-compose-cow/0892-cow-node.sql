-- Copy-on-write compositions (mode cow, schema 0145-compose-cow.sql): the merged view.
-- A number shown by the mount inside a cow composition is either a publisher's inode n (the
-- publisher's entry, or the consumer's copy-up of it: tarbox.compose_origin) or the consumer's
-- own inode u shown as u + 2^39 (tarbox._cow_own_bit()), made by the consumer under the mount.
CREATE OR REPLACE FUNCTION tarbox._cow_own_bit() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT 549755813888::bigint $$;
ALTER FUNCTION tarbox._cow_own_bit() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_own_bit() FROM PUBLIC;

-- tarbox._compose_is_cow(compose): whether the calling tenant's composition p_compose is copy-on-write.
CREATE OR REPLACE FUNCTION tarbox._compose_is_cow(p_compose int) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT coalesce((SELECT k.mode = 'cow' FROM tarbox.composition k
                        WHERE k.tenant_id = tarbox._tenant_id() AND k.compose_id = p_compose), false) $$;
ALTER FUNCTION tarbox._compose_is_cow(int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_is_cow(int) FROM PUBLIC;

-- tarbox._cow_shown(compose, ino): the number the mount shows for the consumer's inode p_ino.
CREATE OR REPLACE FUNCTION tarbox._cow_shown(p_compose int, p_ino bigint) RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT coalesce((SELECT o.origin_ino FROM tarbox.compose_origin o
                        WHERE o.tenant_id = tarbox._tenant_id() AND o.compose_id = p_compose AND o.ino = p_ino),
                      p_ino + tarbox._cow_own_bit()) $$;
ALTER FUNCTION tarbox._cow_shown(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_shown(int, bigint) FROM PUBLIC;

-- tarbox._cow_whiteout(inode): whether a consumer's inode version is a whiteout (character device 0/0).
CREATE OR REPLACE FUNCTION tarbox._cow_whiteout(p_i tarbox.inode) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT (p_i.mode & 61440) = 8192 AND p_i.rdev = 0 $$;
ALTER FUNCTION tarbox._cow_whiteout(tarbox.inode) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_whiteout(tarbox.inode) FROM PUBLIC;

-- tarbox._cow_node(compose, shown ino): the two halves of a shown inode: upper, the consumer's
-- inode (its copy-up or its own; NULL while unchanged), and lower, the publisher's (NULL for the
-- consumer's own). Errors: ENOENT (TX002) neither exists.
CREATE OR REPLACE FUNCTION tarbox._cow_node(p_compose int, p_ino bigint, OUT upper bigint, OUT lower bigint)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    c tarbox._context := tarbox._compose_ctx(p_compose);
    u tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    IF p_ino >= tarbox._cow_own_bit() THEN
        upper := p_ino - tarbox._cow_own_bit();
    ELSE
        SELECT o.ino INTO upper FROM tarbox.compose_origin o
         WHERE o.tenant_id = u.tenant_id AND o.compose_id = p_compose AND o.origin_ino = p_ino;
        IF (tarbox._inode_at(c.tenant_id, p_ino, c.layer)).ino IS NOT NULL THEN
            lower := p_ino;
        END IF;
    END IF;
    IF upper IS NOT NULL AND (tarbox._inode_at(u.tenant_id, upper, u.layer)).ino IS NULL THEN
        upper := NULL;
    END IF;
    IF upper IS NULL AND lower IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist in composition %s', p_ino, p_compose));
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_node(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_node(int, bigint) FROM PUBLIC;

-- tarbox._cow_inode(compose, shown ino): the inode version the merged view shows (the
-- consumer's when it has one, else the publisher's), its ino replaced by the shown number.
CREATE OR REPLACE FUNCTION tarbox._cow_inode(p_compose int, p_ino bigint) RETURNS tarbox.inode
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    n record := tarbox._cow_node(p_compose, p_ino);
    c tarbox._context;
    v tarbox.inode;
BEGIN
    IF n.upper IS NOT NULL THEN
        c := tarbox._ctx(NULL, false);
        v := tarbox._inode_at(c.tenant_id, n.upper, c.layer);
    ELSE
        c := tarbox._compose_ctx(p_compose);
        v := tarbox._inode_at(c.tenant_id, n.lower, c.layer);
    END IF;
    v.ino := p_ino;
    RETURN v;
END
$$;
ALTER FUNCTION tarbox._cow_inode(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_inode(int, bigint) FROM PUBLIC;

-- tarbox._cow_child(compose, shown dir, name): the shown number of entry p_name of the merged
-- directory p_dir (NULL: none, or hidden by a whiteout); upper_name: the consumer's directory
-- has an entry of that name (wh: it is a whiteout); lower_ino: the publisher's entry of that name.
CREATE OR REPLACE FUNCTION tarbox._cow_child(p_compose int, p_dir bigint, p_name bytea,
    OUT shown bigint, OUT upper_ino bigint, OUT wh boolean, OUT lower_ino bigint)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    n record := tarbox._cow_node(p_compose, p_dir);
    c tarbox._context := tarbox._compose_ctx(p_compose);
    u tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    wh := false;
    IF n.upper IS NOT NULL THEN
        upper_ino := tarbox._dentry_at(u.tenant_id, n.upper, p_name, u.layer);
        IF upper_ino IS NOT NULL THEN
            wh := tarbox._cow_whiteout(tarbox._inode_at(u.tenant_id, upper_ino, u.layer));
        END IF;
    END IF;
    IF n.lower IS NOT NULL THEN
        lower_ino := tarbox._dentry_at(c.tenant_id, n.lower, p_name, c.layer);
    END IF;
    IF upper_ino IS NOT NULL THEN
        shown := CASE WHEN wh THEN NULL ELSE tarbox._cow_shown(p_compose, upper_ino) END;
    ELSE
        shown := lower_ino;
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_child(int, bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_child(int, bigint, bytea) FROM PUBLIC;

-- tarbox._cow_parent(compose, shown dir): the shown number of the merged directory's parent
-- (the publisher's parent while it has one, else the consumer's, shown).
CREATE OR REPLACE FUNCTION tarbox._cow_parent(p_compose int, p_ino bigint) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    n record := tarbox._cow_node(p_compose, p_ino);
    c tarbox._context;
BEGIN
    IF n.lower IS NOT NULL THEN
        c := tarbox._compose_ctx(p_compose);
        RETURN tarbox._parent_of(c.tenant_id, n.lower, c.layer);
    END IF;
    c := tarbox._ctx(NULL, false);
    RETURN tarbox._cow_shown(p_compose, tarbox._parent_of(c.tenant_id, n.upper, c.layer));
END
$$;
ALTER FUNCTION tarbox._cow_parent(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_parent(int, bigint) FROM PUBLIC;
