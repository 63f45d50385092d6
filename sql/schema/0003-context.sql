-- Composite types shared by the functions.

-- tarbox._context: what every API call works against. layer = the layer it reads (the current
-- one, or the one asked for); head = the newest layer, the only writable one.
CREATE TYPE tarbox._context AS (tenant_id bigint, layer int, head int);
ALTER TYPE tarbox._context OWNER TO tarbox_owner;

-- tarbox.attr: an inode's attributes as FUSE and stat(2) report them. Times in nanoseconds since
-- the Unix epoch; blocks in 512-byte units; mode is st_mode (file type bits and permissions).
CREATE TYPE tarbox.attr AS (
    ino      bigint,
    mode     int,
    nlink    int,
    uid      bigint,
    gid      bigint,
    rdev     bigint,
    size     bigint,
    blocks   bigint,
    atime_ns bigint,
    mtime_ns bigint,
    ctime_ns bigint,
    btime_ns bigint
);
ALTER TYPE tarbox.attr OWNER TO tarbox_owner;
COMMENT ON TYPE tarbox.attr IS
    'Inode attributes as stat(2)/FUSE report them: st_mode, st_nlink, uid/gid, st_rdev, size (bytes), blocks (512-byte units), a/m/c/birth times in ns since the epoch.';

-- tarbox._resolved: the result of walking a path: the directory holding the last component,
-- that component, and its inode (NULL when it does not exist).
CREATE TYPE tarbox._resolved AS (parent bigint, name bytea, ino bigint);
ALTER TYPE tarbox._resolved OWNER TO tarbox_owner;
