-- The helpers of compose_rename and compose_link (0909, 0910), which like every copy-on-write
-- change copy up what they need (tarbox._cow_up) and change the consumer's own rows through the
-- audited inode API (tarbox.fs_rename, fs_link ...).

-- tarbox._cow_no_lower_dir(compose, shown inode): EXDEV (TX018) for a directory the
-- publisher has (overlayfs without redirect_dir: the caller copies and deletes instead).
CREATE OR REPLACE FUNCTION tarbox._cow_no_lower_dir(p_compose int, p_shown bigint) RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF ((tarbox._cow_inode(p_compose, p_shown)).mode & 61440) = 16384
       AND (tarbox._cow_node(p_compose, p_shown)).lower IS NOT NULL THEN
        PERFORM tarbox._raise('EXDEV', format('inode %s is a directory of the publication: copy it instead', p_shown));
    END IF;
END
$$;
ALTER FUNCTION tarbox._cow_no_lower_dir(int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_no_lower_dir(int, bigint) FROM PUBLIC;
