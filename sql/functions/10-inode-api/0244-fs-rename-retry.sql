-- tarbox._do_fs_rename(...): tarbox._fs_rename_once, attempted again (up to 5 times in all)
-- when PostgreSQL breaks a deadlock by aborting it (40P01). Renames lock the two parents, then
-- the source and the target, each pair in inode order; the child of one rename can be a parent
-- of another (directories moved into each other), so two renames can wait for each other's
-- inode lock. The attempt runs in a subtransaction: the victim's rollback releases its locks,
-- the other rename goes on, and the victim's next attempt waits for it and then sees its result
-- (READ COMMITTED: every statement reads what committed before it). Seen in
-- tests/security/test_rename_race.py (SQL sessions moving a pool of directories into each
-- other while two mounts race crossing pairs), which fails on any error outside class TX.
CREATE OR REPLACE FUNCTION tarbox._do_fs_rename(p_parent bigint, p_name bytea, p_newparent bigint,
                                                p_newname bytea, p_flags int DEFAULT 0)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    FOR attempt IN 1 .. 5 LOOP
        BEGIN
            PERFORM tarbox._fs_rename_once(p_parent, p_name, p_newparent, p_newname, p_flags);
            RETURN;
        EXCEPTION WHEN deadlock_detected THEN
            IF attempt = 5 THEN
                RAISE;
            END IF;
        END;
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._do_fs_rename(bigint, bytea, bigint, bytea, int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_rename(bigint, bytea, bigint, bytea, int) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_rename(bigint, bytea, bigint, bytea, int) IS
'FUSE rename / renameat2(2), atomic: move entry p_name of directory p_parent to p_newname of p_newparent (names are bytes), replacing a compatible target. p_flags: 0, 1 = RENAME_NOREPLACE (EEXIST if the target exists), 2 = RENAME_EXCHANGE (swap two existing entries). Renaming onto another link of the same inode does nothing. Renames that move a directory to another parent are serialised per tenant (so that two of them can never detach a cycle of directories from the root). A deadlock with another rename (40P01) is retried, up to 5 attempts. Errors: ENOENT (TX002), EEXIST (TX017), ENOTDIR (TX020), EISDIR (TX021), ENOTEMPTY (TX039), EINVAL (TX022) directory into its own subtree or bad flags, EBUSY (TX016) ''.''/''..'', ENAMETOOLONG (TX036), EROFS (TX030).';
