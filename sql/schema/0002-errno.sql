-- tarbox.errno: the one table that maps a POSIX errno to the SQLSTATE Tarbox raises for it.
-- SQLSTATE = 'TX' || three-digit errno (Linux numbering), so the FUSE shell recovers the errno
-- from the SQLSTATE alone (tarbox_shell/errors.py). Reference data, not tenant-owned.
CREATE TABLE tarbox.errno (
    name     text PRIMARY KEY CHECK (name ~ '^E[A-Z0-9]+$'),
    num      int  NOT NULL UNIQUE CHECK (num BETWEEN 1 AND 999),
    sqlstate text GENERATED ALWAYS AS ('TX' || lpad(num::text, 3, '0')) STORED,
    meaning  text NOT NULL
);
ALTER TABLE tarbox.errno OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.errno IS
    'POSIX errno names and Linux numbers; Tarbox raises SQLSTATE TXnnn (nnn = errno) for each.';

INSERT INTO tarbox.errno (name, num, meaning) VALUES
    ('EPERM',         1, 'operation not permitted'),
    ('ENOENT',        2, 'no such file or directory'),
    ('EIO',           5, 'input/output error'),
    ('ENXIO',         6, 'no such device or address'),
    ('E2BIG',         7, 'argument list too long'),
    ('EBADF',         9, 'bad file descriptor'),
    ('EACCES',       13, 'permission denied'),
    ('EBUSY',        16, 'device or resource busy'),
    ('EEXIST',       17, 'file exists'),
    ('EXDEV',        18, 'invalid cross-device link'),
    ('ENOTDIR',      20, 'not a directory'),
    ('EISDIR',       21, 'is a directory'),
    ('EINVAL',       22, 'invalid argument'),
    ('EFBIG',        27, 'file too large'),
    ('ENOSPC',       28, 'no space left on device'),
    ('EROFS',        30, 'read-only file system'),
    ('EMLINK',       31, 'too many links'),
    ('ERANGE',       34, 'numerical result out of range'),
    ('ENAMETOOLONG', 36, 'file name too long'),
    ('ENOTEMPTY',    39, 'directory not empty'),
    ('ELOOP',        40, 'too many levels of symbolic links'),
    ('ENODATA',      61, 'no data available (no such attribute)'),
    ('EOVERFLOW',    75, 'value too large for defined data type'),
    ('EILSEQ',       84, 'invalid or incomplete multibyte or wide character'),
    ('EOPNOTSUPP',   95, 'operation not supported'),
    ('EDQUOT',      122, 'disk quota exceeded');
GRANT SELECT ON tarbox.errno TO tarbox_tenant, tarbox_admin, tarbox_maint;
