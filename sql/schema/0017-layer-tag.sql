-- tarbox.layer_tag: extra names for layers (like git tags). A tag names one layer; tag names
-- are unique per tenant and distinct from layer names.
CREATE TABLE tarbox.layer_tag (
    tenant_id  bigint      NOT NULL,
    tag        text        NOT NULL CHECK (tag ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    layer_id   int         NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tag),
    FOREIGN KEY (tenant_id, layer_id) REFERENCES tarbox.layer (tenant_id, layer_id) ON DELETE CASCADE
);
ALTER TABLE tarbox.layer_tag OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.layer_tag IS 'Tags: extra unique names for layers, per tenant.';

ALTER TABLE tarbox.layer_tag ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.layer_tag FORCE ROW LEVEL SECURITY;
CREATE POLICY layer_tag_own ON tarbox.layer_tag
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.layer_tag TO tarbox_tenant;
GRANT ALL ON tarbox.layer_tag TO tarbox_maint;
