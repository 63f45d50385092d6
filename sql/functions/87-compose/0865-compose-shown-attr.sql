-- tarbox._compose_shown_attr(ino): the attributes (tarbox.attr) of the inode a composition of
-- the calling tenant shows as number p_ino (2^56 and above, tarbox._compose_number), with that
-- number as ino: tarbox.compose_getattr of the composition's own number (the published layer;
-- copy-on-write: merged with the caller's changes). What tarbox.fs_getattr and the WASI
-- functions answer for such a number.
-- Errors: ENOENT (TX002) no such inode or composition, or the publication is no longer shared.
CREATE OR REPLACE FUNCTION tarbox._compose_shown_attr(p_ino bigint) RETURNS tarbox.attr
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    k record := tarbox._compose_number(p_ino);
    a tarbox.attr;
BEGIN
    a := tarbox._attr(tarbox._compose_node(k.compose, k.n));
    a.ino := p_ino;
    RETURN a;
END
$$;
ALTER FUNCTION tarbox._compose_shown_attr(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_shown_attr(bigint) FROM PUBLIC;
