-- tarbox._now_ns(): the transaction's timestamp in nanoseconds since the Unix epoch (the
-- resolution of PostgreSQL's clock is microseconds).
CREATE OR REPLACE FUNCTION tarbox._now_ns() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM pg_catalog.now()) * 1000000000)::bigint $$;
ALTER FUNCTION tarbox._now_ns() OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._now_ns() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox._now_ns() TO tarbox_maint;
