-- tarbox._cow_attr(compose, attr): attr of a consumer's inode with its shown number.
CREATE OR REPLACE FUNCTION tarbox._cow_attr(p_compose int, p_a tarbox.attr) RETURNS tarbox.attr
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_a.ino IS NOT NULL THEN
        p_a.ino := tarbox._cow_shown(p_compose, p_a.ino);
    END IF;
    RETURN p_a;
END
$$;
ALTER FUNCTION tarbox._cow_attr(int, tarbox.attr) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._cow_attr(int, tarbox.attr) FROM PUBLIC;
