-- tarbox._name_text(name): a name's bytes as text for people: UTF-8 as is, and any byte that is
-- not valid UTF-8 as \xNN (so an invalid name is shown, not lost; the bytes themselves are what
-- the inode API returns).
CREATE OR REPLACE FUNCTION tarbox._name_text(p_name bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    v_out text := '';
    v_i int := 0;
    v_n int := octet_length(p_name);
    v_len int;
    v_b int;
BEGIN
    BEGIN
        RETURN convert_from(p_name, 'UTF8');
    EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
        NULL;
    END;
    WHILE v_i < v_n LOOP
        v_b := get_byte(p_name, v_i);
        v_len := CASE WHEN v_b < 128 THEN 1 WHEN v_b >= 240 THEN 4 WHEN v_b >= 224 THEN 3
                      WHEN v_b >= 192 THEN 2 ELSE 1 END;
        BEGIN
            IF v_b = 0 THEN RAISE character_not_in_repertoire; END IF;
            v_out := v_out || convert_from(substring(p_name FROM v_i + 1 FOR v_len), 'UTF8');
            v_i := v_i + v_len;
        EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
            v_out := v_out || '\x' || lpad(to_hex(v_b), 2, '0');
            v_i := v_i + 1;
        END;
    END LOOP;
    RETURN v_out;
END
$$;
ALTER FUNCTION tarbox._name_text(bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._name_text(bytea) FROM PUBLIC;
