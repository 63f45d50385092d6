-- The changes of a copy-on-write composition: what the FUSE bridge's composition component
-- calls, one SQL call per kernel request. p_compose names the calling tenant's cow composition,
-- inode numbers are the shown ones (tarbox._cow_node). Each copies up what it changes
-- (tarbox._cow_up) and then changes the consumer's own rows through the audited inode API
-- (tarbox.fs_create, fs_write ... record the change, on the consumer's inode under the mount
-- point). A read-only composition answers EROFS.

-- tarbox._cow_require(compose): EROFS (TX030) unless p_compose is a cow composition of the caller.
CREATE OR REPLACE FUNCTION tarbox._cow_require(p_compose int) RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    PERFORM tarbox._compose_ctx(p_compose);
    IF NOT tarbox._compose_is_cow(p_compose) THEN
        PERFORM tarbox._raise('EROFS', format('composition %s is read-only', p_compose));
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_require(int) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_require(int) FROM PUBLIC;
