-- Extended attributes, setattr (chmod, chown, utimens, size) and the life of unlinked-but-open
-- inodes (fs_forget, purge_orphans).
BEGIN;
SELECT plan(121);

CREATE FUNCTION pg_temp.now_ns() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT (extract(epoch FROM now()) * 1000000000)::bigint $$;

SELECT role_name AS tenant FROM tarbox.tenant_create('attrtest') \gset
SET ROLE :"tenant";
SELECT tarbox.write('/x', 'content'::bytea) AS w \gset
SELECT (tarbox.stat('/x')).ino AS x \gset

-- ---- Extended attributes: create/replace flags, ENODATA, sorted listing, removal ------------
SELECT tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.b'::bytea, 'vb'::bytea, 0)$$, :x), 'setxattr user.b');
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:x)), row(2000, pg_temp.now_ns())::text,
          'setxattr updates ctime, not mtime');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.a'::bytea, '\x00ff00'::bytea, 0)$$, :x), 'setxattr user.a with a binary value');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.c'::bytea, ''::bytea, 0)$$, :x), 'setxattr user.c with an empty value');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, '\x757365722efffe'::bytea, 'raw'::bytea, 0)$$, :x), 'setxattr with a non-UTF-8 name (user.\xff\xfe)');
SELECT is(tarbox.fs_getxattr(:x, 'user.b'::bytea), 'vb'::bytea, 'getxattr returns the value');
SELECT is(tarbox.fs_getxattr(:x, 'user.a'::bytea), '\x00ff00'::bytea, 'a binary value round-trips');
SELECT is(tarbox.fs_getxattr(:x, 'user.c'::bytea), ''::bytea, 'an empty value is a value');
SELECT is(tarbox.fs_getxattr(:x, '\x757365722efffe'::bytea), 'raw'::bytea, 'a non-UTF-8 name round-trips');
SELECT is(ARRAY(SELECT tarbox.fs_listxattr(:x)), ARRAY['user.a', 'user.b', 'user.c', '\x757365722efffe']::bytea[], 'listxattr is sorted by name bytes');
SELECT throws_ok(format($$SELECT tarbox.fs_getxattr(%s, 'user.none'::bytea)$$, :x), 'TX061', NULL, 'getxattr of a missing name -> ENODATA');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.b'::bytea, 'new'::bytea, 1)$$, :x), 'TX017', NULL, 'XATTR_CREATE on an existing name -> EEXIST');
SELECT is(tarbox.fs_getxattr(:x, 'user.b'::bytea), 'vb'::bytea, 'the failed XATTR_CREATE changed nothing');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.none'::bytea, 'v'::bytea, 2)$$, :x), 'TX061', NULL, 'XATTR_REPLACE of a missing name -> ENODATA');
SELECT throws_ok(format($$SELECT tarbox.fs_getxattr(%s, 'user.none'::bytea)$$, :x), 'TX061', NULL, 'the failed XATTR_REPLACE created nothing');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.b'::bytea, 'replaced'::bytea, 2)$$, :x), 'XATTR_REPLACE of an existing name');
-- POSIX ACLs are not supported: system.* must fail (EOPNOTSUPP) so that cp -a and tar fall back
-- to chmod instead of believing an ACL set the mode.
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'system.posix_acl_access'::bytea, '\x02000000'::bytea, 0)$$, :x),
                 'TX095', NULL, 'setxattr system.posix_acl_access -> EOPNOTSUPP');
SELECT is(tarbox.fs_getxattr(:x, 'user.b'::bytea), 'replaced'::bytea, 'XATTR_REPLACE replaced the value');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.d'::bytea, 'd'::bytea, 1)$$, :x), 'XATTR_CREATE of a new name');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.d'::bytea, 'd2'::bytea, 0)$$, :x), 'flags 0 replace an existing value');
SELECT is(tarbox.fs_getxattr(:x, 'user.d'::bytea), 'd2'::bytea, '... to the new value');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.e'::bytea, 'e'::bytea, 3)$$, :x), 'TX022', NULL, 'unknown flags -> EINVAL');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, %L::bytea, 'v'::bytea, 0)$$, :x, 'user.' || repeat('n', 250)), 'a 255-byte name is fine');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, %L::bytea, 'v'::bytea, 0)$$, :x, 'user.' || repeat('n', 251)), 'TX034', NULL, 'a 256-byte name -> ERANGE');
-- Namespaces, as ext4 checks them (issue 16, item 16).
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.'::bytea, 'v'::bytea, 0)$$, :x), 'TX022', NULL, '"user." with nothing after it -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'foo.a'::bytea, 'v'::bytea, 0)$$, :x), 'TX095', NULL, 'a name in no known namespace (foo.a) -> EOPNOTSUPP');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'nodot'::bytea, 'v'::bytea, 0)$$, :x), 'TX095', NULL, 'a name in no namespace at all -> EOPNOTSUPP');
SELECT throws_ok(format($$SELECT tarbox.fs_getxattr(%s, 'nodot'::bytea)$$, :x), 'TX095', NULL, 'getxattr of such a name -> EOPNOTSUPP');
SELECT throws_ok(format($$SELECT tarbox.fs_removexattr(%s, 'security.'::bytea)$$, :x), 'TX022', NULL, 'removexattr of "security." -> EINVAL');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'trusted.t'::bytea, 'v'::bytea, 0); SELECT tarbox.fs_setxattr(%s, 'security.s'::bytea, 'v'::bytea, 0)$$, :x, :x),
                'trusted.* and security.* names are stored');
SELECT throws_ok(format($$SELECT tarbox.fs_getxattr(%s, 'security.capability'::bytea)$$, :x), 'TX061', NULL, 'security.capability (the kernel asks before writes) -> ENODATA');
SELECT lives_ok(format($$SELECT tarbox.fs_removexattr(%s, 'trusted.t'::bytea); SELECT tarbox.fs_removexattr(%s, 'security.s'::bytea)$$, :x, :x), '... and removed');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, ''::bytea, 'v'::bytea, 0)$$, :x), 'TX022', NULL, 'an empty name -> EINVAL');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, '\x610062'::bytea, 'v'::bytea, 0)$$, :x), 'TX022', NULL, 'a name with NUL -> EINVAL');
SELECT lives_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.big'::bytea, decode(repeat('ab', 65536), 'hex'), 0)$$, :x), 'a 64 KiB value is fine');
SELECT is(octet_length(tarbox.fs_getxattr(:x, 'user.big'::bytea)), 65536, '... and reads back whole');
SELECT throws_ok(format($$SELECT tarbox.fs_setxattr(%s, 'user.big'::bytea, decode(repeat('ab', 65537), 'hex'), 0)$$, :x), 'TX007', NULL, 'a value over 64 KiB -> E2BIG');
SELECT tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT lives_ok(format($$SELECT tarbox.fs_removexattr(%s, 'user.d'::bytea)$$, :x), 'removexattr');
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:x)), row(2000, pg_temp.now_ns())::text,
          'removexattr updates ctime, not mtime');
SELECT throws_ok(format($$SELECT tarbox.fs_getxattr(%s, 'user.d'::bytea)$$, :x), 'TX061', NULL, 'a removed attribute -> ENODATA');
SELECT ok(NOT ('user.d'::bytea = ANY (ARRAY(SELECT tarbox.fs_listxattr(:x)))), 'a removed attribute is not listed');
SELECT throws_ok(format($$SELECT tarbox.fs_removexattr(%s, 'user.d'::bytea)$$, :x), 'TX061', NULL, 'removing it again -> ENODATA');
SELECT throws_ok($$SELECT tarbox.fs_setxattr(999999, 'user.a'::bytea, 'v'::bytea, 0)$$, 'TX002', NULL, 'setxattr on a missing inode -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_getxattr(999999, 'user.a'::bytea)$$, 'TX002', NULL, 'getxattr on a missing inode -> ENOENT');
SELECT throws_ok($$SELECT * FROM tarbox.fs_listxattr(999999)$$, 'TX002', NULL, 'listxattr on a missing inode -> ENOENT');
SELECT throws_ok($$SELECT tarbox.fs_removexattr(999999, 'user.a'::bytea)$$, 'TX002', NULL, 'removexattr on a missing inode -> ENOENT');
SELECT lives_ok($$SELECT tarbox.fs_setxattr(1, 'user.root'::bytea, 'r'::bytea, 0)$$, 'xattrs on a directory');
SELECT is(tarbox.fs_getxattr(1, 'user.root'::bytea), 'r'::bytea, '... read back');
-- Path API: names are text, symbolic links are followed.
SELECT tarbox.ln('/x', '/lnk', true) AS w \gset
SELECT lives_ok($$SELECT tarbox.setxattr('/lnk', 'user.path', 'p'::bytea)$$, 'path setxattr through a symlink');
SELECT is(tarbox.fs_getxattr(:x, 'user.path'::bytea), 'p'::bytea, 'it landed on the target');
SELECT is(tarbox.getxattr('/x', 'user.path'), 'p'::bytea, 'path getxattr');
SELECT throws_ok($$SELECT tarbox.setxattr('/x', 'user.path', 'q'::bytea, 1)$$, 'TX017', NULL, 'path setxattr XATTR_CREATE on an existing name -> EEXIST');
SELECT is(ARRAY(SELECT tarbox.listxattr('/x')), ARRAY['user.a', 'user.b', 'user.big', 'user.c', 'user.' || repeat('n', 250), 'user.path', 'user.\xff\xfe'],
          'path listxattr: text names, sorted by bytes, non-UTF-8 escaped');
SELECT lives_ok($$SELECT tarbox.removexattr('/x', 'user.path')$$, 'path removexattr');
SELECT throws_ok($$SELECT tarbox.getxattr('/x', 'user.path')$$, 'TX061', NULL, 'path getxattr of a removed name -> ENODATA');
SELECT throws_ok($$SELECT tarbox.getxattr('/nope', 'user.a')$$, 'TX002', NULL, 'path getxattr of a missing file -> ENOENT');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after xattr changes');

-- ---- setattr: chmod keeps the file type ----------------------------------------------------
SELECT tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, 1000, 2000, 3000) AS w \gset
SELECT is((tarbox.fs_setattr(:x, 384, NULL, NULL, NULL, NULL, NULL)).mode, 32768 | 384, 'chmod 0600 keeps the regular-file type bits');
SELECT is((SELECT row(atime_ns, mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:x)), row(1000, 2000, pg_temp.now_ns())::text,
          'chmod sets ctime to now and leaves atime and mtime');
SELECT is((tarbox.fs_setattr(:x, 32768 | 420, NULL, NULL, NULL, NULL, NULL)).mode, 33188, 'a mode with the same type bits is accepted');
SELECT is((tarbox.fs_setattr(:x, 2541, NULL, NULL, NULL, NULL, NULL)).mode, 32768 | 2541, 'set-user-ID and sticky bits are kept (04755)');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, %s, NULL, NULL, NULL, NULL, NULL)', :x, 16384 | 493), 'TX022', NULL, 'chmod cannot turn a file into a directory -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, 65536, NULL, NULL, NULL, NULL, NULL)', :x), 'TX022', NULL, 'mode bits outside st_mode -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, -1, NULL, NULL, NULL, NULL, NULL)', :x), 'TX022', NULL, 'a negative mode -> EINVAL');
SELECT is((tarbox.fs_setattr(1, 448, NULL, NULL, NULL, NULL, NULL)).mode, 16384 | 448, 'chmod 0700 of a directory keeps the directory type');
SELECT lives_ok($$SELECT tarbox.chmod('/x', 420)$$, 'path chmod');
SELECT is((SELECT mode FROM tarbox.stat('/x')), 33188, 'path chmod set 0644');
SELECT lives_ok($$SELECT tarbox.chmod('/x', 33152)$$, 'path chmod with type bits in the argument');
SELECT is((SELECT mode FROM tarbox.stat('/x')), 33152, 'path chmod keeps only the permission bits of its argument');
SELECT lives_ok($$SELECT tarbox.chmod('/lnk', 416)$$, 'path chmod through a symlink');
SELECT is(ARRAY[(SELECT mode FROM tarbox.stat('/x')), (SELECT mode FROM tarbox.stat('/lnk', false))], ARRAY[33184, 41471],
          'chmod of a symlink changes its target, the link keeps 0777');

-- ---- chown ---------------------------------------------------------------------------------
SELECT is((SELECT row(uid, gid)::text FROM tarbox.fs_setattr(:x, NULL, 1000, 2000, NULL, NULL, NULL)), '(1000,2000)', 'chown sets uid and gid');
SELECT is((SELECT row(uid, gid)::text FROM tarbox.fs_setattr(:x, NULL, 1001, NULL, NULL, NULL, NULL)), '(1001,2000)', 'chown with a NULL gid keeps the group');
SELECT is((SELECT row(uid, gid)::text FROM tarbox.fs_setattr(:x, NULL, NULL, 2001, NULL, NULL, NULL)), '(1001,2001)', 'chgrp with a NULL uid keeps the owner');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, -1, NULL, NULL, NULL, NULL)', :x), 'TX022', NULL, 'uid -1 -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, NULL, 4294967296, NULL, NULL, NULL)', :x), 'TX022', NULL, 'gid 2^32 -> EINVAL');
SELECT lives_ok($$SELECT tarbox.chown('/x', 42)$$, 'path chown without a group');
SELECT is((SELECT row(uid, gid)::text FROM tarbox.stat('/x')), '(42,2001)', 'path chown changed the owner only');
SELECT lives_ok($$SELECT tarbox.chown('/x', 43, 44)$$, 'path chown with a group');
SELECT is((SELECT row(uid, gid)::text FROM tarbox.stat('/x')), '(43,44)', 'path chown changed both');

-- ---- utimens: nanosecond times, NULL = unchanged, ctime = now unless given -------------------
SELECT is((SELECT row(atime_ns, mtime_ns, ctime_ns)::text
             FROM tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, 1234567890123456789, 987654321987654321)),
          row(1234567890123456789, 987654321987654321, pg_temp.now_ns())::text, 'utimens keeps nanoseconds; ctime becomes now');
SELECT is((SELECT row(atime_ns, mtime_ns)::text FROM tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, 5, NULL)),
          '(5,987654321987654321)', 'setting atime only leaves mtime');
SELECT is((SELECT row(atime_ns, mtime_ns, ctime_ns)::text FROM tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, NULL, NULL, 77)),
          '(5,987654321987654321,77)', 'an explicit ctime is stored as given');
SELECT tarbox.fs_getattr(:x)::text AS before_all_null \gset
SELECT is(tarbox.fs_setattr(:x, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::text, :'before_all_null', 'setattr with every argument NULL changes nothing (not even ctime)');
SELECT lives_ok($$SELECT tarbox.touch('/x', 111, 222)$$, 'path touch with times');
SELECT is((SELECT row(atime_ns, mtime_ns)::text FROM tarbox.stat('/x')), '(111,222)', 'path touch set both times');
SELECT lives_ok($$SELECT tarbox.touch('/touched')$$, 'path touch of a missing file creates it');
SELECT is((SELECT row(type, size, mtime_ns)::text FROM tarbox.stat('/touched')), row('file', 0, pg_temp.now_ns())::text, 'an empty file stamped now');

-- ---- setattr size ----------------------------------------------------------------------------
SELECT is((tarbox.fs_setattr(:x, NULL, NULL, NULL, 3, NULL, NULL)).size, 3::bigint, 'setattr size 3 truncates');
SELECT is(tarbox.read('/x'), 'con'::bytea, 'the content is cut');
SELECT is((SELECT row(mtime_ns, ctime_ns)::text FROM tarbox.fs_getattr(:x)), row(pg_temp.now_ns(), pg_temp.now_ns())::text,
          'a size change sets mtime and ctime');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, 0, NULL, NULL)', (SELECT ino FROM tarbox.stat('/lnk', false))),
                 'TX022', NULL, 'setattr size on a symlink -> EINVAL');
SELECT throws_ok(format('SELECT tarbox.fs_setattr(%s, NULL, NULL, NULL, -1, NULL, NULL)', :x), 'TX022', NULL, 'a negative size -> EINVAL');
SELECT throws_ok('SELECT tarbox.fs_setattr(999999, 420, NULL, NULL, NULL, NULL, NULL)', 'TX002', NULL, 'setattr of a missing inode -> ENOENT');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after setattr');

-- ---- Unlinked but open: the inode lives on until fs_forget ---------------------------------
SELECT tarbox.write('/u', 'still here'::bytea) AS w \gset
SELECT (tarbox.stat('/u')).ino AS u \gset
SELECT tarbox.fs_setxattr(:u, 'user.k'::bytea, 'kv'::bytea, 0) AS w \gset
SELECT lives_ok($$SELECT tarbox.fs_unlink(1, 'u'::bytea)$$, 'unlink /u');
SELECT throws_ok($$SELECT tarbox.fs_lookup(1, 'u'::bytea)$$, 'TX002', NULL, 'the name is gone');
SELECT is((tarbox.fs_getattr(:u)).nlink, 0, 'the inode has nlink 0');
SELECT is(tarbox.fs_read(:u, 0, 100), 'still here'::bytea, 'its content is still readable');
SELECT is(tarbox.fs_getxattr(:u, 'user.k'::bytea), 'kv'::bytea, 'its xattrs are still readable');
SELECT is(tarbox.fs_write(:u, 10, '!'::bytea), 1::bigint, 'it can still be written (an open handle)');
SELECT throws_ok(format($$SELECT tarbox.fs_link(%s, 1, 'back'::bytea)$$, :u), 'TX002', NULL, 'an unlinked inode cannot be linked again -> ENOENT');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck: an unlinked open inode is not a problem');
SELECT is(tarbox.fs_forget(:u), true, 'fs_forget removes it');
SELECT throws_ok(format('SELECT tarbox.fs_getattr(%s)', :u), 'TX002', NULL, 'after fs_forget: getattr -> ENOENT');
SELECT throws_ok(format('SELECT tarbox.fs_read(%s, 0, 10)', :u), 'TX002', NULL, 'after fs_forget: read -> ENOENT');
SELECT is((SELECT count(*) FROM tarbox.blockmap WHERE ino = :u AND died = 2147483647)
          + (SELECT count(*) FROM tarbox.xattr WHERE ino = :u AND died = 2147483647), 0::bigint,
          'after fs_forget: no live block mapping or xattr of it remains');
SELECT is(tarbox.fs_forget(:u), false, 'a second fs_forget does nothing');
SELECT is(tarbox.fs_forget(:x), false, 'fs_forget of a linked inode does nothing');
SELECT is(tarbox.read('/x'), 'con'::bytea, '... and the file is intact');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after fs_forget');

-- ---- fs_forget(bigint[]): a kernel BATCH_FORGET in one call ----------------------------------
SELECT (tarbox.fs_create(1, 'b1'::bytea, 420, 0, 0)).ino AS b1 \gset
SELECT (tarbox.fs_create(1, 'b2'::bytea, 420, 0, 0)).ino AS b2 \gset
SELECT tarbox.fs_write(:b1, 0, 'batch'::bytea) AS w \gset
SELECT tarbox.fs_unlink(1, 'b1'::bytea) AS w \gset
SELECT tarbox.fs_unlink(1, 'b2'::bytea) AS w \gset
SELECT is(tarbox.fs_forget(ARRAY[:x, :b1, 999999, :b2, :b1]::bigint[]), 2::bigint,
          'fs_forget(array) removes the 2 unlinked inodes; linked, absent and repeated ones count nothing');
SELECT is((SELECT count(*) FROM tarbox.inode WHERE ino IN (:b1, :b2) AND died = 2147483647), 0::bigint, 'they are gone');
SELECT is(tarbox.read('/x'), 'con'::bytea, 'the linked file in the batch is intact');
SELECT is(tarbox.fs_forget(ARRAY[]::bigint[]), 0::bigint, 'an empty batch removes nothing');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after fs_forget(array)');

-- ---- purge_orphans: everything left with nlink 0 goes, nothing else --------------------------
SELECT (tarbox.fs_create(1, 'o1'::bytea, 420, 0, 0)).ino AS o1 \gset
SELECT (tarbox.fs_create(1, 'o2'::bytea, 420, 0, 0)).ino AS o2 \gset
SELECT (tarbox.fs_mkdir(1, 'od'::bytea, 493, 0, 0)).ino AS od \gset
SELECT tarbox.fs_write(:o1, 0, 'orphan data'::bytea) AS w \gset
SELECT tarbox.fs_unlink(1, 'o1'::bytea) AS w \gset
SELECT tarbox.fs_unlink(1, 'o2'::bytea) AS w \gset
SELECT tarbox.fs_rmdir(1, 'od'::bytea) AS w \gset
SELECT is(tarbox.purge_orphans(), 3::bigint, 'purge_orphans removes the 2 unlinked files and the removed directory');
SELECT is((SELECT count(*) FROM tarbox.inode WHERE ino IN (:o1, :o2, :od) AND died = 2147483647), 0::bigint, 'they are gone');
SELECT is(tarbox.purge_orphans(), 0::bigint, 'a second purge_orphans finds nothing');
SELECT is(tarbox.read('/x'), 'con'::bytea, 'linked files are untouched');
SELECT is_empty('SELECT * FROM tarbox.fsck()', 'fsck clean after purge_orphans');

SELECT * FROM finish();
ROLLBACK;
