-- tarbox._dentry_cookie(name): the readdir offset of a name, a 62-bit hash offset past 2 (the
-- offsets of '.' and '..'). It depends on the name only, so an offset handed to the kernel stays
-- valid across concurrent inserts and deletes and across layers.
CREATE FUNCTION tarbox._dentry_cookie(p_name bytea) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT (('x' || pg_catalog.substr(pg_catalog.md5(p_name), 1, 16))::bit(64)::bigint
            & 4611686018427387903) + 3
$$;
ALTER FUNCTION tarbox._dentry_cookie(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._dentry_cookie(bytea) FROM PUBLIC;

-- tarbox.dentry: versioned directory entries (born <= layer < died). A name is any byte string
-- of 1..255 bytes without '/' and NUL, other than '.' and '..'.
CREATE TABLE tarbox.dentry (
    tenant_id  bigint NOT NULL,
    parent_ino bigint NOT NULL CHECK (parent_ino >= 1),
    name       bytea  NOT NULL,
    born       int    NOT NULL CHECK (born >= 1),
    died       int    NOT NULL DEFAULT 2147483647,
    ino        bigint NOT NULL CHECK (ino > 1),
    cookie     bigint NOT NULL GENERATED ALWAYS AS (tarbox._dentry_cookie(name)) STORED,
    PRIMARY KEY (tenant_id, parent_ino, name, born),
    CONSTRAINT dentry_lifetime CHECK (born < died),
    CONSTRAINT dentry_name CHECK (octet_length(name) BETWEEN 1 AND 255
                                  AND position('\x2f'::bytea IN name) = 0
                                  AND position('\x00'::bytea IN name) = 0
                                  AND name NOT IN ('\x2e'::bytea, '\x2e2e'::bytea)),
    CONSTRAINT dentry_not_self CHECK (ino <> parent_ino)
);
ALTER TABLE tarbox.dentry OWNER TO tarbox_owner;
CREATE UNIQUE INDEX dentry_live ON tarbox.dentry (tenant_id, parent_ino, name) WHERE died = 2147483647;
CREATE INDEX dentry_readdir ON tarbox.dentry (tenant_id, parent_ino, cookie);
CREATE INDEX dentry_by_ino ON tarbox.dentry (tenant_id, ino, born);
COMMENT ON TABLE tarbox.dentry IS
    'Versioned directory entries (born <= layer < died); cookie is the stable readdir offset of the name.';

ALTER TABLE tarbox.dentry ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.dentry FORCE ROW LEVEL SECURITY;
CREATE POLICY dentry_own ON tarbox.dentry
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.dentry TO tarbox_tenant;
GRANT ALL ON tarbox.dentry TO tarbox_maint;
