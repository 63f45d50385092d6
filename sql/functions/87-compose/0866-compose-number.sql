-- tarbox._compose_number(ino): what stands behind inode number p_ino as the calling tenant's
-- mount, tarbox.stat, ls and the remote API show it. A number of 2^56 and above is
-- 2^56 | slot << 40 | n: n the number composition `compose` itself uses (the compose_*
-- functions take it), slot = compose - 1 (tarbox.composition's compose_id, fixed when the
-- composition is added, so adding or removing another composition renumbers nothing;
-- tarbox._compose_ino is the inverse), and base = p_ino with n cleared (base | m is the shown
-- number of the composition's m). Below 2^56 (the tenant's own tree): compose and base NULL,
-- n = p_ino. One primary-key probe of tarbox.composition.
-- Errors: ENOENT (TX002) no composition has that slot (removed since the number was shown), or n is 0.
CREATE OR REPLACE FUNCTION tarbox._compose_number(p_ino bigint, OUT compose int, OUT n bigint, OUT base bigint)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_ino IS NULL OR p_ino < 72057594037927936 THEN
        n := p_ino;
        RETURN;
    END IF;
    n := p_ino & 1099511627775;  -- the low 40 bits
    base := p_ino - n;
    SELECT k.compose_id INTO compose FROM tarbox.composition k
     WHERE k.tenant_id = tarbox._tenant_id() AND k.compose_id = ((p_ino >> 40) & 65535) + 1;
    IF compose IS NULL OR n = 0 THEN
        PERFORM tarbox._raise('ENOENT', format(
            'inode %s does not exist (no composition of this tenant shows that number)', p_ino));
    END IF;
END
$$;
ALTER FUNCTION tarbox._compose_number(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._compose_number(bigint) FROM PUBLIC;
