DROP FUNCTION IF EXISTS tarbox.fs_open(bigint, int, int);
CREATE OR REPLACE FUNCTION tarbox._do_fs_open(p_ino bigint, p_flags int, p_layer int DEFAULT NULL,
                                          p_kill_suidgid boolean DEFAULT false)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    v_flags int := coalesce(p_flags, 0);
    v_trunc boolean := (v_flags & 512) <> 0;
    v_write boolean := (v_flags & 3) <> 0 OR v_trunc;
    c tarbox._context := tarbox._ctx(p_layer, v_write);
    v tarbox.inode;
BEGIN
    IF v_trunc THEN  -- O_TRUNC changes the inode: serialise with its writers
        PERFORM tarbox._lock_inode(c.tenant_id, p_ino);
    END IF;
    v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    IF v.ino IS NULL THEN
        PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', p_ino));
    ELSIF v_write AND (v.mode & 61440) = 16384 THEN
        PERFORM tarbox._raise('EISDIR', format('inode %s is a directory', p_ino));
    END IF;
    -- O_TRUNC truncates whatever the access mode (O_RDONLY|O_TRUNC too, as Linux does; the
    -- kernel has checked write permission for it).
    IF v_trunc AND (v.mode & 61440) = 32768 THEN
        PERFORM tarbox._truncate(c, p_ino, 0, true);
        IF p_kill_suidgid THEN
            PERFORM tarbox._kill_suid(c, p_ino);
        END IF;
        v := tarbox._inode_at(c.tenant_id, p_ino, c.layer);
    END IF;
    RETURN tarbox._attr(v);
END
$$;
ALTER FUNCTION tarbox._do_fs_open(bigint, int, int, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_open(bigint, int, int, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_open(bigint, int, int, boolean) IS
'FUSE open / open(2) of an existing inode: p_flags are the open(2) flags (O_ACCMODE; O_TRUNC = 01000 truncates a regular file, whatever the access mode, as Linux does). Opening for writing or with O_TRUNC needs the newest layer. p_kill_suidgid: the opener has no CAP_FSETID, so O_TRUNC also clears the set-user-ID bit and the set-group-ID bit of a group-executable file, as Linux does. Returns the attributes. Errors: ENOENT (TX002), EISDIR (TX021) directory opened for writing, EROFS (TX030) write access to a historical layer.';
