"""Mount plumbing: serve a tenant's filesystem through FUSE (``tarbox mount`` / ``umount``).

:func:`prepare` checks everything that can be checked in the foreground (FUSE device,
``fusermount3``, the mount point, the database, the tenant) so that errors are printed
as one line before anything is forked; :func:`serve` runs the pyfuse3/trio loop with a
connection pool acting as the tenant and a :class:`~tarbox_shell.fuse.operations.ChangeListener`;
:func:`mount` daemonizes (by default) and reports the outcome of the actual mount through
a pipe, so ``tarbox mount`` returns only once the filesystem is mounted (or has failed).

The click commands are in :mod:`tarbox_shell.cli.mount`.
"""

from __future__ import annotations

import errno
import faulthandler
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from .. import db
from ..errors import TarboxError, message_of, one_line

log = logging.getLogger("tarbox.mount")

POOL_SIZE = 8
POOL_TIMEOUT = 4.0       # seconds a request waits for a connection before EIO
CONNECT_TIMEOUT = 5      # seconds per connection attempt
IDLE_CHECK = 5.0         # a pooled connection idle longer than this is pinged before use
LONG_TIMEOUT = 60.0      # kernel cache timeout when changes made elsewhere are notified
SHORT_TIMEOUT = 1.0      # ... when they are not: changes from elsewhere show within 1 s
FSTYPE = "fuse.tarbox"
ROLE_RE = re.compile(r"^tarbox_tenant_([0-9]+)$")
Q_NATIVE_LIST = ("SELECT mount_id, origin, mount_path, source_path, mode, allow_setuid, allow_devices "
                 "FROM tarbox.native_list(%s, %s)")
Q_NATIVE_PREPARE = ("SELECT mount_id, origin, mount_path, source_path, mode, allow_setuid, allow_devices "
                    "FROM tarbox.native_prepare(%s, %s)")


@dataclass
class MountPlan:
    """Everything :func:`serve` needs, established by :func:`prepare`.

    Attributes: ``tenant`` name, absolute ``mountpoint``, libpq ``conninfo`` (admin),
    tenant ``role`` and ``tenant_id``, ``notify`` (the SQL sends change notifications),
    ``read_only``, ``allow_other``, ``timeout`` (kernel cache seconds), ``pool_size``,
    ``debug`` (libfuse debug output), ``purged`` (orphans removed at start), ``user``
    (the user the mount serves: ``{user}`` of native mount sources), ``natives`` (the
    effective native mounts, :class:`~tarbox_shell.fuse.passthrough.NativeSpec`) and
    ``compositions`` (the tenant's compositions, :class:`~tarbox_shell.fuse.compose.ComposeSpec`).
    """

    tenant: str
    mountpoint: str
    conninfo: str
    role: str
    tenant_id: int
    notify: bool
    channel: str = ""
    read_only: bool = False
    allow_other: bool = False
    timeout: float = SHORT_TIMEOUT
    pool_size: int = POOL_SIZE
    debug: bool = False
    purged: int = 0
    #: Pin the mount to this layer id (read-only), or None for the tenant's current layer.
    layer: int | None = None
    user: str = ""
    natives: list[Any] = field(default_factory=list)
    compositions: list[Any] = field(default_factory=list)

    def fuse_options(self) -> set[str]:
        """The FUSE mount options (set of str): ``default_permissions`` (the kernel checks
        permissions and the sticky bit), ``noatime`` (reads do not write the access time,
        and the mount says so: statvfs ST_NOATIME, /proc/mounts), ``fsname=tarbox:<tenant>``,
        ``subtype=tarbox``, plus ``allow_other``, ``ro`` and ``debug`` when asked."""
        opts = {"default_permissions", "noatime", f"fsname=tarbox:{self.tenant}", "subtype=tarbox"}
        if self.allow_other:
            opts.add("allow_other")
        if self.read_only:
            opts.add("ro")
        if self.debug:
            opts.add("debug")
        return opts


# ---------------------------------------------------------------------- checks


def check_fuse() -> None:
    """Check that FUSE can be used: ``/dev/fuse`` exists and opens read-write, and
    ``fusermount3`` is installed. Raises :class:`TarboxError` with a one-line hint."""
    if not os.path.exists("/dev/fuse"):
        raise TarboxError("/dev/fuse does not exist: load the fuse module (modprobe fuse) or, "
                          "in a container, pass --device /dev/fuse --cap-add SYS_ADMIN",
                          errno.ENODEV)
    try:
        fd = os.open("/dev/fuse", os.O_RDWR)
        os.close(fd)
    except OSError as exc:
        raise TarboxError(f"cannot open /dev/fuse: {exc.strerror}", exc.errno or errno.EACCES)
    if shutil.which("fusermount3") is None:
        raise TarboxError("fusermount3 not found: install fuse3 (apt-get install fuse3)",
                          errno.ENOENT)


def check_mountpoint(path: str) -> str:
    """Validate a mount point and return its absolute path (str).

    Raises :class:`TarboxError`: ENOENT missing, ENOTDIR not a directory, EBUSY already
    a mount point, ENOTCONN a stale FUSE mount (left by a mount process that died).
    """
    absolute = os.path.realpath(path)
    try:
        st = os.stat(absolute)
    except FileNotFoundError:
        raise TarboxError(f"mount point {path} does not exist", errno.ENOENT) from None
    except OSError as exc:
        if exc.errno == errno.ENOTCONN:
            raise TarboxError(f"{path} is a stale mount (transport endpoint is not connected): "
                              f"run `tarbox umount {path}` first", errno.ENOTCONN) from None
        raise TarboxError(f"mount point {path}: {exc.strerror}", exc.errno or errno.EIO) from None
    import stat as _stat
    if not _stat.S_ISDIR(st.st_mode):
        raise TarboxError(f"mount point {path} is not a directory", errno.ENOTDIR)
    if os.path.ismount(absolute) or find_mount(absolute) is not None:
        raise TarboxError(f"mount point {path} is busy: something is already mounted there",
                          errno.EBUSY)
    return absolute


def _unescape_mountinfo(field_: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field_)


def find_mount(path: str) -> tuple[str, str] | None:
    """Look ``path`` (absolute) up in /proc/self/mountinfo. Returns ``(fstype, source)``
    of the topmost mount at exactly that path, or None. Never raises."""
    found = None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                parts = left.split()
                rparts = right.split()
                if len(parts) >= 5 and len(rparts) >= 2 and _unescape_mountinfo(parts[4]) == path:
                    found = (rparts[0], _unescape_mountinfo(rparts[1]))
    except OSError:
        return None
    return found


def default_user() -> str:
    """The user a mount serves when none is named: ``$SUDO_USER`` (the user behind sudo),
    else the login name of the effective uid (str)."""
    sudo = os.environ.get("SUDO_USER")
    if sudo:
        return sudo
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def mount_options(path: str) -> set[str]:
    """The options (set of str) of the topmost mount at absolute ``path`` in
    /proc/self/mountinfo: its per-mount flags (``rw``/``ro``, ``nosuid``, ``nodev``,
    ``noatime`` ...) and, for ``ro``, the superblock's too. Empty when nothing is mounted
    there. Never raises."""
    found: set[str] = set()
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                parts = left.split()
                rparts = right.split()
                if len(parts) >= 6 and _unescape_mountinfo(parts[4]) == path:
                    found = set(parts[5].split(","))
                    if len(rparts) >= 3 and "ro" in rparts[2].split(","):
                        found.discard("rw")
                        found.add("ro")
    except OSError:
        return set()
    return found


def prepare(tenant: str, mountpoint: str, dsn: str | None = None, *, read_only: bool = False,
            allow_other: bool = False, debug: bool = False, native_config: list[dict] | None = None,
            user: str | None = None) -> MountPlan:
    """Check the environment, the database and the tenant; purge the tenant's orphans;
    find the tenant's native mounts and check their host directories.

    Args:
        tenant: tenant name.
        mountpoint: directory to mount on.
        dsn: admin DSN (None: ``$TARBOX_DSN`` or the embedded cluster).
        read_only / allow_other / debug: mount flags.
        native_config: the ``[[native_mount]]`` tables of ``--config`` (list of dicts; the
            SQL validates them), added to the stored definitions for this mount.
        user: the user the mount serves (``{user}`` in native sources); default
            :func:`default_user`.

    Returns a :class:`MountPlan`. Raises :class:`TarboxError` (one line) when FUSE is
    unusable, the mount point is wrong or busy, the database is unreachable, the tenant
    does not exist, a native mount definition is invalid or its host directory unusable.
    Calls ``tarbox.purge_orphans()`` as the tenant (files unlinked while open by a mount
    that went away) and ``tarbox.native_prepare()`` (missing mount points become
    directories), except on read-only mounts.
    """
    check_fuse()
    absolute = check_mountpoint(mountpoint)
    conninfo = db.resolve_dsn(dsn)
    conn = db.connect(dsn, connect_timeout=CONNECT_TIMEOUT)
    try:
        role = db.tenant_role(conn, tenant)
        m = ROLE_RE.match(role)
        if not m:
            raise TarboxError(f"tenant {tenant} has an unexpected role name {role}", errno.EIO)
        notify = bool(db.run(conn, "SELECT to_regprocedure("
                                   "'tarbox._notify(bigint,bigint,bigint,bytea)') IS NOT NULL"
                             ).fetchone()[0])
        has_channel = bool(db.run(conn, "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE "
                                        "attrelid = 'tarbox.tenant'::regclass AND "
                                        "attname = 'notify_channel' AND NOT attisdropped)"
                                  ).fetchone()[0])
        db.set_role(conn, role)
        channel = f"tarbox_{m.group(1)}"
        if has_channel:  # the tenant's secret channel (RLS: a tenant reads only its own row)
            row = db.run(conn, "SELECT notify_channel FROM tarbox.tenant").fetchone()
            if row is None or not row[0]:
                raise TarboxError(f"tenant {tenant} has no notify channel", errno.EIO)
            channel = row[0]
        purged = 0
        if not read_only:
            purged = int(db.run(conn, "SELECT tarbox.purge_orphans()").fetchone()[0] or 0)
        user = user or default_user()
        natives = _native_specs(conn, native_config, user, read_only)
        compositions = _compose_specs(conn, read_only)
    finally:
        conn.close()
    check_native_sources(natives, user)
    return MountPlan(tenant=tenant, mountpoint=absolute, conninfo=conninfo, role=role,
                     tenant_id=int(m.group(1)), notify=notify, channel=channel,
                     read_only=read_only, allow_other=allow_other, debug=debug, purged=purged,
                     timeout=LONG_TIMEOUT if notify else SHORT_TIMEOUT, user=user, natives=natives,
                     compositions=compositions)


def _compose_specs(conn: psycopg.Connection, read_only: bool) -> list[Any]:
    """The tenant's compositions (``tarbox.compose_prepare``, which makes missing mount
    points, or ``tarbox.compose_list`` when read-only) as ComposeSpecs; [] on a schema without
    them."""
    from .compose import ComposeSpec

    if not db.run(conn, "SELECT to_regprocedure('tarbox.compose_list()') IS NOT NULL").fetchone()[0]:
        return []
    fn = "compose_list" if read_only else "compose_prepare"
    rows = db.run(conn, f"SELECT compose_id, mount_path, source, mode, available FROM tarbox.{fn}()").fetchall()
    return [ComposeSpec(*r) for r in rows]


def _native_specs(conn: psycopg.Connection, config: list[dict] | None, user: str,
                  read_only: bool) -> list[Any]:
    """The tenant's effective native mounts (``tarbox.native_prepare``, or
    ``tarbox.native_list`` when read-only) as NativeSpecs; [] on a schema without them."""
    from .passthrough import NativeSpec

    has = bool(db.run(conn, "SELECT to_regprocedure('tarbox.native_list(jsonb,text)') IS NOT NULL").fetchone()[0])
    if not has:
        if config:
            raise TarboxError("this database has no native mounts (run `tarbox init` to upgrade it)",
                              errno.EOPNOTSUPP)
        return []
    query = Q_NATIVE_LIST if read_only else Q_NATIVE_PREPARE
    rows = db.run(conn, query, (Jsonb(config) if config else None, user)).fetchall()
    return [NativeSpec(mount_path=r[2], source_path=r[3], mode=r[4], allow_setuid=r[5],
                       allow_devices=r[6], mount_id=r[0], origin=r[1]) for r in rows]


def check_native_sources(specs: list[Any], user: str) -> None:
    """Check the host directory of every native mount: it must be an absolute directory; a
    missing one of an ``rw`` mount is made (mode 0755, owned by ``user`` when the host has
    that user, as with a per-tenant ``/srv/venvs/{tenant_id}``). Raises :class:`TarboxError`
    naming the mount: a variable left unexpanded, a missing ``ro`` source, not a directory."""
    import stat as _stat

    for spec in specs:
        where = f"native mount {spec.mount_path} ({spec.origin}"
        where += f" {spec.mount_id})" if spec.mount_id is not None else ")"
        if "{" in spec.source_path:
            raise TarboxError(f"{where}: source {spec.source_path} has a variable without a value",
                              errno.EINVAL)
        try:
            st = os.stat(spec.source_path)
        except FileNotFoundError:
            if spec.mode != "rw":
                raise TarboxError(f"{where}: source directory {spec.source_path} does not exist",
                                  errno.ENOENT) from None
            try:
                os.makedirs(spec.source_path, mode=0o755, exist_ok=True)
                try:
                    pw = pwd.getpwnam(user)
                    os.chown(spec.source_path, pw.pw_uid, pw.pw_gid)
                except KeyError:
                    pass
            except OSError as exc:
                raise TarboxError(f"{where}: cannot make source directory {spec.source_path}: "
                                  f"{exc.strerror}", exc.errno or errno.EIO) from None
            continue
        except OSError as exc:
            raise TarboxError(f"{where}: source {spec.source_path}: {exc.strerror}",
                              exc.errno or errno.EIO) from None
        if not _stat.S_ISDIR(st.st_mode):
            raise TarboxError(f"{where}: source {spec.source_path} is not a directory", errno.ENOTDIR)


# ---------------------------------------------------------------------- serving


def build_operations(plan: MountPlan, pool: Any) -> tuple[Any, Any]:
    """The mount's components and the :class:`~tarbox_shell.fuse.dispatch.Dispatcher` over
    them (see ARCHITECTURE.md, "The components of a mount"): the tenant's tree (SQL; a
    read-only :class:`~tarbox_shell.fuse.control.LayerView` when pinned to a layer), the layer
    snapshots, the ``/.tarbox`` control directory attached at ``/.tarbox``, the native mounts
    and the compositions attached at their mount paths.

    Returns ``(dispatcher, tree)``: the tree component (a
    :class:`~tarbox_shell.fuse.operations.TarboxOperations`) is what the change listener
    invalidates for.
    """
    from .control import CONTROL_PATH, ControlComponent, LayerView
    from .dispatch import Dispatcher
    from .operations import TarboxOperations

    from .compose import ComposedView
    from .native_audit import NativeAuditor
    from .passthrough import NativeMount

    read_only = plan.read_only or plan.layer is not None
    tree = TarboxOperations(pool, plan.pool_size, read_only=read_only,
                            timeout=plan.timeout, keep_cache=plan.notify, idle_check=IDLE_CHECK)
    snapshots = LayerView(tree)
    control = ControlComponent(tree, snapshots)
    main = tree if plan.layer is None else LayerView(tree, plan.layer)
    attach: dict[bytes, Any] = {CONTROL_PATH: control}
    natives = []
    max_fds = int(os.environ["TARBOX_NATIVE_MAX_FDS"]) if os.environ.get("TARBOX_NATIVE_MAX_FDS") else None
    for slot, spec in enumerate(plan.natives):
        try:
            native = NativeMount(slot, spec, read_only=read_only, max_fds=max_fds)
        except OSError as exc:
            raise TarboxError(f"native mount {spec.mount_path}: cannot open {spec.source_path}: "
                              f"{exc.strerror}", exc.errno or errno.EIO) from None
        native.audit = NativeAuditor(tree, native)
        natives.append(native)
        attach[os.fsencode(spec.mount_path)] = native
    composed = []
    for index, cspec in enumerate(plan.compositions):
        view = ComposedView(index, cspec, tree)
        composed.append(view)
        attach[os.fsencode(cspec.mount_path)] = view
    ops = Dispatcher(main, [snapshots, control, *natives, *composed], attach=attach,
                     mountpoint=plan.mountpoint, read_only=plan.read_only and plan.layer is None)
    tree.stats = ops.stats  # one set of counters per mount (/.tarbox/stats/*)
    return ops, tree


def _make_pool(plan: MountPlan, own_pids: set[int], session: Any = None):
    """A :class:`tarbox_shell.fuse.trio_pg.TrioPool` of ``plan.pool_size`` autocommit
    connections (made when first needed; :meth:`~tarbox_shell.fuse.trio_pg.TrioPool.fill` makes
    them all), each with the temporary-file cap of a tenant login
    (``db.TENANT_TEMP_FILE_LIMIT``), ``SET ROLE <tenant role>``, ``SET synchronous_commit =
    off`` (fs_fsync forces durability), ``SET tarbox.error_mode = 'warning'`` (failed audited
    calls are recorded and reported as warnings, collected by
    :func:`~tarbox_shell.fuse.operations.watch_reports`) and, when ``session`` (a registered
    :class:`~tarbox_shell.fuse.session.MountSession`) is given, ``SET
    tarbox.mount_session`` to its id; their backend pids are added to ``own_pids``."""
    from .operations import watch_reports
    from .trio_pg import TrioPool

    async def configure(conn) -> None:
        await conn.execute(db.SQL_TENANT_LIMITS, (db.TENANT_TEMP_FILE_LIMIT,))  # before SET ROLE
        await conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(plan.role)))
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET tarbox.error_mode = 'warning'")
        watch_reports(conn)
        if session is not None and session.session_id is not None:
            await conn.execute("SELECT set_config('tarbox.mount_session', %s, false)",
                               (str(session.session_id),))
        own_pids.add(conn.info.backend_pid)

    return TrioPool(plan.conninfo, plan.pool_size, configure, timeout=POOL_TIMEOUT,
                    autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                    application_name="tarbox-mount")  # not the tenant: pg_stat_activity is public


def serve(plan: MountPlan, on_ready=None) -> int:
    """Mount ``plan.mountpoint`` and serve requests until unmounted or SIGINT/SIGTERM/SIGHUP.

    Args:
        plan: from :func:`prepare`.
        on_ready: called without arguments once the kernel mount exists.

    Returns 0 after a clean unmount. Raises :class:`TarboxError` when the pool cannot
    connect or the mount fails. On the way out the filesystem is unmounted (lazily if
    busy), inodes still referenced are passed to ``tarbox.fs_forget`` and the pool closed.
    """
    import pyfuse3
    import trio

    from .operations import ChangeListener
    from .session import MountSession

    own_pids: set[int] = set()
    session = MountSession(plan.conninfo, plan.role, plan.read_only, CONNECT_TIMEOUT)
    pool = _make_pool(plan, own_pids, session)
    ops, tree = build_operations(plan, pool)
    if plan.natives:
        # Native mounts keep a descriptor per inode the kernel holds, and make files with the
        # exact mode asked for (the caller's umask is applied per request).
        from .passthrough import raise_nofile_limit

        raise_nofile_limit()
        os.umask(0)
    profile_path = os.environ.get("TARBOX_PROFILE")
    if profile_path:
        from .operations import RequestProfile

        ops.profile = RequestProfile()
    mounted = False

    async def watch_signals() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as signals:
            async for signum in signals:
                log.info("signal %s: unmounting", signal.Signals(signum).name)
                pyfuse3.terminate()
                return

    async def start() -> None:
        """Register the mount session and connect the pool (fail before mounting), then
        mount."""
        nonlocal mounted
        try:
            await trio.to_thread.run_sync(session.register)
            session.start()
        except psycopg.Error as exc:
            if not plan.read_only:
                raise TarboxError(f"cannot register the mount of tenant {plan.tenant} in the "
                                  f"database: {message_of(exc)}", errno.EIO) from None
            # A read-only mount (of a standby, say) works without: it never purges, and
            # writers then do not know it may hold unlinked files open.
            log.warning("read-only mount without a mount session: %s", message_of(exc))
        try:
            with trio.fail_after(max(10.0, CONNECT_TIMEOUT * 2)):
                await pool.fill()
        except (psycopg.Error, trio.TooSlowError) as exc:
            raise TarboxError(f"cannot connect to the database as tenant {plan.tenant}: "
                              f"{message_of(exc) or 'timed out'}", errno.EIO) from None
        await tree.refresh_audit()
        try:
            pyfuse3.init(ops, plan.mountpoint, plan.fuse_options())
        except Exception as exc:
            raise TarboxError(f"cannot mount on {plan.mountpoint}: {one_line(exc)} "
                              "(see the fuse message above)", errno.EIO) from exc
        mounted = True
        log.info("mounted tenant %s on %s (%s, cache timeout %ss, %s)", plan.tenant,
                 plan.mountpoint, "read-only" if plan.read_only else "read-write", plan.timeout,
                 "change notifications" if plan.notify else "no change notifications")
        if on_ready is not None:
            on_ready()

    async def finish() -> None:
        """After the last request: profile, final forgets, close the pool."""
        if profile_path and ops.profile is not None:
            try:
                ops.profile.dump(profile_path)
            except OSError as exc:
                log.warning("cannot write the request profile: %s", one_line(exc))
        if mounted:
            removed = await ops.forget_all()
            if removed:
                log.info("removed %d unlinked inodes at unmount", removed)
        await pool.close()
        await trio.to_thread.run_sync(session.stop)

    async def main() -> None:
        listener = None
        try:
            await start()
            if plan.notify:
                listener = ChangeListener(plan.conninfo, plan.channel, tree, own_pids,
                                          trio.lowlevel.current_trio_token(), CONNECT_TIMEOUT)
                tree.listener = listener  # layer commands of this mount invalidate through it
                listener.start()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(watch_signals)
                nursery.start_soon(tree.flush_reports_regularly)
                await pyfuse3.main(min_tasks=1, max_tasks=64)
                nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True):
                if listener is not None:
                    listener.stop()
                    await trio.to_thread.run_sync(listener.join, 5.0)
                await finish()

    try:
        trio.run(main)
    finally:
        if mounted:
            try:
                pyfuse3.close(unmount=True)
            except Exception as exc:  # noqa: BLE001
                log.warning("unmount at exit: %s", one_line(exc))
    log.info("unmounted %s", plan.mountpoint)
    return 0


def _setup_logging(debug: bool, log_file: str | None) -> None:
    handlers: list[logging.Handler]
    if log_file:
        handlers = [logging.FileHandler(log_file)]
    else:
        handlers = [logging.StreamHandler(sys.stderr)]
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, handlers=handlers,
                        format="%(asctime)s tarbox-mount[%(process)d] %(levelname)s %(message)s",
                        force=True)
    # `kill -USR1 <pid>` writes every thread's stack to the log (diagnosing a hang).
    stream = getattr(handlers[0], "stream", None)
    if stream is not None:
        try:
            faulthandler.register(signal.SIGUSR1, file=stream, all_threads=True)
        except (AttributeError, ValueError, OSError):
            pass
    # The bridge reports database errors itself (rate-limited).
    logging.getLogger("psycopg").setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("pyfuse3").setLevel(logging.DEBUG if debug else logging.WARNING)


def mount(plan: MountPlan, foreground: bool = False, log_file: str | None = None) -> int:
    """Mount as planned: in this process when ``foreground``, else in a daemon child.

    In the background case the parent waits until the child has mounted (or failed) and
    returns 0, or raises :class:`TarboxError` with the child's error; the child detaches
    (new session, stdio to /dev/null or ``log_file``) and serves until unmounted.
    Returns 0 on success (foreground: after unmount).
    """
    if foreground:
        _setup_logging(plan.debug, log_file)
        return serve(plan)

    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid > 0:  # parent: wait for the verdict
        os.close(wfd)
        chunks = []
        while True:
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(rfd)
        verdict = b"".join(chunks).decode("utf-8", "replace")
        if verdict.startswith("OK"):
            return 0
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        if verdict.startswith("ERR "):
            raise TarboxError(verdict[4:].strip(), errno.EIO)
        raise TarboxError("the mount process exited before mounting", errno.EIO)

    # child
    code = 1
    try:
        os.close(rfd)
        os.setsid()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _setup_logging(plan.debug, log_file)

        def ready() -> None:
            os.write(wfd, b"OK\n")
            os.close(wfd)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            if not log_file:
                logging.getLogger().handlers.clear()
                logging.getLogger().addHandler(logging.NullHandler())
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.close(devnull)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)

        try:
            code = serve(plan, on_ready=ready)
        except TarboxError as exc:
            _report(wfd, exc.message)
        except BaseException as exc:  # noqa: BLE001
            log.exception("mount failed")
            _report(wfd, f"mount failed: {type(exc).__name__}: {one_line(exc)}")
    finally:
        os._exit(code)


def _report(fd: int, message: str) -> None:
    try:
        os.write(fd, f"ERR {one_line(message)}\n".encode())
        os.close(fd)
    except OSError:
        pass


def umount(mountpoint: str, lazy: bool = False, wait: float = 10.0) -> None:
    """Unmount a tarbox mount with ``fusermount3 -u`` (``-z`` when ``lazy``).

    Args:
        mountpoint: the mount point (str).
        lazy: detach now even if busy; the mount goes away when no longer used.
        wait: seconds to wait for the mount to disappear.

    Raises :class:`TarboxError`: EINVAL not mounted or not a tarbox mount, ENOENT no
    fusermount3, EBUSY/EIO with fusermount3's message when it fails.
    """
    absolute = os.path.realpath(mountpoint)
    found = find_mount(absolute)
    if found is None:
        raise TarboxError(f"{mountpoint} is not mounted", errno.EINVAL)
    if found[0] != FSTYPE:
        raise TarboxError(f"{mountpoint} is not a tarbox mount (it is {found[0]})", errno.EINVAL)
    exe = shutil.which("fusermount3")
    if exe is None:
        raise TarboxError("fusermount3 not found: install fuse3 (apt-get install fuse3)", errno.ENOENT)
    cmd = [exe, "-u"] + (["-z"] if lazy else []) + [absolute]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        msg = one_line(res.stderr) or f"fusermount3 exited with {res.returncode}"
        code = errno.EBUSY if "busy" in msg.lower() else errno.EIO
        hint = " (files are open there; close them or use --lazy)" if code == errno.EBUSY else ""
        raise TarboxError(f"cannot unmount {mountpoint}: {msg}{hint}", code)
    deadline = time.monotonic() + wait
    while find_mount(absolute) is not None and time.monotonic() < deadline:
        time.sleep(0.05)


# ---------------------------------------------------------------------- layers


def resolve_layer(plan: MountPlan, ref: str) -> int:
    """The id (int) of the tenant's layer named ``ref`` (name, tag, id). Raises
    :class:`TarboxError` (ENOENT) when there is none."""
    conn = db.connect(plan.conninfo, connect_timeout=CONNECT_TIMEOUT)
    try:
        db.set_role(conn, plan.role)
        return int(db.run(conn, "SELECT layer_id FROM tarbox.layer_info(%s)", (ref,)).fetchone()[0])
    finally:
        conn.close()
