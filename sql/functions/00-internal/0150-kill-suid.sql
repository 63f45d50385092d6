-- tarbox._kill_suid(ctx, ino): a change of a regular file's data by a writer without
-- CAP_FSETID clears its set-user-ID bit, and its set-group-ID bit when group execution is
-- set (a set-group-ID bit without it means mandatory locking and stays), as the kernel's
-- file_remove_privs does on ext4 and tmpfs: for every write, O_APPEND ones included, and for
-- open(2) with O_TRUNC. The live row is changed in the head layer (copied on write first if it
-- was born in an older one); nothing is written when neither bit is set. Caller holds the
-- inode lock or is about to change the inode anyway.
CREATE OR REPLACE FUNCTION tarbox._kill_suid(c tarbox._context, p_ino bigint) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    FOR v_attempt IN 1..2 LOOP
        UPDATE tarbox.inode i
           SET mode = i.mode & ~(2048 | CASE WHEN (i.mode & 1032) = 1032 THEN 1024 ELSE 0 END)
         WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647 AND i.born = c.head
           AND (i.mode & 61440) = 32768 AND ((i.mode & 2048) <> 0 OR (i.mode & 1032) = 1032);
        EXIT WHEN FOUND;
        -- nothing to clear, or the live row is older than the head layer
        EXIT WHEN NOT EXISTS (SELECT 1 FROM tarbox.inode i
                               WHERE i.tenant_id = c.tenant_id AND i.ino = p_ino AND i.died = 2147483647
                                 AND i.born <> c.head AND (i.mode & 61440) = 32768
                                 AND ((i.mode & 2048) <> 0 OR (i.mode & 1032) = 1032));
        PERFORM tarbox._inode_cow(c.tenant_id, c.head, p_ino);
    END LOOP;
END
$$;
ALTER FUNCTION tarbox._kill_suid(tarbox._context, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._kill_suid(tarbox._context, bigint) FROM PUBLIC;

-- tarbox._writer_unprivileged(ctx): whether the path API's writer (the tenant's default owner,
-- who owns what the path API creates) lacks CAP_FSETID: true unless that owner is root.
CREATE OR REPLACE FUNCTION tarbox._writer_unprivileged(c tarbox._context) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT coalesce((SELECT t.default_uid <> 0 FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id), false) $$;
ALTER FUNCTION tarbox._writer_unprivileged(tarbox._context) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._writer_unprivileged(tarbox._context) FROM PUBLIC;
