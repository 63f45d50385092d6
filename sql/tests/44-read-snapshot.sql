-- Read-only entry points read under ONE snapshot: a plain PL/pgSQL function (VOLATILE) takes
-- a fresh snapshot for every statement under READ COMMITTED, so a read that first fetched the
-- inode and then its data could see a concurrent fs_release commit in between (the data moved
-- from blocks to text chunks) and return zeros where bytes were written. STABLE functions run
-- every statement under the snapshot of the calling query. tests/storage/test_read_snapshot.py
-- races a reader against re-chunking writers; this file pins the volatility of every reader
-- (of tarbox._do_X where an audited wrapper tarbox.X calls it).
BEGIN;
SELECT plan(38);

CREATE TEMP TABLE reader(name text PRIMARY KEY);
INSERT INTO reader VALUES
  ('fs_lookup'), ('fs_getattr'), ('fs_readlink'), ('fs_read'), ('fs_readdir'), ('fs_getxattr'),
  ('fs_listxattr'), ('fs_readdir_many'), ('fs_read_many'), ('stat'), ('ls'), ('read'),
  ('read_text'), ('readlink'), ('getxattr'), ('listxattr'), ('layer_list'), ('layer_current'),
  ('layer_info'), ('diff_text'), ('history'), ('remote_stat'), ('remote_list'), ('remote_read'),
  ('remote_readlink'), ('remote_canonicalize'), ('remote_xattrs'), ('usage'), ('wasi_stat'),
  ('wasi_readlink'), ('compose_getattr'), ('compose_lookup'), ('compose_readdir'),
  ('compose_read'), ('compose_readlink'), ('compose_getxattr'), ('compose_listxattr');

SELECT is(
  (SELECT string_agg(r.name, ', ' ORDER BY r.name) FROM reader r
    WHERE NOT EXISTS (SELECT 1 FROM pg_proc p
                       WHERE p.pronamespace = 'tarbox'::regnamespace
                         AND p.proname IN (r.name, '_do_' || r.name))),
  NULL, 'every reader named here exists');

SELECT is(
  (SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
    WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname = r.name AND p.provolatile <> 's'),
  NULL, format('tarbox.%s (every overload) reads under one snapshot (STABLE)', r.name))
FROM (SELECT coalesce((SELECT p.proname::text FROM pg_proc p
                        WHERE p.pronamespace = 'tarbox'::regnamespace AND p.proname = '_do_' || x.name
                        LIMIT 1), x.name) AS name
        FROM reader x) r
ORDER BY r.name;

SELECT * FROM finish();
ROLLBACK;
