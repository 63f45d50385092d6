CREATE OR REPLACE FUNCTION tarbox.remote_set_readonly(p_path bytea, p_readonly boolean)
RETURNS tarbox.entry
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    v_ino bigint := tarbox._path_ino(c, p_path, true);
    v_mode int;
BEGIN
    IF p_readonly IS NULL THEN
        PERFORM tarbox._raise('EINVAL', 'readonly must be true or false');
    END IF;
    PERFORM tarbox._lock_inode(c.tenant_id, v_ino);
    v_mode := (tarbox._inode_at(c.tenant_id, v_ino, c.head)).mode & 4095;
    v_mode := CASE WHEN p_readonly THEN v_mode & ~146 ELSE v_mode | 128 END;
    PERFORM tarbox.fs_setattr(v_ino, v_mode, NULL, NULL, NULL, NULL, NULL);
    RETURN tarbox._entry_at(c.tenant_id, v_ino, c.head, NULL);
END
$$;
ALTER FUNCTION tarbox.remote_set_readonly(bytea, boolean) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.remote_set_readonly(bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.remote_set_readonly(bytea, boolean) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.remote_set_readonly(bytea, boolean) IS
'Remote API. The read-only flag of the remote-filesystem contract, mapped to the mode bits of absolute path p_path (bytes; links followed): p_readonly true clears every write permission bit (chmod a-w), false sets the owner''s (chmod u+w). Writes and truncation through the remote API are refused (EACCES) while no write bit is set. Returns the new tarbox.entry. Errors: ENOENT (TX002), EINVAL (TX022), EROFS (TX030).';
