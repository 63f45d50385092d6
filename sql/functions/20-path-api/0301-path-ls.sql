CREATE OR REPLACE FUNCTION tarbox._do_ls(p_path bytea, p_layer text DEFAULT NULL)
RETURNS TABLE (name text, type text, mode int, uid bigint, gid bigint, size bigint,
               mtime timestamptz, ino bigint, target text)
LANGUAGE plpgsql STABLE
-- Sorts and hashes of this call use at most this much memory each, whatever work_mem the
-- session set (beyond it they spill to temporary files, capped per tenant login).
SET work_mem = '64MB'
AS $$
DECLARE
    c tarbox._context := tarbox._ctx_at(p_layer);
    r record := tarbox._walk_core(c, coalesce(p_path, '\x2f'::bytea), true);
    v tarbox.inode;
    n_path text;
    n_source text;
    v_dir text;
    v_points text[];
    v_sources text[];
    v_knames bytea[];
    v_kids int[];
BEGIN
    IF r.compose IS NOT NULL THEN
        -- in a composition (its mount point: its root): what the mount shows
        IF r.ino IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        v := tarbox._compose_node(r.compose, r.ino);
        IF (v.mode & 61440) <> 16384 THEN
            RETURN QUERY SELECT coalesce(tarbox._name_text(r.name), tarbox._name_text(p_path)), tarbox._file_type(v.mode),
                                v.mode & 4095, v.uid, v.gid, v.size, to_timestamp(v.mtime_ns / 1e9),
                                tarbox._compose_ino(r.compose, v.ino), tarbox._name_text(v.target);
            RETURN;
        END IF;
        RETURN QUERY
            SELECT tarbox._name_text(e.name), tarbox._file_type((e.a).mode), (e.a).mode & 4095, (e.a).uid, (e.a).gid,
                   (e.a).size, to_timestamp((e.a).mtime_ns / 1e9), tarbox._compose_ino(r.compose, (e.a).ino),
                   CASE WHEN ((e.a).mode & 61440) = 40960
                        THEN tarbox._name_text(tarbox.compose_readlink(r.compose, (e.a).ino)) END
              FROM tarbox._compose_entries(r.compose, r.ino) e
             ORDER BY e.name;
        RETURN;
    END IF;
    IF r.ino IS NULL THEN
        SELECT p.mount_path, p.source_path INTO n_path, n_source FROM tarbox._native_point(c, r.parent, r.name) p;
        IF n_path IS NULL THEN
            PERFORM tarbox._raise('ENOENT', format('%s: no such file or directory', tarbox._name_text(p_path)));
        END IF;
        RETURN QUERY SELECT tarbox._name_text(r.name), 'native'::text, 493, t.default_uid, t.default_gid, 0::bigint,
                            NULL::timestamptz, NULL::bigint, n_source
                       FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
        RETURN;
    END IF;
    v := tarbox._inode_at(c.tenant_id, r.ino, c.layer);
    IF (v.mode & 61440) <> 16384 THEN
        RETURN QUERY SELECT coalesce(tarbox._name_text(r.name), tarbox._name_text(p_path)), tarbox._file_type(v.mode),
                            v.mode & 4095, v.uid, v.gid, v.size, to_timestamp(v.mtime_ns / 1e9), v.ino,
                            tarbox._name_text(v.target);
        RETURN;
    END IF;
    -- A native mount point lists itself: its content is on the host, not an empty directory.
    SELECT p.mount_path, p.source_path INTO n_path, n_source FROM tarbox._native_point(c, r.ino, NULL) p;
    IF n_path IS NOT NULL THEN
        RETURN QUERY SELECT coalesce(tarbox._name_text(r.name), substr(n_path, length(n_path) - strpos(reverse(n_path), '/') + 2)),
                            'native'::text, v.mode & 4095, v.uid, v.gid, v.size, to_timestamp(v.mtime_ns / 1e9),
                            v.ino, n_source;
        RETURN;
    END IF;
    -- Compositions mounted on entries of this directory (only when the tenant has some): the
    -- mount lists their roots under those names, and leaves out one whose publication is no
    -- longer shared.
    SELECT k.names, k.composes INTO v_knames, v_kids FROM tarbox._compose_points(c, r.ino) k;
    -- Native mount points among the entries (only when the tenant has native mounts).
    IF EXISTS (SELECT 1 FROM tarbox.native_mount m WHERE m.enabled AND (m.tenant IS NULL OR m.tenant = c.tenant_id)) THEN
        v_dir := rtrim(coalesce(tarbox._path_of(c.tenant_id, r.ino, c.layer), ''), '/') || '/';
        SELECT array_agg(l.mount_path), array_agg(l.source_path) INTO v_points, v_sources
          FROM (SELECT DISTINCT d.mount_path FROM tarbox._native_candidates(c.tenant_id, NULL, NULL) d
                 WHERE left(d.mount_path, length(v_dir)) = v_dir AND strpos(substr(d.mount_path, length(v_dir) + 1), '/') = 0) x
          CROSS JOIN LATERAL tarbox._native_best(c.tenant_id, x.mount_path, NULL, NULL) l;
    END IF;
    RETURN QUERY
        SELECT e.name, e.type, e.mode, e.uid, e.gid, e.size, e.mtime, e.ino, e.target FROM (
        SELECT d.name AS raw, tarbox._name_text(d.name),
               CASE WHEN k.i IS NULL THEN tarbox._file_type(i.mode) ELSE 'native' END,
               i.mode & 4095, i.uid, i.gid,
               i.size, to_timestamp(i.mtime_ns / 1e9), i.ino,
               CASE WHEN k.i IS NULL THEN tarbox._name_text(i.target) ELSE v_sources[k.i] END
          FROM tarbox.dentry d
          CROSS JOIN LATERAL tarbox._inode_at(c.tenant_id, d.ino, c.layer) i
          LEFT JOIN LATERAL (SELECT array_position(v_points, v_dir || tarbox._name_text(d.name)) AS i) k
                 ON (i.mode & 61440) = 16384 AND v_points IS NOT NULL
         WHERE d.tenant_id = c.tenant_id AND d.parent_ino = r.ino
           AND d.born <= c.layer AND d.died > c.layer
           AND (v_knames IS NULL OR d.name <> ALL (v_knames))
         UNION ALL
        SELECT d.name, tarbox._name_text(d.name), tarbox._file_type(i.mode), (i.mode & 4095), i.uid, i.gid, i.size, to_timestamp(i.mtime_ns / 1e9),
               tarbox._compose_ino(v_kids[x.i], 1), NULL::text
          FROM tarbox.dentry d
          CROSS JOIN LATERAL (SELECT array_position(v_knames, d.name) AS i) x
          CROSS JOIN LATERAL tarbox._compose_node(v_kids[x.i], 1) i
         WHERE v_knames IS NOT NULL AND d.tenant_id = c.tenant_id AND d.parent_ino = r.ino
           AND d.born <= c.layer AND d.died > c.layer
           AND x.i IS NOT NULL AND v_kids[x.i] IS NOT NULL
        ) e (raw, name, type, mode, uid, gid, size, mtime, ino, target)
        ORDER BY e.raw;
END
$$;
CREATE OR REPLACE FUNCTION tarbox.ls(p_path text DEFAULT '/', p_layer text DEFAULT NULL)
RETURNS TABLE (name text, type text, mode int, uid bigint, gid bigint, size bigint,
               mtime timestamptz, ino bigint, target text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM tarbox.ls(convert_to(coalesce(p_path, '/'), 'UTF8'), p_layer);
END
$$;
ALTER FUNCTION tarbox._do_ls(bytea, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_ls(bytea, text) FROM PUBLIC;
ALTER FUNCTION tarbox.ls(text, text) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox.ls(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tarbox.ls(text, text) TO tarbox_tenant;
COMMENT ON FUNCTION tarbox.ls(text, text) IS
'As of layer p_layer (name, tag, id, ''head''; NULL = the current layer). List a directory by absolute path (symbolic links followed), sorted by name bytes, without ''.'' and ''..'': name (text; bytes that are not UTF-8 shown as \xNN), type, permission bits, uid, gid, size (bytes), mtime, inode, target (a symbolic link''s target; a native mount''s host directory). A non-directory lists itself. A native mount point (stored definitions, tarbox.native_match exact) is type native with its host directory as target, in its parent''s listing and when listed itself (its content is on the host: a path below it is EREMOTE). Errors: EREMOTE (TX066) below a native mount, ENOENT (TX002), ENOTDIR (TX020), ELOOP (TX040), ENAMETOOLONG (TX036), EINVAL (TX022). A path in a composition (tarbox.compose_list) lists what the mount shows (tarbox.compose_readdir: the published layer, copy-on-write merged with the caller''s changes, whiteouts not listed; the mount point lists the composition''s root), ino the number the mount shows (2^56 | slot << 40 | the composition''s number); in its parent the mount point is listed with the composition root''s attributes (not at all while the publication is not shared with the caller); at any p_layer a composition lists what it holds now, as a mount of that layer shows it.';
COMMENT ON FUNCTION tarbox._do_ls(bytea, text) IS
'tarbox.ls(text, text) for a path given as bytes (any byte but NUL). Errors: as tarbox.ls(text, text).';
