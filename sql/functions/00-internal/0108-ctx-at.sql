-- tarbox._ctx_at(ref): the read context of a call that names a layer by reference (name, tag,
-- id, 'current', 'head'; NULL = current). Errors: EACCES (not a tenant), ENOENT (no such layer).
CREATE OR REPLACE FUNCTION tarbox._ctx_at(p_layer text)
RETURNS tarbox._context
LANGUAGE plpgsql
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, false);
BEGIN
    IF p_layer IS NOT NULL THEN
        c.layer := tarbox._layer_ref(c.tenant_id, p_layer);
    END IF;
    RETURN c;
END
$$;
ALTER FUNCTION tarbox._ctx_at(text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._ctx_at(text) FROM PUBLIC;
