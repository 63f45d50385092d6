-- tarbox._zeros(n): n zero bytes (the content of a hole). n >= 0.
CREATE OR REPLACE FUNCTION tarbox._zeros(p_n bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.decode(pg_catalog.repeat('00', greatest(p_n, 0)::int), 'hex') $$;
ALTER FUNCTION tarbox._zeros(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._zeros(bigint) FROM PUBLIC;
