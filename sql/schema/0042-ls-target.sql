-- tarbox.ls gains a last column, target (0070 drops the text form for it): its bytes form
-- (tarbox.ls(bytea, text), from the function files of 0040-0041's time) changes result type too,
-- so it is dropped before the function files reload. Nothing when it does not exist.
DROP FUNCTION IF EXISTS tarbox.ls(bytea, text);
