-- Composition (issue 15 item 4): a tenant's layer published to other tenants, and composed
-- (mounted) by them at a path of their own tree.
--
-- tarbox.publication: the publisher's tree as of one of its layers, under a name. public = every
-- tenant may compose it; otherwise only the tenants of tarbox.publication_grant. Names are one
-- namespace for the whole database (`published:NAME` names one publication): administrators
-- choose them (tenants cannot publish), so the unique index tells a tenant nothing.
-- tarbox.publication_grant: the allow-list of a non-public publication (grantee first).
-- tarbox.composition: a publication shown at mount_path of the consumer's tree (the slot
-- compose_id numbers its inodes in a mount), read-only ('ro'). 'cow' (copy-on-write into the
-- consumer's rows) is reserved: tarbox.compose_add refuses it until it is built.
--
-- Visibility (row-level security): the consumer reads exactly the rows of the publisher that are
-- visible at the published layer (born <= layer < died), while the publication is public or
-- grants it, through extra permissive SELECT policies on inode, dentry, xattr, blockmap,
-- chunkmap and block (blocks: only those such a blockmap or chunkmap row references). Nothing
-- else of the publisher: not its other layers, not the rows born after the published layer,
-- not its tenant or layer rows. The policies are FOR SELECT only: UPDATE, DELETE, SELECT FOR
-- UPDATE/SHARE and foreign-key locks still need the *_own policies, so a consumer can neither
-- change nor lock a row of the publisher. The publisher gains nothing on the consumer's rows.
-- Revoking a grant or unpublishing takes effect at the consumer's next statement.
CREATE TABLE tarbox.publication (
    tenant_id   bigint      NOT NULL REFERENCES tarbox.tenant (tenant_id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    layer_id    int         NOT NULL CHECK (layer_id >= 1),
    public      boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name),
    UNIQUE (tenant_id, name, layer_id),
    FOREIGN KEY (tenant_id, layer_id) REFERENCES tarbox.layer (tenant_id, layer_id)
);
ALTER TABLE tarbox.publication OWNER TO tarbox_owner;
CREATE UNIQUE INDEX publication_name ON tarbox.publication (name);
CREATE INDEX publication_layer ON tarbox.publication (tenant_id, layer_id);
COMMENT ON TABLE tarbox.publication IS
    'Published layers: the tree of tenant tenant_id as of layer layer_id, composable by every tenant (public) or by the tenants of tarbox.publication_grant. name is unique in the database (published:NAME). Managed by administrators (tarbox.publish, unpublish, publish_grant, publish_revoke).';

CREATE TABLE tarbox.publication_grant (
    tenant_id    bigint      NOT NULL REFERENCES tarbox.tenant (tenant_id) ON DELETE CASCADE,
    publisher_id bigint      NOT NULL,
    name         text        NOT NULL,
    layer_id     int         NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, publisher_id, name),
    CONSTRAINT publication_grant_not_self CHECK (tenant_id <> publisher_id),
    -- The grant carries the publication's layer (kept equal by the foreign key), so that the
    -- grantee's row-level security needs no other table's row it may not see.
    FOREIGN KEY (publisher_id, name, layer_id) REFERENCES tarbox.publication (tenant_id, name, layer_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
ALTER TABLE tarbox.publication_grant OWNER TO tarbox_owner;
CREATE INDEX publication_grant_publication ON tarbox.publication_grant (publisher_id, name, layer_id);
COMMENT ON TABLE tarbox.publication_grant IS
    'Allow-list of non-public publications: tenant tenant_id may compose publication (publisher_id, name) of layer layer_id (the publication''s, kept equal by the foreign key).';

CREATE TABLE tarbox.composition (
    tenant_id    bigint      NOT NULL REFERENCES tarbox.tenant (tenant_id) ON DELETE CASCADE,
    compose_id   int         NOT NULL CHECK (compose_id BETWEEN 1 AND 65535),
    mount_path   text        NOT NULL
        CHECK (mount_path ~ '^(/[^/]+)+$' AND mount_path !~ '(^|/)\.\.?(/|$)'
               AND mount_path !~ '^/\.tarbox(/|$)' AND octet_length(mount_path) <= 4096),
    publisher_id bigint      NOT NULL,
    publication  text        NOT NULL,
    mode         text        NOT NULL CHECK (mode IN ('ro', 'cow')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, compose_id),
    CONSTRAINT composition_not_self CHECK (tenant_id <> publisher_id),
    FOREIGN KEY (publisher_id, publication) REFERENCES tarbox.publication (tenant_id, name)
        ON DELETE CASCADE ON UPDATE CASCADE
);
ALTER TABLE tarbox.composition OWNER TO tarbox_owner;
CREATE UNIQUE INDEX composition_path ON tarbox.composition (tenant_id, mount_path);
CREATE INDEX composition_publication ON tarbox.composition (publisher_id, publication);
COMMENT ON TABLE tarbox.composition IS
    'Compositions: publication (publisher_id, publication) shown read-only (mode ro; cow is reserved) at mount_path of tenant tenant_id''s tree; compose_id is its slot of inode numbers in a mount. Managed by administrators (tarbox.compose_add, compose_rm); unpublishing removes it, revoking the grant leaves it (its lookups then fail with ENOENT).';

-- Row-level security of the three tables. A publication is seen by its publisher (and, when
-- public, by every tenant); a grant by its grantee and its publisher; a composition by its
-- consumer only (the publisher does not learn who composes it). No tenant writes them.
ALTER TABLE tarbox.publication ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.publication FORCE ROW LEVEL SECURITY;
CREATE POLICY publication_visible ON tarbox.publication
    USING (tenant_id = tarbox._tenant_id() OR public) WITH CHECK (false);
ALTER TABLE tarbox.publication_grant ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.publication_grant FORCE ROW LEVEL SECURITY;
CREATE POLICY publication_grant_visible ON tarbox.publication_grant
    USING (tenant_id = tarbox._tenant_id() OR publisher_id = tarbox._tenant_id()) WITH CHECK (false);
ALTER TABLE tarbox.composition ENABLE ROW LEVEL SECURITY;
ALTER TABLE tarbox.composition FORCE ROW LEVEL SECURITY;
CREATE POLICY composition_own ON tarbox.composition
    USING (tenant_id = tarbox._tenant_id()) WITH CHECK (false);
GRANT SELECT ON tarbox.publication, tarbox.publication_grant, tarbox.composition TO tarbox_tenant;
GRANT ALL ON tarbox.publication, tarbox.publication_grant, tarbox.composition TO tarbox_maint;

-- tarbox._published(owner, born, died): whether a row of tenant p_owner living in layers
-- [p_born, p_died) is visible to the calling tenant through a publication: a public publication
-- of p_owner, or a grant to the caller, whose layer lies in that range. Called by the policies
-- below only for rows of other tenants (each *_own policy is tested first and the OR stops at
-- it). Not SECURITY DEFINER: it reads publication and publication_grant under their own
-- row-level security, which shows the caller exactly the public publications and its own
-- grants (a grant carries its publication's layer for that reason). Index probes:
-- publication (tenant_id, layer_id), the grant's primary key.
CREATE FUNCTION tarbox._published(p_owner bigint, p_born int, p_died int) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_me bigint := tarbox._tenant_id();
BEGIN
    IF v_me IS NULL OR p_owner = v_me THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM tarbox.publication_grant g
                    WHERE g.tenant_id = v_me AND g.publisher_id = p_owner
                      AND g.layer_id >= p_born AND g.layer_id < p_died)
        OR EXISTS (SELECT 1 FROM tarbox.publication p
                    WHERE p.tenant_id = p_owner AND p.public
                      AND p.layer_id >= p_born AND p.layer_id < p_died);
END
$$;
ALTER FUNCTION tarbox._published(bigint, int, int) OWNER TO tarbox_owner;

-- tarbox._published_block(owner, hash): whether block p_hash of tenant p_owner is referenced by
-- a blockmap or chunkmap row the caller sees: under their row-level security those are exactly
-- the rows of the layers published to it (blockmap_hash, chunkmap_hash indexes).
CREATE FUNCTION tarbox._published_block(p_owner bigint, p_hash bytea) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_me bigint := tarbox._tenant_id();
BEGIN
    IF v_me IS NULL OR p_owner = v_me THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM tarbox.blockmap m WHERE m.tenant_id = p_owner AND m.hash = p_hash)
        OR EXISTS (SELECT 1 FROM tarbox.chunkmap m WHERE m.tenant_id = p_owner AND m.hash = p_hash);
END
$$;
ALTER FUNCTION tarbox._published_block(bigint, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._published(bigint, int, int), tarbox._published_block(bigint, bytea) FROM PUBLIC;
-- Policies are evaluated with the privileges of the querying role (tenants, and tarbox_owner
-- inside the SECURITY DEFINER API).
GRANT EXECUTE ON FUNCTION tarbox._published(bigint, int, int), tarbox._published_block(bigint, bytea)
    TO tarbox_tenant;

CREATE POLICY inode_published ON tarbox.inode FOR SELECT
    USING (tarbox._published(tenant_id, born, died));
CREATE POLICY dentry_published ON tarbox.dentry FOR SELECT
    USING (tarbox._published(tenant_id, born, died));
CREATE POLICY xattr_published ON tarbox.xattr FOR SELECT
    USING (tarbox._published(tenant_id, born, died));
CREATE POLICY blockmap_published ON tarbox.blockmap FOR SELECT
    USING (tarbox._published(tenant_id, born, died));
CREATE POLICY chunkmap_published ON tarbox.chunkmap FOR SELECT
    USING (tarbox._published(tenant_id, born, died));
CREATE POLICY block_published ON tarbox.block FOR SELECT
    USING (tarbox._published_block(tenant_id, hash));

-- No per-value statistics on the new tenant columns (see 0041 and 0090).
DO $stats$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
                ('publication', 'tenant_id'), ('publication', 'name'), ('publication', 'layer_id'),
                ('publication', 'public'), ('publication', 'created_at'),
                ('publication_grant', 'tenant_id'), ('publication_grant', 'publisher_id'),
                ('publication_grant', 'name'), ('publication_grant', 'layer_id'), ('publication_grant', 'created_at'),
                ('composition', 'tenant_id'), ('composition', 'compose_id'), ('composition', 'mode'),
                ('composition', 'mount_path'), ('composition', 'publisher_id'),
                ('composition', 'publication'), ('composition', 'created_at')) AS c (tbl, col) LOOP
        EXECUTE format('ALTER TABLE tarbox.%I ALTER COLUMN %I SET STATISTICS 0', r.tbl, r.col);
    END LOOP;
END
$stats$;
