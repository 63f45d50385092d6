"""Containment of native mounts, attacked as an adversarial tenant would: the daemon runs as
root, so it must never act outside a mount's source directory on the tenant's behalf - not
through '..', not by following a symbolic link on the host, not through a hard link, not
through a rename race, and it must refuse device nodes and set-user-ID bits unless allowed.

The first tests call the passthrough component directly (the requests a hostile kernel client
could send, including names the kernel itself never sends); the others attack through a real
mount, with a host directory laid out so that anything the daemon did outside the source
would be seen (``outside`` next to the source)."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from pathlib import Path

import pyfuse3
import pytest

from tarbox_shell.fuse.beneath import openat2_available
from tarbox_shell.fuse.passthrough import NativeMount, NativeSpec
from tests.fuse.support import RENAME_EXCHANGE, needs_fuse, renameat2
from tests.native.support import Ctx, native_mount

CTX = Ctx()


class Fields:
    """A pyfuse3.SetattrFields stand-in: which attributes a SETATTR changes."""

    def __init__(self, **kw):
        for name in ("update_mode", "update_uid", "update_gid", "update_size", "update_atime",
                     "update_mtime", "update_ctime"):
            setattr(self, name, kw.get(name, False))


def attr(**kw) -> pyfuse3.EntryAttributes:
    e = pyfuse3.EntryAttributes()
    for k, v in kw.items():
        setattr(e, k, v)
    return e


@pytest.fixture
def layout(tmp_path):
    """base/a/src (the source), base/a/outside (must stay untouched), base/a/secret.txt."""
    a = tmp_path / "a"
    src, outside = a / "src", a / "outside"
    src.mkdir(parents=True)
    outside.mkdir()
    (outside / "victim.txt").write_text("victim")
    os.chmod(outside / "victim.txt", 0o644)
    (a / "secret.txt").write_text("HOST SECRET")
    return src, outside


def untouched(outside: Path) -> None:
    """Assert nothing was made, changed or linked in ``outside``."""
    assert sorted(os.listdir(outside)) == ["victim.txt"]
    st = os.stat(outside / "victim.txt")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_nlink, st.st_size) == (0, 0, 0o644, 1, 6)
    assert (outside / "victim.txt").read_text() == "victim"
    assert os.listxattr(outside / "victim.txt") == []


def native(src: Path, **kw) -> NativeMount:
    return NativeMount(0, NativeSpec(mount_path="/work", source_path=str(src), mode="rw", **kw))


async def expect(code: int, coro) -> None:
    with pytest.raises(pyfuse3.FUSEError) as exc:
        await coro
    assert exc.value.errno == code, errno.errorcode.get(exc.value.errno)


def test_openat2_is_used_on_this_kernel():
    """The containment primitive is RESOLVE_BENEATH here, not only the O_NOFOLLOW fallback."""
    assert openat2_available()


@pytest.mark.trio
async def test_dotdot_and_multi_component_names_never_reach_the_host(layout):
    src, outside = layout
    n = native(src)
    root = n.root
    await expect(errno.ENOENT, n.lookup(root, b"..", CTX))
    for name in (b"../outside", b"../outside/victim.txt", b"a/b", b"/etc", b"", b"x\0y"):
        await expect(errno.EINVAL, n.lookup(root, name, CTX))
        await expect(errno.EINVAL, n.mkdir(root, name, 0o755, CTX))
        await expect(errno.EINVAL, n.create(root, name, 0o644, os.O_WRONLY, CTX))
        await expect(errno.EINVAL, n.symlink(root, name, b"t", CTX))
        await expect(errno.EINVAL, n.unlink(root, name, CTX))
    await expect(errno.EINVAL, n.rename(root, b"..", root, b"x", 0, CTX))
    sub = (await n.mkdir(root, b"sub", 0o755, CTX)).st_ino
    assert (await n.lookup(sub, b"..", CTX)).st_ino == root, "'..' is the directory it was reached from"
    await expect(errno.EINVAL, n.lookup(sub, b"../../outside", CTX))
    await n.forget_all()
    untouched(outside)


@pytest.mark.trio
async def test_the_daemon_never_follows_a_symlink(layout):
    src, outside = layout
    os.symlink(str(outside), src / "outdir")
    os.symlink(str(outside / "victim.txt"), src / "outfile")
    n = native(src)
    root = n.root
    link_dir = await n.lookup(root, b"outdir", CTX)
    assert stat.S_ISLNK(link_dir.st_mode), "a symlink is returned as a symlink"
    assert await n.readlink(link_dir.st_ino, CTX) == os.fsencode(outside)
    for attempt in (n.lookup(link_dir.st_ino, b"victim.txt", CTX), n.mkdir(link_dir.st_ino, b"x", 0o755, CTX),
                    n.create(link_dir.st_ino, b"x", 0o644, os.O_WRONLY, CTX), n.opendir(link_dir.st_ino, CTX),
                    n.mknod(link_dir.st_ino, b"p", stat.S_IFIFO | 0o644, 0, CTX),
                    n.rename(root, b"outfile", link_dir.st_ino, b"moved", 0, CTX)):
        await expect(errno.ENOTDIR, attempt)
    link = (await n.lookup(root, b"outfile", CTX)).st_ino
    # open/create through it, on purpose (the kernel resolves symlinks itself and never asks this)
    await expect(errno.EACCES, n.open(link, os.O_WRONLY, CTX))
    await expect(errno.ELOOP, n.create(root, b"outfile", 0o644, os.O_WRONLY | os.O_TRUNC, CTX))
    # chown/utimens act on the link itself; chmod, truncate and xattrs of a link are refused
    await n.setattr(link, attr(st_uid=4321, st_gid=4321), Fields(update_uid=True, update_gid=True), None, CTX)
    assert os.lstat(src / "outfile").st_uid == 4321
    await n.setattr(link, attr(st_atime_ns=10**9, st_mtime_ns=2 * 10**9), Fields(update_atime=True, update_mtime=True),
                    None, CTX)
    assert os.lstat(src / "outfile").st_mtime_ns == 2 * 10**9
    await expect(errno.EOPNOTSUPP, n.setattr(link, attr(st_mode=0o777), Fields(update_mode=True), None, CTX))
    await expect(errno.EINVAL, n.setattr(link, attr(st_size=0), Fields(update_size=True), None, CTX))
    await expect(errno.EPERM, n.setxattr(link, b"user.x", b"1", CTX))
    await expect(errno.ENODATA, n.getxattr(link, b"user.x", CTX))
    # a hard link of the symlink is a second name of the link, not of its target
    hard = await n.link(link, root, b"hard", CTX)
    assert stat.S_ISLNK(hard.st_mode) and hard.st_ino == link and os.lstat(src / "hard").st_nlink == 2
    await expect(errno.EPERM, n.link(root, root, b"dirlink", CTX))
    await n.forget_all()
    untouched(outside)


@pytest.mark.trio
async def test_a_directory_swapped_for_a_symlink_changes_nothing_already_held(layout):
    """Check-then-use races cannot exist: once looked up, a directory is its descriptor."""
    src, outside = layout
    (src / "d").mkdir()
    os.symlink("../outside", src / "s")
    n = native(src)
    d = (await n.lookup(n.root, b"d", CTX)).st_ino
    renameat2(src / "d", src / "s", RENAME_EXCHANGE)  # the host (or another client) swaps them
    assert os.path.islink(src / "d")
    fi, entry = await n.create(d, b"new.txt", 0o644, os.O_WRONLY, CTX)
    await n.write(fi.fh, 0, b"inside")
    await n.release(fi.fh)
    await n.mkdir(d, b"newdir", 0o755, CTX)
    assert (src / "s/new.txt").read_text() == "inside", "it went into the directory, wherever it is now"
    assert (src / "s/newdir").is_dir()
    # and a fresh lookup of the name now finds the symlink, as a symlink
    assert stat.S_ISLNK((await n.lookup(n.root, b"d", CTX)).st_mode)
    await n.forget_all()
    untouched(outside)


@pytest.mark.trio
async def test_devices_setuid_and_capabilities_need_the_definition(layout):
    src, outside = layout
    n = native(src)
    root = n.root
    root_ctx = Ctx(umask=0)
    for kind in (stat.S_IFCHR, stat.S_IFBLK):
        await expect(errno.EPERM, n.mknod(root, b"dev", kind | 0o666, os.makedev(1, 3), root_ctx))
    fifo = await n.mknod(root, b"fifo", stat.S_IFIFO | 0o644, 0, root_ctx)
    assert stat.S_ISFIFO(fifo.st_mode)
    f = await n.mknod(root, b"f", stat.S_IFREG | 0o755, 0, root_ctx)
    await expect(errno.EPERM, n.create(root, b"suid", 0o4755, os.O_WRONLY, root_ctx))
    await expect(errno.EPERM, n.mkdir(root, b"suiddir", 0o4755, root_ctx))
    for mode in (0o4755, 0o2755, 0o6755):
        await expect(errno.EPERM, n.setattr(f.st_ino, attr(st_mode=mode), Fields(update_mode=True), None, root_ctx))
    await expect(errno.EPERM, n.setxattr(f.st_ino, b"security.capability", b"\x01\x00\x00\x02" + bytes(16), root_ctx))
    await expect(errno.EOPNOTSUPP, n.setxattr(f.st_ino, b"system.posix_acl_access", b"\x02\x00\x00\x00", root_ctx))
    d = await n.mkdir(root, b"team", 0o775, root_ctx)
    await n.setattr(d.st_ino, attr(st_mode=0o2775), Fields(update_mode=True), None, root_ctx)
    assert os.stat(src / "team").st_mode & stat.S_ISGID, "set-group-ID on a directory is ordinary"
    assert not stat.S_IMODE(os.stat(src / "f").st_mode) & 0o6000 and not (src / "dev").exists()
    await n.forget_all()
    allowed = native(src, allow_setuid=True, allow_devices=True)
    await allowed.mknod(allowed.root, b"null", stat.S_IFCHR | 0o666, os.makedev(1, 3), root_ctx)
    assert os.stat(src / "null").st_rdev == os.makedev(1, 3)
    f2 = await allowed.lookup(allowed.root, b"f", root_ctx)
    await allowed.setattr(f2.st_ino, attr(st_mode=0o4755), Fields(update_mode=True), None, root_ctx)
    assert stat.S_IMODE(os.stat(src / "f").st_mode) == 0o4755
    await allowed.forget_all()
    assert d.st_ino
    untouched(outside)


@pytest.mark.trio
async def test_read_only_definitions_refuse_every_change(layout):
    src, outside = layout
    (src / "f").write_text("data")
    n = NativeMount(0, NativeSpec(mount_path="/work", source_path=str(src), mode="ro"))
    f = (await n.lookup(n.root, b"f", CTX)).st_ino
    for attempt in (n.create(n.root, b"g", 0o644, os.O_WRONLY, CTX), n.mkdir(n.root, b"d", 0o755, CTX),
                    n.unlink(n.root, b"f", CTX), n.rename(n.root, b"f", n.root, b"g", 0, CTX),
                    n.open(f, os.O_WRONLY, CTX), n.open(f, os.O_RDONLY | os.O_TRUNC, CTX),
                    n.setattr(f, attr(st_mode=0o600), Fields(update_mode=True), None, CTX),
                    n.setxattr(f, b"user.x", b"1", CTX), n.link(f, n.root, b"h", CTX),
                    n.symlink(n.root, b"l", b"f", CTX), n.mknod(n.root, b"p", stat.S_IFIFO | 0o600, 0, CTX)):
        await expect(errno.EROFS, attempt)
    fi = await n.open(f, os.O_RDONLY, CTX)
    assert await n.read(fi.fh, 0, 100) == b"data"
    await n.release(fi.fh)
    await n.forget_all()
    assert sorted(os.listdir(src)) == ["f"]


@pytest.mark.trio
async def test_the_descriptor_cache_reopens_by_name_and_checks_identity(layout):
    """With room for 2 descriptors, inodes are reopened name by name from the root, each step
    checked: a directory renamed away and replaced by a symlink on the host is ESTALE, never
    followed; an open file keeps its descriptor, even unlinked."""
    src, outside = layout
    (src / "a/b/c").mkdir(parents=True)
    (src / "a/b/c/f.txt").write_text("deep")
    (src / "a/keep.txt").write_text("kept")
    n = native(src)
    n.max_fds = 2
    a = (await n.lookup(n.root, b"a", CTX)).st_ino
    b = (await n.lookup(a, b"b", CTX)).st_ino
    c = (await n.lookup(b, b"c", CTX)).st_ino
    f = (await n.lookup(c, b"f.txt", CTX)).st_ino
    keep = (await n.lookup(a, b"keep.txt", CTX)).st_ino
    await n.getattr(n.root, CTX)  # a request: the cache is trimmed before it
    assert n.held_descriptors() <= 2
    fi = await n.open(f, os.O_RDONLY, CTX)  # reopened: a, a/b, a/b/c, then f.txt
    assert await n.read(fi.fh, 0, 100) == b"deep"
    for _ in range(3):
        await n.getattr(keep, CTX)
    assert (await n.getattr(f, CTX)).st_size == 4, "an open file's descriptor is pinned"
    os.unlink(src / "a/b/c/f.txt")
    assert await n.read(fi.fh, 0, 100) == b"deep", "unlinked while open still reads"
    assert (await n.getattr(f, CTX)).st_nlink == 0
    await n.release(fi.fh)
    os.rename(src / "a/b", src / "a/b-moved")
    os.symlink("../../outside", src / "a/b")
    for _ in range(3):
        await n.getattr(keep, CTX)
    await expect(errno.ESTALE, n.getattr(c, CTX))
    await expect(errno.ESTALE, n.mkdir(c, b"planted", 0o755, CTX))
    await expect(errno.ESTALE, n.create(c, b"planted.txt", 0o644, os.O_WRONLY, CTX))
    assert (await n.getattr(keep, CTX)).st_size == 4
    await n.forget_all()
    untouched(outside)


# ---------------------------------------------------------------------- through a real mount


@pytest.fixture
def mounted(tenant, tmp_path, layout):
    src, outside = layout
    m = native_mount(tenant, tmp_path, {"mount_path": "/work", "source_path": str(src), "mode": "rw"},
                     {"mount_path": "/sys-usr", "source_path": "/usr", "mode": "ro"})
    try:
        yield m, src, outside
    finally:
        m.stop()
    untouched(outside)


@needs_fuse
def test_relative_symlinks_resolve_in_the_callers_tree_not_on_the_host(mounted):
    m, src, _ = mounted
    os.symlink("../secret.txt", src / "esc")        # on the host: the file next to the source
    os.symlink("../outside", src / "escdir")
    (m.path / "secret.txt").write_text("tree file")  # in the tenant's tree: /secret.txt
    assert (m.path / "work/esc").read_text() == "tree file", "resolved by the kernel in the caller's view"
    assert not (m.path / "work/escdir").exists()
    with pytest.raises(OSError) as exc:
        (m.path / "work/escdir/planted.txt").write_text("x")
    assert exc.value.errno == errno.ENOENT
    assert sorted(os.listdir(m.path / "work/..")) == sorted(os.listdir(m.path))


@needs_fuse
def test_hard_links_stay_inside_one_mount(mounted):
    m, src, outside = mounted
    with pytest.raises(OSError) as exc:
        os.link(m.path / "sys-usr/bin/python3", m.path / "work/python3")
    assert exc.value.errno == errno.EXDEV, "no hard link from one native mount into another"
    os.symlink(str(outside / "victim.txt"), m.path / "work/to-victim")
    os.link(m.path / "work/to-victim", m.path / "work/second-name", follow_symlinks=False)
    assert os.readlink(src / "second-name") == str(outside / "victim.txt")
    assert os.lstat(src / "second-name").st_ino == os.lstat(src / "to-victim").st_ino


@needs_fuse
def test_device_nodes_and_setuid_through_the_mount(mounted):
    m, src, _ = mounted
    w = m.path / "work"
    with pytest.raises(OSError) as exc:
        os.mknod(w / "sda", stat.S_IFBLK | 0o600, os.makedev(8, 0))
    assert exc.value.errno == errno.EPERM
    (w / "tool").write_text("#!/bin/sh\n")
    for mode in (0o4755, 0o2755):
        with pytest.raises(OSError) as exc:
            os.chmod(w / "tool", mode)
        assert exc.value.errno == errno.EPERM
    with pytest.raises(OSError) as exc:
        os.close(os.open(w / "new-suid", os.O_WRONLY | os.O_CREAT, 0o4755))
    assert exc.value.errno == errno.EPERM
    assert sorted(os.listdir(src)) == ["tool"]
    os.chmod(w / "tool", 0o755)
    assert stat.S_IMODE(os.stat(src / "tool").st_mode) == 0o755


@needs_fuse
def test_rename_race_swapping_a_directory_for_a_symlink(mounted):
    """A host process swaps directory d and symlink s (-> ../outside, next to the source)
    as fast as it can while the tenant creates, lists and stats inside d through the mount:
    whatever each request meets, nothing ever lands in or changes outside."""
    m, src, outside = mounted
    (src / "d").mkdir()
    os.symlink("../outside", src / "s")
    stop = threading.Event()
    swaps = [0]

    def swapper():
        while not stop.is_set():
            renameat2(src / "d", src / "s", RENAME_EXCHANGE)
            swaps[0] += 1

    t = threading.Thread(target=swapper, daemon=True)
    t.start()
    created = errors = 0
    codes: dict[int, int] = {}
    start = time.monotonic()
    try:
        i = 0
        # At least 3 s, and on until a request met the directory (the kernel keeps what a
        # lookup found for the 1 s entry timeout, so a run can meet only the symlink for a while).
        while time.monotonic() - start < 3.0 or (created == 0 and time.monotonic() - start < 30.0):
            i += 1
            for op in (lambda: (m.path / f"work/d/f{i}").write_text("x"),
                       lambda: os.mkdir(m.path / f"work/d/dir{i}"),
                       lambda: os.listdir(m.path / "work/d"),
                       lambda: os.stat(m.path / "work/d/victim.txt"),
                       lambda: os.chmod(m.path / "work/d/victim.txt", 0o777),
                       lambda: (m.path / "work/d/victim.txt").write_text("pwned")):
                try:
                    op()
                    created += 1
                except OSError as exc:
                    errors += 1
                    codes[exc.errno] = codes.get(exc.errno, 0) + 1
    finally:
        stop.set()
        t.join()
    assert swaps[0] > 100 and created > 0, (swaps, created, errors, {errno.errorcode[k]: v for k, v in codes.items()})
    untouched(outside)


@pytest.mark.trio
async def test_the_audit_hook_sees_every_request(layout):
    """NativeMount.audit (issue 11 plugs in here) is called after each request with the
    mount, the operation, its arguments, the errno and the time taken; path_of names the
    object inside the source."""
    src, _ = layout
    n = native(src)
    seen = []
    n.audit = lambda mount, op, args, code, ns, result: seen.append((mount.spec.source_path, op, code, ns >= 0))
    d = await n.mkdir(n.root, b"d", 0o755, CTX)
    fi, f = await n.create(d.st_ino, b"f.txt", 0o644, os.O_WRONLY, CTX)
    await n.write(fi.fh, 0, b"abc")
    await expect(errno.EEXIST, n.mkdir(n.root, b"d", 0o755, CTX))
    assert [(op, code) for _, op, code, _ in seen] == [
        ("mkdir", 0), ("create", 0), ("write", 0), ("mkdir", errno.EEXIST)]
    assert all(source == str(src) and timed for source, _, _, timed in seen)
    assert n.path_of(f.st_ino) == b"d/f.txt" and n.path_of(n.root) == b""
    assert n.handle_info(fi.fh) == (f.st_ino, CTX.uid, CTX.gid, CTX.pid)
    await n.release(fi.fh)
    await n.forget_all()
