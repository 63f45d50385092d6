-- 0160: tarbox.inode's twenty CHECK constraints become one, which calls tarbox._inode_valid.
--
-- Why: PostgreSQL keeps a CHECK constraint as the text of its expression tree and, on every
-- INSERT and UPDATE statement, reads that text back into a tree and prepares it again
-- (ExecRelCheck: stringToNode and ExecPrepareExpr once per statement execution, not once per
-- session). inode had 16.8 kB of such text; every change of a file writes inode at least once
-- (its size, times or link count, and its directory's times), in statements of their own.
-- perf of committed fs_setattr calls (pgbench, as a tenant): ExecConstraints 16% of the
-- backend's CPU, stringToNode 10%. A one-row UPDATE (pgbench -M prepared, synchronous_commit
-- off, a copy of tarbox.inode): 0.16-0.18 ms with the twenty CHECKs, 0.09 ms with this one,
-- 0.06 ms with none. A PL/pgSQL function is parsed once per session and its expression
-- prepared once per transaction; the CHECK's own tree is now one call of one whole-row Var.
--
-- The invariants are unchanged and keep their names: a row that breaks one fails with
-- SQLSTATE 23514 (check_violation) and the message PostgreSQL gave for the constraint of that
-- name ('new row for relation "inode" violates check constraint "inode_file_type"'), with the
-- constraint name in the error's CONSTRAINT field.
CREATE FUNCTION tarbox._inode_valid(i tarbox.inode) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_type int := i.mode & 61440;  -- S_IFMT
    v_bad text;
BEGIN
    -- One expression for the common case (every invariant holds); NULL (a NULL in a NOT NULL
    -- column never reaches a CHECK) counts as holding, as in a CHECK.
    IF coalesce(i.ino >= 1 AND i.born >= 1 AND i.nlink >= 0
                AND i.uid BETWEEN 0 AND 4294967295 AND i.gid BETWEEN 0 AND 4294967295
                AND i.rdev >= 0 AND i.size >= 0 AND i.born < i.died
                AND (i.mode & ~(61440 | 4095)) = 0
                AND v_type IN (4096, 8192, 16384, 24576, 32768, 40960, 49152)
                AND (v_type = 40960) = (i.target IS NOT NULL)
                AND (i.target IS NULL OR (i.size = octet_length(i.target) AND i.size BETWEEN 1 AND 4095))
                AND (i.rdev = 0 OR v_type IN (8192, 24576))
                AND (i.size = 0 OR v_type IN (32768, 40960))
                AND (i.ino <> 1 OR v_type = 16384)
                AND i.stored >= 0 AND i.text_bytes >= 0 AND i.text_lines >= 0
                AND i.text_bytes <= i.size AND (i.text_bytes = 0 OR v_type = 32768)
                AND (i.stored = 0 OR v_type = 32768), true) THEN
        RETURN true;
    END IF;
    -- Which one: the first that is false, by the name the constraint had.
    v_bad := CASE
        WHEN (i.ino >= 1) IS FALSE THEN 'inode_ino_check'
        WHEN (i.born >= 1) IS FALSE THEN 'inode_born_check'
        WHEN (i.nlink >= 0) IS FALSE THEN 'inode_nlink_check'
        WHEN (i.uid BETWEEN 0 AND 4294967295) IS FALSE THEN 'inode_uid_check'
        WHEN (i.gid BETWEEN 0 AND 4294967295) IS FALSE THEN 'inode_gid_check'
        WHEN (i.rdev >= 0) IS FALSE THEN 'inode_rdev_check'
        WHEN (i.size >= 0) IS FALSE THEN 'inode_size_check'
        WHEN (i.born < i.died) IS FALSE THEN 'inode_lifetime'
        WHEN ((i.mode & ~(61440 | 4095)) = 0) IS FALSE THEN 'inode_mode_bits'
        WHEN (v_type IN (4096, 8192, 16384, 24576, 32768, 40960, 49152)) IS FALSE THEN 'inode_file_type'
        WHEN ((v_type = 40960) = (i.target IS NOT NULL)) IS FALSE THEN 'inode_symlink_target'
        WHEN (i.target IS NULL OR (i.size = octet_length(i.target) AND i.size BETWEEN 1 AND 4095)) IS FALSE
            THEN 'inode_symlink_size'
        WHEN (i.rdev = 0 OR v_type IN (8192, 24576)) IS FALSE THEN 'inode_rdev_devices'
        WHEN (i.size = 0 OR v_type IN (32768, 40960)) IS FALSE THEN 'inode_size_files'
        WHEN (i.ino <> 1 OR v_type = 16384) IS FALSE THEN 'inode_root_dir'
        WHEN (i.stored >= 0) IS FALSE THEN 'inode_stored_check'
        WHEN (i.text_bytes >= 0) IS FALSE THEN 'inode_text_bytes_check'
        WHEN (i.text_lines >= 0) IS FALSE THEN 'inode_text_lines_check'
        WHEN (i.text_bytes <= i.size AND (i.text_bytes = 0 OR v_type = 32768)) IS FALSE THEN 'inode_text_within'
        ELSE 'inode_stored_files' END;
    RAISE EXCEPTION 'new row for relation "inode" violates check constraint "%"', v_bad
        USING ERRCODE = 'check_violation', SCHEMA = 'tarbox', TABLE = 'inode', CONSTRAINT = v_bad;
END
$$;
ALTER FUNCTION tarbox._inode_valid(tarbox.inode) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._inode_valid(tarbox.inode) FROM PUBLIC;
-- Whoever may write inode rows (the CHECK calls it with the writer's privileges).
GRANT EXECUTE ON FUNCTION tarbox._inode_valid(tarbox.inode) TO tarbox_maint, tarbox_admin;
COMMENT ON FUNCTION tarbox._inode_valid(tarbox.inode) IS
'The invariants of a tarbox.inode row (CHECK inode_valid): ino, born >= 1; nlink, rdev, size, stored, text_bytes, text_lines >= 0; uid, gid in 0..2^32-1; born < died; only file type and permission bits in mode, and a POSIX file type (S_IFIFO, S_IFCHR, S_IFDIR, S_IFBLK, S_IFREG, S_IFLNK, S_IFSOCK); a target exactly for symbolic links, of size bytes (1-4095); rdev only for devices; size only for regular files and links; inode 1 a directory; stored and text_bytes only for regular files, text_bytes <= size. Returns true, or raises SQLSTATE 23514 (check_violation) naming the invariant broken as the constraint it was until migration 0160 (e.g. inode_file_type).';

ALTER TABLE tarbox.inode
    DROP CONSTRAINT inode_ino_check, DROP CONSTRAINT inode_born_check, DROP CONSTRAINT inode_nlink_check,
    DROP CONSTRAINT inode_uid_check, DROP CONSTRAINT inode_gid_check, DROP CONSTRAINT inode_rdev_check,
    DROP CONSTRAINT inode_size_check, DROP CONSTRAINT inode_lifetime, DROP CONSTRAINT inode_mode_bits,
    DROP CONSTRAINT inode_file_type, DROP CONSTRAINT inode_symlink_target, DROP CONSTRAINT inode_symlink_size,
    DROP CONSTRAINT inode_rdev_devices, DROP CONSTRAINT inode_size_files, DROP CONSTRAINT inode_root_dir,
    DROP CONSTRAINT inode_stored_check, DROP CONSTRAINT inode_text_bytes_check,
    DROP CONSTRAINT inode_text_lines_check, DROP CONSTRAINT inode_text_within, DROP CONSTRAINT inode_stored_files,
    ADD CONSTRAINT inode_valid CHECK (tarbox._inode_valid(inode));
