-- tarbox._cow_new_inode(ctx, parent, name, mode, uid, gid): make entry p_name (bytes) with mode
-- p_mode (file type and permission bits; no device, no link target) in the directory a
-- composition of the calling tenant shows as number p_parent (2^56 and above,
-- tarbox._compose_number), as the WASI path functions create there: in the caller's copy of the
-- directory (copied up, a whiteout of the name removed: tarbox._cow_new_entry), owned by
-- p_uid:p_gid. Returns its attributes with the number the composition shows. Not recorded here
-- (the calling WASI function records itself).
-- Errors: EROFS (TX030) a read-only composition, EEXIST (TX017), ENOENT (TX002), ENOTDIR
-- (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EDQUOT (TX122).
CREATE OR REPLACE FUNCTION tarbox._cow_new_inode(c tarbox._context, p_parent bigint, p_name bytea, p_mode int,
                                                 p_uid bigint, p_gid bigint)
RETURNS tarbox.attr
LANGUAGE plpgsql
AS $$
DECLARE
    k record := tarbox._compose_number(p_parent);
    a tarbox.attr;
BEGIN
    a := tarbox._cow_attr(k.compose, tarbox._new_inode(c, tarbox._cow_new_entry(k.compose, k.n, p_name), p_name,
                                                       p_mode, 0, p_uid, p_gid, NULL));
    a.ino := k.base | a.ino;
    RETURN a;
END
$$;
ALTER FUNCTION tarbox._cow_new_inode(tarbox._context, bigint, bytea, int, bigint, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_new_inode(tarbox._context, bigint, bytea, int, bigint, bigint) FROM PUBLIC;
