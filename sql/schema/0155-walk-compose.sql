-- The path API reads compositions (issue 15 item 7): tarbox._walk_core resolves paths into them
-- and tarbox._walk (an added p_change argument) refuses the rest through a new
-- tarbox._compose_guard(int, text, boolean). The signatures they replace go (functions are
-- reloaded after the migrations, CREATE OR REPLACE keeps an old overload otherwise).
DROP FUNCTION IF EXISTS tarbox._compose_guard(tarbox._context, bigint, bytea, text);
DROP FUNCTION IF EXISTS tarbox._walk(tarbox._context, bytea, boolean);
DROP FUNCTION IF EXISTS tarbox._walk(tarbox._context, text, boolean);
