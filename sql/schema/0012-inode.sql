-- tarbox.inode: versioned inode attributes. One row per (inode, version); the version visible
-- at layer L is the one with born <= L < died (died = 2147483647 while live). A change in the
-- newest layer updates the row born there in place, or closes the older row (died = head) and
-- inserts a copy born at head (copy-on-write).
CREATE TABLE tarbox.inode (
    tenant_id bigint NOT NULL,
    ino       bigint NOT NULL CHECK (ino >= 1),
    born      int    NOT NULL CHECK (born >= 1),
    died      int    NOT NULL DEFAULT 2147483647,
    mode      int    NOT NULL,
    nlink     int    NOT NULL CHECK (nlink >= 0),
    uid       bigint NOT NULL CHECK (uid BETWEEN 0 AND 4294967295),
    gid       bigint NOT NULL CHECK (gid BETWEEN 0 AND 4294967295),
    rdev      bigint NOT NULL DEFAULT 0 CHECK (rdev >= 0),
    size      bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    atime_ns  bigint NOT NULL,
    mtime_ns  bigint NOT NULL,
    ctime_ns  bigint NOT NULL,
    btime_ns  bigint NOT NULL,
    target    bytea,
    PRIMARY KEY (tenant_id, ino, born),
    CONSTRAINT inode_lifetime CHECK (born < died),
    CONSTRAINT inode_mode_bits CHECK ((mode & ~(61440 | 4095)) = 0),
    CONSTRAINT inode_file_type CHECK ((mode & 61440) IN (4096, 8192, 16384, 24576, 32768, 40960, 49152)),
    CONSTRAINT inode_symlink_target CHECK (((mode & 61440) = 40960) = (target IS NOT NULL)),
    CONSTRAINT inode_symlink_size CHECK (target IS NULL OR (size = octet_length(target) AND size BETWEEN 1 AND 4095)),
    CONSTRAINT inode_rdev_devices CHECK (rdev = 0 OR (mode & 61440) IN (8192, 24576)),
    CONSTRAINT inode_size_files CHECK (size = 0 OR (mode & 61440) IN (32768, 40960)),
    CONSTRAINT inode_root_dir CHECK (ino <> 1 OR (mode & 61440) = 16384)
);
ALTER TABLE tarbox.inode OWNER TO tarbox_owner;
CREATE UNIQUE INDEX inode_live ON tarbox.inode (tenant_id, ino) WHERE died = 2147483647;
COMMENT ON TABLE tarbox.inode IS
    'Versioned inode attributes (born <= layer < died). Times in ns since the epoch; target = symlink target bytes.';

ALTER TABLE tarbox.inode ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.inode FORCE ROW LEVEL SECURITY;
CREATE POLICY inode_own ON tarbox.inode
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.inode TO tarbox_tenant;
GRANT ALL ON tarbox.inode TO tarbox_maint;
