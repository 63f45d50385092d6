-- tarbox.layer: the tenant's linear history. layer_id is the layer's position in the chain
-- (1 = base); every versioned row carries the positions where it was born and died, and is
-- visible at layer L when born <= L < died. The newest layer (max layer_id) is the only writable
-- one.
CREATE TABLE tarbox.layer (
    tenant_id   bigint      NOT NULL REFERENCES tarbox.tenant (tenant_id),
    layer_id    int         NOT NULL CHECK (layer_id >= 1),
    name        text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    description text        CHECK (length(description) <= 4096),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, layer_id),
    UNIQUE (tenant_id, name)
);
ALTER TABLE tarbox.layer OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.layer IS
    'Layers of a tenant: positions in one linear history (1 = base). Rows are visible at layer L when born <= L < died.';

ALTER TABLE tarbox.tenant
    ADD CONSTRAINT tenant_current_layer_fk FOREIGN KEY (tenant_id, current_layer)
    REFERENCES tarbox.layer (tenant_id, layer_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE tarbox.layer ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.layer FORCE ROW LEVEL SECURITY;
CREATE POLICY layer_own ON tarbox.layer
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (tenant_id = tarbox._tenant_id());
GRANT SELECT ON tarbox.layer TO tarbox_tenant;
GRANT ALL ON tarbox.layer TO tarbox_maint;
