-- tarbox.fs_import(...): many new entries in one call, set-based (tarbox import of a host tree
-- or a tar archive): the same rows, checks and storage layout as one fs_mkdir / fs_create +
-- fs_write + fs_release / fs_symlink / fs_mknod / fs_link / fs_setxattr call per entry, at a
-- fraction of the cost (one statement per table instead of several calls per entry).
--
-- Entry i of the batch is (p_parent[i], p_name[i], p_mode[i], ...), all arrays of one length:
--   p_parent[i] > 0: an existing directory inode; < 0: -(j), entry j < i of this batch, a directory.
--   p_link[i] NOT NULL: a hard link to an existing inode (> 0) or to entry -(p_link[i]) < i of
--     this batch (not a directory); the entry's other columns are ignored.
--   otherwise p_mode[i] is the full st_mode (type bits + permission bits), p_uid/p_gid the owner,
--   p_rdev the device number (devices only), p_atime_ns/p_mtime_ns the times (NULL = now),
--   p_target the symbolic link target (symlinks only), p_data the content (regular files only).
-- Extended attributes: (p_xattr_of[k], p_xattr_name[k], p_xattr_value[k]) sets attribute k on
-- the inode of entry p_xattr_of[k] (1-based).
CREATE OR REPLACE FUNCTION tarbox._do_fs_import(p_parent bigint[], p_name bytea[], p_mode int[],
                                            p_uid bigint[], p_gid bigint[], p_rdev bigint[],
                                            p_atime_ns bigint[], p_mtime_ns bigint[], p_target bytea[],
                                            p_link bigint[], p_data bytea[],
                                            p_xattr_of int[] DEFAULT NULL, p_xattr_name bytea[] DEFAULT NULL,
                                            p_xattr_value bytea[] DEFAULT NULL)
RETURNS bigint[]
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- see tarbox._blocks_store
AS $$
DECLARE
    c tarbox._context := tarbox._ctx(NULL, true);
    n int := coalesce(cardinality(p_name), 0);
    nx int := coalesce(cardinality(p_xattr_of), 0);
    v_now bigint := tarbox._now_ns();
    v_ino bigint[];
    v_mode int[];
    v_gid bigint[];
    v_nlink int[];
    v_pmode int[];
    v_pgid bigint[];
    v_type int;
    v_pm int;
    v_pg bigint;
    j bigint;
    v_new int := 0;
    v_quota bigint;
    v_used bigint;
    v_max_bytes bigint;
    v_max_lines bigint;
    v_x record;
    -- the content pieces: text chunks (k_chunk) or blocks of the block part
    k_of int[];
    k_chunk boolean[];
    k_key bigint[];
    k_hash bytea[];
    k_data bytea[];
    k_nbytes int[];
    k_nlines int[];
    v_pieces record;
BEGIN
    IF n = 0 THEN
        RETURN '{}'::bigint[];
    ELSIF n > 10000 OR nx > 10000 THEN
        PERFORM tarbox._raise('EINVAL', format('%s entries and %s attributes in one call; at most 10000 of each', n, nx));
    ELSIF coalesce(cardinality(p_parent), 0) <> n OR coalesce(cardinality(p_mode), 0) <> n
          OR coalesce(cardinality(p_uid), 0) <> n OR coalesce(cardinality(p_gid), 0) <> n
          OR coalesce(cardinality(p_rdev), 0) <> n OR coalesce(cardinality(p_atime_ns), 0) <> n
          OR coalesce(cardinality(p_mtime_ns), 0) <> n OR coalesce(cardinality(p_target), 0) <> n
          OR coalesce(cardinality(p_link), 0) <> n OR coalesce(cardinality(p_data), 0) <> n
          OR coalesce(cardinality(p_xattr_name), 0) <> nx OR coalesce(cardinality(p_xattr_value), 0) <> nx THEN
        PERFORM tarbox._raise('EINVAL', 'the entry arrays (and the attribute arrays) must have one length');
    ELSIF array_ndims(p_name) <> 1 OR array_lower(p_name, 1) <> 1 OR array_lower(p_parent, 1) <> 1
          OR array_lower(p_link, 1) <> 1 OR array_lower(p_mode, 1) <> 1 OR array_lower(p_data, 1) <> 1 THEN
        PERFORM tarbox._raise('EINVAL', 'the entry arrays must be one-dimensional and start at 1');
    END IF;
    -- (by subscript: unnest(p_data) in FROM would copy the content into a tuplestore, 8 MB
    -- spilled to a temporary file per batch)
    IF (SELECT coalesce(sum(octet_length(p_data[g])), 0) FROM generate_subscripts(p_data, 1) g)
       + (SELECT coalesce(sum(octet_length(p_xattr_value[g])), 0) FROM generate_subscripts(p_xattr_value, 1) g)
       > tarbox._io_max() THEN
        PERFORM tarbox._raise('EFBIG', format('one call takes at most %s bytes of content (16 MiB): import large files with fs_write',
                                              tarbox._io_max()));
    END IF;

    -- Existing parents first (lower inode numbers first: the lock order), then existing link
    -- targets: locked, live, of the right type.
    FOR j IN SELECT DISTINCT x FROM unnest(p_parent) x WHERE x > 0 ORDER BY x LOOP
        PERFORM tarbox._lock_inode(c.tenant_id, j);
        SELECT i.mode, i.nlink INTO v_pm, v_type FROM tarbox.inode i
         WHERE i.tenant_id = c.tenant_id AND i.ino = j AND i.died = 2147483647;
        IF NOT FOUND OR v_type = 0 THEN
            PERFORM tarbox._raise('ENOENT', format('directory inode %s does not exist', j));
        ELSIF (v_pm & 61440) <> 16384 THEN
            PERFORM tarbox._raise('ENOTDIR', format('inode %s is not a directory', j));
        END IF;
    END LOOP;
    FOR v_x IN SELECT x AS ino, count(*) AS k FROM unnest(p_link) x WHERE x > 0 GROUP BY x ORDER BY x LOOP
        PERFORM tarbox._lock_inode(c.tenant_id, v_x.ino);
        SELECT i.mode, i.nlink INTO v_pm, v_type FROM tarbox.inode i
         WHERE i.tenant_id = c.tenant_id AND i.ino = v_x.ino AND i.died = 2147483647;
        IF NOT FOUND OR v_type = 0 THEN
            PERFORM tarbox._raise('ENOENT', format('inode %s does not exist', v_x.ino));
        ELSIF (v_pm & 61440) = 16384 THEN
            PERFORM tarbox._raise('EPERM', 'hard links to directories are not allowed');
        ELSIF v_type + v_x.k > 65000 THEN
            PERFORM tarbox._raise('EMLINK', format('inode %s has too many links', v_x.ino));
        END IF;
    END LOOP;
    -- the existing parent of each entry, for the set-group-ID rule
    -- (probes of the primary key, LIMIT keeping the subquery from becoming a hash join that
    -- reads every live inode of the tenant in every batch: an import quadratic in its size)
    SELECT array_agg(i.mode ORDER BY g), array_agg(i.gid ORDER BY g) INTO v_pmode, v_pgid
      FROM generate_subscripts(p_name, 1) g
      LEFT JOIN LATERAL (SELECT x.mode, x.gid FROM tarbox.inode x
                          WHERE x.tenant_id = c.tenant_id AND x.ino = p_parent[g] AND x.died = 2147483647
                          LIMIT 1) i ON p_parent[g] > 0;

    -- Each entry as tarbox._new_inode / tarbox.fs_link check it; the mode and group a
    -- set-group-ID parent gives; link counts within the batch.
    v_mode := array_fill(0, ARRAY[n]);
    v_gid := array_fill(0::bigint, ARRAY[n]);
    v_nlink := array_fill(0, ARRAY[n]);
    FOR i IN 1..n LOOP
        PERFORM tarbox._check_name(p_name[i]);
        IF p_name[i] IN ('\x2e'::bytea, '\x2e2e'::bytea) THEN
            PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_name[i])));
        END IF;
        j := p_parent[i];
        IF j IS NULL OR j = 0 OR (j < 0 AND (-j >= i OR v_mode[(-j)::int] & 61440 <> 16384 OR p_link[(-j)::int] IS NOT NULL)) THEN
            PERFORM tarbox._raise('EINVAL', format('%s: the parent of entry %s must be a directory inode or an earlier directory entry of the batch',
                                                   tarbox._name_text(p_name[i]), i));
        END IF;
        IF j > 0 THEN
            v_pm := v_pmode[i];
            v_pg := v_pgid[i];
        ELSE
            v_pm := v_mode[(-j)::int];
            v_pg := v_gid[(-j)::int];
        END IF;
        IF p_link[i] IS NOT NULL THEN
            IF p_link[i] < 0 THEN
                IF -p_link[i] >= i OR p_link[(-p_link[i])::int] IS NOT NULL THEN
                    PERFORM tarbox._raise('EINVAL', format('%s: a hard link of the batch must name an earlier entry that is not a link',
                                                           tarbox._name_text(p_name[i])));
                ELSIF v_mode[(-p_link[i])::int] & 61440 = 16384 THEN
                    PERFORM tarbox._raise('EPERM', 'hard links to directories are not allowed');
                END IF;
                v_nlink[(-p_link[i])::int] := v_nlink[(-p_link[i])::int] + 1;
                IF v_nlink[(-p_link[i])::int] > 65000 THEN
                    PERFORM tarbox._raise('EMLINK', format('%s: too many links', tarbox._name_text(p_name[i])));
                END IF;
            END IF;
            CONTINUE;
        END IF;
        v_type := p_mode[i] & 61440;
        IF p_mode[i] IS NULL OR (p_mode[i] & ~(61440 | 4095)) <> 0
           OR v_type NOT IN (4096, 8192, 16384, 24576, 32768, 40960, 49152) THEN
            PERFORM tarbox._raise('EINVAL', format('%s: invalid mode %s', tarbox._name_text(p_name[i]), p_mode[i]));
        ELSIF p_uid[i] IS NULL OR p_gid[i] IS NULL OR p_uid[i] NOT BETWEEN 0 AND 4294967294
              OR p_gid[i] NOT BETWEEN 0 AND 4294967294 THEN
            PERFORM tarbox._raise('EINVAL', format('%s: invalid owner %s:%s', tarbox._name_text(p_name[i]), p_uid[i], p_gid[i]));
        ELSIF (v_type = 40960) <> (p_target[i] IS NOT NULL) THEN
            PERFORM tarbox._raise('EINVAL', format('%s: a symbolic link needs a target and only a symbolic link has one',
                                                   tarbox._name_text(p_name[i])));
        ELSIF p_target[i] IS NOT NULL AND (octet_length(p_target[i]) NOT BETWEEN 1 AND 4095
                                           OR position('\x00'::bytea IN p_target[i]) > 0) THEN
            PERFORM tarbox._raise(CASE WHEN octet_length(p_target[i]) = 0 THEN 'ENOENT'
                                       WHEN octet_length(p_target[i]) > 4095 THEN 'ENAMETOOLONG' ELSE 'EINVAL' END,
                format('%s: a symbolic link target of 1..4095 bytes without NUL is needed', tarbox._name_text(p_name[i])));
        ELSIF p_data[i] IS NOT NULL AND v_type <> 32768 THEN
            PERFORM tarbox._raise('EINVAL', format('%s: only a regular file has content', tarbox._name_text(p_name[i])));
        END IF;
        v_mode[i] := p_mode[i];
        v_gid[i] := p_gid[i];
        IF (v_pm & 1024) <> 0 THEN
            v_gid[i] := v_pg;
            IF v_type = 16384 THEN
                v_mode[i] := v_mode[i] | 1024;
            END IF;
        END IF;
        v_nlink[i] := v_nlink[i] + CASE WHEN v_type = 16384 THEN 2 ELSE 1 END;
        IF v_type = 16384 AND j < 0 THEN
            v_nlink[(-j)::int] := v_nlink[(-j)::int] + 1;
        END IF;
        v_new := v_new + 1;
    END LOOP;
    -- one name once per directory, and not taken yet
    SELECT g INTO j FROM (
        SELECT max(g) AS g FROM generate_subscripts(p_name, 1) g GROUP BY p_parent[g], p_name[g] HAVING count(*) > 1
        UNION ALL
        SELECT g FROM generate_subscripts(p_name, 1) g
         WHERE p_parent[g] > 0
           AND (SELECT true FROM tarbox.dentry d  -- a probe per name (LIMIT: not a hash semi-join)
                 WHERE d.tenant_id = c.tenant_id AND d.parent_ino = p_parent[g] AND d.name = p_name[g]
                   AND d.died = 2147483647 LIMIT 1)) x
     LIMIT 1;
    IF FOUND THEN
        PERFORM tarbox._raise('EEXIST', format('%s already exists', tarbox._name_text(p_name[j])));
    END IF;
    -- the inode quota, as tarbox._quota_inodes for v_new inodes
    SELECT t.quota_inodes, t.text_max_bytes, t.text_max_lines INTO v_quota, v_max_bytes, v_max_lines
      FROM tarbox.tenant t WHERE t.tenant_id = c.tenant_id;
    IF v_quota IS NOT NULL THEN
        v_used := (tarbox._usage_of(c.tenant_id)).inodes;
        IF v_used + v_new > v_quota THEN
            PERFORM tarbox._raise('EDQUOT', format('inode quota of %s inodes reached (%s in use, %s more asked for)',
                                                   v_quota, v_used, v_new));
        END IF;
    END IF;

    -- Inode numbers (hard links take their target's).
    SELECT array_agg(CASE WHEN p_link[g] IS NULL THEN nextval(format('tarbox.ino_seq_%s', c.tenant_id)::regclass) END ORDER BY g)
      INTO v_ino FROM generate_subscripts(p_name, 1) g;
    FOR i IN 1..n LOOP
        IF p_link[i] IS NOT NULL THEN
            v_ino[i] := CASE WHEN p_link[i] < 0 THEN v_ino[(-p_link[i])::int] ELSE p_link[i] END;
        END IF;
    END LOOP;

    -- Content, laid out as fs_write + fs_release lay it out: a text file (no NUL, valid UTF-8,
    -- within the tenant's thresholds) as text chunks at positions 1, 2, ... (as
    -- tarbox._text_rechunk of a new file); anything else as 64 KiB blocks without their
    -- trailing zeros, all-zero blocks being holes (tarbox._write): tarbox._import_pieces.
    -- (An assignment, not SELECT ... FROM the function: a function in FROM returns through a
    -- tuplestore, which spilled the batch's pieces to a temporary file, 13 MB per batch.)
    v_pieces := tarbox._import_pieces(p_data, p_link, v_max_bytes, v_max_lines, tarbox._text_params());
    k_of := v_pieces.of;
    k_chunk := v_pieces.chunk;
    k_key := v_pieces.key;
    k_hash := v_pieces.hash;
    k_data := v_pieces.piece;
    k_nbytes := v_pieces.nbytes;
    k_nlines := v_pieces.nlines;
    v_pieces := NULL;
    PERFORM tarbox._blocks_store(c.tenant_id, k_hash, k_data);
    k_data := NULL;

    INSERT INTO tarbox.inode (tenant_id, ino, born, died, mode, nlink, uid, gid, rdev, size, atime_ns,
                              mtime_ns, ctime_ns, btime_ns, target, stored, text_bytes, text_lines)
    SELECT c.tenant_id, v_ino[g], c.head, 2147483647, v_mode[g], v_nlink[g], p_uid[g], v_gid[g],
           CASE WHEN v_mode[g] & 61440 IN (8192, 24576) THEN coalesce(p_rdev[g], 0) ELSE 0 END,
           CASE WHEN v_mode[g] & 61440 = 40960 THEN octet_length(p_target[g])
                ELSE coalesce(octet_length(p_data[g]), 0) END,
           coalesce(p_atime_ns[g], v_now), coalesce(p_mtime_ns[g], v_now), v_now, v_now,
           CASE WHEN v_mode[g] & 61440 = 40960 THEN p_target[g] END,
           coalesce(s.stored, 0),
           CASE WHEN s.chunked THEN octet_length(p_data[g]) ELSE 0 END,
           coalesce(s.lines, 0)
      FROM generate_subscripts(p_name, 1) g
      LEFT JOIN (SELECT k_of[q] AS i, sum(k_nbytes[q]) AS stored, bool_or(k_chunk[q]) AS chunked,
                        sum(k_nlines[q]) AS lines
                   FROM generate_subscripts(k_of, 1) q GROUP BY k_of[q]) s ON s.i = g
     WHERE p_link[g] IS NULL;
    INSERT INTO tarbox.dentry (tenant_id, parent_ino, name, born, died, ino)
    SELECT c.tenant_id, CASE WHEN p_parent[g] < 0 THEN v_ino[(-p_parent[g])::int] ELSE p_parent[g] END, p_name[g],
           c.head, 2147483647, v_ino[g]
      FROM generate_subscripts(p_name, 1) g;
    INSERT INTO tarbox.chunkmap (tenant_id, ino, pos, born, died, hash, nbytes, nlines)
    SELECT c.tenant_id, v_ino[k_of[q]], k_key[q], c.head, 2147483647, k_hash[q], k_nbytes[q], k_nlines[q]
      FROM generate_subscripts(k_of, 1) q WHERE k_chunk[q];
    INSERT INTO tarbox.blockmap (tenant_id, ino, blkno, born, died, hash)
    SELECT c.tenant_id, v_ino[k_of[q]], k_key[q], c.head, 2147483647, k_hash[q]
      FROM generate_subscripts(k_of, 1) q WHERE NOT k_chunk[q];

    -- Extended attributes of the new inodes (the last value of a name wins, as repeated
    -- setxattr calls); of an existing inode (a hard link's target), through fs_setxattr.
    IF nx > 0 THEN
        FOR q IN 1..nx LOOP
            IF p_xattr_of[q] IS NULL OR p_xattr_of[q] NOT BETWEEN 1 AND n THEN
                PERFORM tarbox._raise('EINVAL', format('attribute %s belongs to no entry of the batch', q));
            END IF;
            PERFORM tarbox._check_xattr_name(p_xattr_name[q]);
            IF octet_length(coalesce(p_xattr_value[q], ''::bytea)) > 65536 THEN
                PERFORM tarbox._raise('E2BIG', 'attribute value over 64 KiB');
            END IF;
            IF p_link[p_xattr_of[q]] > 0 THEN
                PERFORM tarbox.fs_setxattr(p_link[p_xattr_of[q]], p_xattr_name[q], p_xattr_value[q], 0);
            END IF;
        END LOOP;
        INSERT INTO tarbox.xattr (tenant_id, ino, name, born, died, value)
        SELECT DISTINCT ON (v_ino[p_xattr_of[q]], p_xattr_name[q])
               c.tenant_id, v_ino[p_xattr_of[q]], p_xattr_name[q], c.head, 2147483647, coalesce(p_xattr_value[q], ''::bytea)
          FROM generate_subscripts(p_xattr_of, 1) q
         WHERE p_link[p_xattr_of[q]] IS NULL OR p_link[p_xattr_of[q]] < 0
         ORDER BY v_ino[p_xattr_of[q]], p_xattr_name[q], q DESC;
    END IF;

    -- Existing directories that received entries (link count for the new subdirectories,
    -- mtime, ctime) and existing inodes that received links (link count, ctime).
    FOR v_x IN SELECT p_parent[g] AS ino, count(*) FILTER (WHERE p_link[g] IS NULL AND v_mode[g] & 61440 = 16384) AS k
                 FROM generate_subscripts(p_name, 1) g WHERE p_parent[g] > 0 GROUP BY p_parent[g] LOOP
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_x.ino, v_x.k::int, true, true);
    END LOOP;
    FOR v_x IN SELECT x AS ino, count(*) AS k FROM unnest(p_link) x WHERE x > 0 GROUP BY x LOOP
        PERFORM tarbox._inode_touch(c.tenant_id, c.head, v_x.ino, v_x.k::int, false, true);
        PERFORM tarbox._notify(c.tenant_id, v_x.ino, NULL, NULL);
    END LOOP;
    PERFORM tarbox._usage_add(c.tenant_id, 0, v_new);
    -- Mounts may cache a negative entry for a new name in an existing directory: tell them.
    -- (Nothing can be cached under a directory this transaction made.)
    PERFORM tarbox._notify(c.tenant_id, NULL, p_parent[g], p_name[g])
       FROM generate_subscripts(p_name, 1) g WHERE p_parent[g] > 0;
    RETURN v_ino;
END
$$;
ALTER FUNCTION tarbox._do_fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._do_fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) FROM PUBLIC;
COMMENT ON FUNCTION tarbox._do_fs_import(bigint[], bytea[], int[], bigint[], bigint[], bigint[], bigint[], bigint[], bytea[], bigint[], bytea[], int[], bytea[], bytea[]) IS
'Bulk import (tarbox import): create up to 10000 entries in one call, set-based, with the result of one fs_mkdir / fs_create + fs_write + fs_release / fs_symlink / fs_mknod / fs_link / fs_setxattr per entry (same checks, same set-group-ID rule, same storage layout: text chunks or 64 KiB blocks, content-addressed). Arrays of one length, entry i = (p_parent[i]: a directory inode > 0 or -j for entry j < i of this call; p_name[i]: 1..255 bytes; p_mode[i]: full st_mode; p_uid[i], p_gid[i]: 0..2^32-2; p_rdev[i]: device number; p_atime_ns[i], p_mtime_ns[i]: ns since the epoch, NULL = now; p_target[i]: symlink target bytes; p_link[i]: NULL, or a hard link to inode > 0 or to entry -j < i; p_data[i]: file content). Attributes (p_xattr_of[k]: entry 1..n, p_xattr_name[k], p_xattr_value[k] up to 64 KiB). At most 16 MiB of content per call. Returns the inode number of each entry; nothing is created on any error. Errors: (as the per-entry calls) EEXIST (TX017), ENOENT (TX002), ENOTDIR (TX020), EINVAL (TX022), ENAMETOOLONG (TX036), EPERM (TX001), EMLINK (TX031), EDQUOT (TX122), EFBIG (TX027) over 16 MiB, E2BIG (TX007), EOPNOTSUPP (TX095), EROFS (TX030).';
