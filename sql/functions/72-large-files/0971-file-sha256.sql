-- tarbox._file_sha256(tenant, layer, ino): the SHA-256 (32 bytes) of the whole content of inode
-- p_ino as layer p_layer sees it, read 16 MiB at a time (tarbox._read) into one incremental
-- hashlib digest: memory stays bounded by one range whatever the file's size (PostgreSQL's
-- sha256() hashes one bytea value only). tarbox.remote_upload_complete checks the staged file
-- against the SHA-256 announced at start with it. Each range enters SQL, where PostgreSQL acts
-- on statement_timeout and cancellation. NULL when the inode is absent at the layer.
CREATE OR REPLACE FUNCTION tarbox._file_sha256(p_tenant bigint, p_layer int, p_ino bigint)
RETURNS bytea
LANGUAGE plpython3u STABLE
AS $$
import hashlib

STEP = 16 * 1024 * 1024
plan = SD.get("file_sha256")
if plan is None:
    plan = plpy.prepare(
        "SELECT tarbox._read($1, $2, i, $4, $5) AS data, i.size FROM tarbox.inode i"
        " WHERE i.tenant_id = $1 AND i.ino = $3 AND i.born <= $2 AND i.died > $2",
        ["bigint", "int", "bigint", "bigint", "bigint"])
    SD["file_sha256"] = plan
h = hashlib.sha256()
off = 0
while True:
    rows = plan.execute([p_tenant, p_layer, p_ino, off, STEP])
    if not rows:
        return None
    data = rows[0]["data"]
    if data:
        h.update(data)
        off += len(data)
    if off >= rows[0]["size"] or not data:
        break
return h.digest()
$$;
ALTER FUNCTION tarbox._file_sha256(bigint, int, bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._file_sha256(bigint, int, bigint) FROM PUBLIC;
