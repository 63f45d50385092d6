-- tarbox._entry_at(tenant, ino, layer, name): the inode visible at a layer as a tarbox.entry
-- named p_name; all fields NULL when none. One backward probe of the inode primary key, as
-- _inode_at. The etag is '<ino>-<born>-<xmin>' of the visible row version: every change of an
-- inode (data writes update size/mtime, attribute changes, copy-on-write, a layer switch that
-- shows another version) is a new row version with a new transaction id, and (ino, born) names
-- one version's row, so the tag changes whenever the file does and never names two states.
CREATE OR REPLACE FUNCTION tarbox._entry_at(p_tenant bigint, p_ino bigint, p_layer int, p_name bytea)
RETURNS tarbox.entry
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v tarbox.entry;
    v_died int;
BEGIN
    SELECT p_name, i.ino, tarbox._file_type(i.mode), i.mode, i.nlink, i.uid, i.gid, i.rdev, i.size,
           i.atime_ns, i.mtime_ns, i.ctime_ns, i.btime_ns, i.target,
           i.ino || '-' || i.born || '-' || i.xmin::text, i.died
      INTO v.name, v.ino, v.type, v.mode, v.nlink, v.uid, v.gid, v.rdev, v.size,
           v.atime_ns, v.mtime_ns, v.ctime_ns, v.btime_ns, v.target, v.etag, v_died
      FROM tarbox.inode i
     WHERE i.tenant_id = p_tenant AND i.ino = p_ino AND i.born <= p_layer
     ORDER BY i.born DESC LIMIT 1;
    IF v_died > p_layer THEN
        RETURN v;
    END IF;
    RETURN NULL;
END
$$;
ALTER FUNCTION tarbox._entry_at(bigint, bigint, int, bytea) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._entry_at(bigint, bigint, int, bytea) FROM PUBLIC;
