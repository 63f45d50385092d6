-- tarbox.xattr: versioned extended attributes (born <= layer < died). Names 1..255 bytes,
-- values up to 64 KiB, as Linux limits them (XATTR_NAME_MAX, XATTR_SIZE_MAX).
CREATE TABLE tarbox.xattr (
    tenant_id bigint NOT NULL,
    ino       bigint NOT NULL CHECK (ino >= 1),
    name      bytea  NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 255
                                     AND position('\x00'::bytea IN name) = 0),
    born      int    NOT NULL CHECK (born >= 1),
    died      int    NOT NULL DEFAULT 2147483647,
    value     bytea  NOT NULL CHECK (octet_length(value) <= 65536),
    PRIMARY KEY (tenant_id, ino, name, born),
    CONSTRAINT xattr_lifetime CHECK (born < died)
);
ALTER TABLE tarbox.xattr OWNER TO tarbox_owner;
CREATE UNIQUE INDEX xattr_live ON tarbox.xattr (tenant_id, ino, name) WHERE died = 2147483647;
COMMENT ON TABLE tarbox.xattr IS 'Versioned extended attributes (born <= layer < died).';

ALTER TABLE tarbox.xattr ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.xattr FORCE ROW LEVEL SECURITY;
CREATE POLICY xattr_own ON tarbox.xattr
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.xattr TO tarbox_tenant;
GRANT ALL ON tarbox.xattr TO tarbox_maint;
