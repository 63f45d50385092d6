"""The embedded PostgreSQL cluster that Tarbox runs when no TARBOX_DSN is given.

Layout under ``TARBOX_HOME`` (default ``~/.local/share/tarbox``; ``/var/lib/tarbox``
for root)::

    pgdata/        the data directory (mode 0700, owned by the server's OS user)
    run/           the Unix socket directory (no TCP: listen_addresses = '')
    postgres.log   the server log

The superuser is ``tarbox``; admins reach it by peer authentication through the
``tarbox_admin`` ident map (root, the server's OS user and the invoking OS user
map to ``tarbox``). The same OS users may log in as ``tarbox_gateway``, the HTTP
gateway's role (``tarbox serve``: a member of the tenant roles and nothing more, so
strictly less than the superuser they already reach). Every other role logs in
with a SCRAM password.

When run as root the server runs as an unprivileged OS user (``postgres`` from the
Debian package, else a ``tarbox`` system user that is created on demand), and
``initdb``/``pg_ctl`` are started through ``runuser``.
"""

from __future__ import annotations

import errno
import getpass
import os
import pwd
import re
import shutil
import stat as stmod
import subprocess
import time
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import TarboxError, message_of, one_line

#: Minimum PostgreSQL major version.
MIN_MAJOR = 15

#: Debian package that provides each extension we need (``{v}`` = major version).
EXTENSION_PACKAGES = {
    "plpython3u": "postgresql-plpython3-{v}",
    "pgtap": "postgresql-{v}-pgtap",
}

SUPERUSER = "tarbox"
#: The login role of ``tarbox serve`` (created by migration 0050).
GATEWAY_ROLE = "tarbox_gateway"
IDENT_MAP = "tarbox_admin"
CONF_INCLUDE = "tarbox.conf"

#: Settings written to ``pgdata/tarbox.conf`` at every start. synchronous_commit
#: is deliberately left at its default (on): a committed write is durable.
BASE_SETTINGS = {
    "listen_addresses": "''",
    "shared_buffers": "'256MB'",
    "max_connections": "200",
    "log_destination": "'stderr'",
    "logging_collector": "off",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
    "unix_socket_permissions": "0777",
    # PL/pgSQL keeps plans per session until an ANALYZE invalidates them: analyze soon.
    "autovacuum_naptime": "'10s'",
}


# --------------------------------------------------------------------------- paths


def tarbox_home() -> Path:
    """Return the cluster home directory as an absolute :class:`Path`.

    ``$TARBOX_HOME`` if set (``~`` expanded), else ``/var/lib/tarbox`` when the
    effective uid is 0, else ``~/.local/share/tarbox``. Never raises; the directory
    need not exist.
    """
    env = os.environ.get("TARBOX_HOME")
    if env:
        return Path(env).expanduser().absolute()
    if os.geteuid() == 0:
        return Path("/var/lib/tarbox")
    return Path.home() / ".local" / "share" / "tarbox"


def _home(home: str | os.PathLike | None) -> Path:
    return Path(home).expanduser().absolute() if home is not None else tarbox_home()


def data_dir(home: str | os.PathLike | None = None) -> Path:
    """Return ``<home>/pgdata`` (Path). ``home`` defaults to :func:`tarbox_home`."""
    return _home(home) / "pgdata"


def socket_dir(home: str | os.PathLike | None = None) -> Path:
    """Return ``<home>/run``, the Unix socket directory (Path)."""
    return _home(home) / "run"


def log_file(home: str | os.PathLike | None = None) -> Path:
    """Return ``<home>/postgres.log`` (Path)."""
    return _home(home) / "postgres.log"


def dsn(home: str | os.PathLike | None = None, dbname: str = "tarbox", user: str = SUPERUSER) -> str:
    """Return the libpq DSN of the embedded cluster (str).

    Args:
        home: cluster home (default :func:`tarbox_home`).
        dbname: database name (default ``tarbox``).
        user: the role to log in as (default the superuser ``tarbox``; the peer map also
            admits :data:`GATEWAY_ROLE`).

    Returns ``host=<home>/run dbname=<dbname> user=<user>``. Does not check that
    the server runs.
    """
    host = str(socket_dir(home))
    return psycopg.conninfo.make_conninfo(host=host, dbname=dbname, user=user)


# ------------------------------------------------------------------------ binaries


def find_bindir() -> Path:
    """Return the directory with ``initdb``/``pg_ctl``/``postgres`` (Path).

    Picks the newest ``/usr/lib/postgresql/<N>/bin`` with N >= 15, else what
    ``pg_config --bindir`` says. Raises :class:`TarboxError` (ENOENT) telling to
    install postgresql when none is found.
    """
    candidates = []
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        for entry in base.iterdir():
            if entry.name.isdigit() and int(entry.name) >= MIN_MAJOR:
                if (entry / "bin" / "pg_ctl").exists() and (entry / "bin" / "initdb").exists():
                    candidates.append((int(entry.name), entry / "bin"))
    if candidates:
        return max(candidates)[1]
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
            path = Path(out.stdout.strip())
            if (path / "pg_ctl").exists() and (path / "initdb").exists():
                if _major_of(path) >= MIN_MAJOR:
                    return path
        except (OSError, subprocess.CalledProcessError):
            pass
    raise TarboxError(
        f"PostgreSQL >= {MIN_MAJOR} server binaries not found; "
        "install postgresql (apt-get install postgresql)",
        errno.ENOENT,
    )


def _major_of(bindir: Path) -> int:
    try:
        out = subprocess.run([str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True)
        m = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def bindir_for(home: str | os.PathLike | None = None) -> Path:
    """Return the binaries matching the data directory of ``home`` (Path).

    An existing cluster must be run by the major version that created it
    (``pgdata/PG_VERSION``); a new one uses :func:`find_bindir`. Raises
    :class:`TarboxError` (ENOENT) naming the package to install when that
    version's binaries are missing.
    """
    try:
        version = (data_dir(home) / "PG_VERSION").read_text().strip()
    except OSError:
        return find_bindir()
    candidate = Path("/usr/lib/postgresql") / version / "bin"
    if (candidate / "pg_ctl").exists():
        return candidate
    newest = find_bindir()
    if str(major_version(newest)) == version:
        return newest
    raise TarboxError(
        f"the data directory {data_dir(home)} was created by PostgreSQL {version}; "
        f"install postgresql-{version} (apt-get install postgresql-{version})",
        errno.ENOENT,
    )


def major_version(bindir: Path | None = None) -> int:
    """Return the PostgreSQL major version (int) of ``bindir`` (default :func:`find_bindir`)."""
    bindir = bindir or find_bindir()
    if bindir.parent.parent == Path("/usr/lib/postgresql") and bindir.parent.name.isdigit():
        return int(bindir.parent.name)
    return _major_of(bindir)


def share_dir(bindir: Path | None = None) -> Path:
    """Return the server's share directory (Path), where ``extension/*.control`` live.

    Asks ``<bindir>/pg_config --sharedir`` and falls back to
    ``/usr/share/postgresql/<major>``. Raises :class:`TarboxError` if no binaries.
    """
    bindir = bindir or find_bindir()
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        try:
            out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, check=True)
            path = Path(out.stdout.strip())
            if path.is_dir():
                return path
        except (OSError, subprocess.CalledProcessError):
            pass
    return Path("/usr/share/postgresql") / str(major_version(bindir))


def check_extension(name: str, bindir: Path | None = None) -> None:
    """Make sure extension ``name`` (e.g. ``plpython3u``, ``pgtap``) is installed.

    Looks for ``<sharedir>/extension/<name>.control``. Raises :class:`TarboxError`
    (ENOENT) naming the Debian package to install when missing.
    """
    bindir = bindir or find_bindir()
    control = share_dir(bindir) / "extension" / f"{name}.control"
    if not control.exists():
        pkg = EXTENSION_PACKAGES.get(name, "the package providing {name}").format(
            v=major_version(bindir), name=name
        )
        raise TarboxError(
            f"PostgreSQL extension {name} is not installed ({control} missing); "
            f"install {pkg} (apt-get install {pkg})",
            errno.ENOENT,
        )


# ---------------------------------------------------------------------- OS users


def invoking_user() -> str:
    """Return the login name (str) of the effective user running this process."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return getpass.getuser()


def server_user() -> str:
    """Return the OS user name (str) the server runs as.

    Not root: the invoking user. Root: ``postgres`` if that user exists, else a
    ``tarbox`` system user, created with ``useradd`` if absent. Raises
    :class:`TarboxError` if the user cannot be created.
    """
    if os.geteuid() != 0:
        return invoking_user()
    for name in ("postgres", "tarbox"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    res = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", "tarbox"],
        capture_output=True, text=True,
    )
    if res.returncode != 0:
        raise TarboxError(f"cannot create system user tarbox: {one_line(res.stderr)}", errno.EPERM)
    return "tarbox"


def _can_traverse(path: Path, pw: pwd.struct_passwd) -> bool:
    if pw.pw_uid == 0:
        return True
    st = path.stat()
    if st.st_uid == pw.pw_uid:
        return bool(st.st_mode & stmod.S_IXUSR)
    groups = set(os.getgrouplist(pw.pw_name, pw.pw_gid))
    if st.st_gid in groups:
        return bool(st.st_mode & stmod.S_IXGRP)
    return bool(st.st_mode & stmod.S_IXOTH)


def _check_traversable(home: Path, user: str) -> None:
    pw = pwd.getpwnam(user)
    for anc in reversed(home.parents):
        if not anc.exists():
            break
        if not _can_traverse(anc, pw):
            raise TarboxError(
                f"the database server runs as OS user {user}, which cannot enter {anc} "
                f"(an ancestor of TARBOX_HOME={home}); set TARBOX_HOME to a directory "
                f"{user} can reach, e.g. /var/lib/tarbox",
                errno.EACCES,
            )


def _as_server(cmd: list[str], user: str) -> list[str]:
    if os.geteuid() == 0 and user != "root":
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        if os.path.exists(runuser):
            return [runuser, "-u", user, "--", *cmd]
        pw = pwd.getpwnam(user)
        setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        return [setpriv, f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", *cmd]
    return cmd


def _run(cmd: list[str], user: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PGDATA", None)
    env["LC_ALL"] = "C.UTF-8" if _has_c_utf8() else "C"
    try:
        return subprocess.run(
            _as_server(cmd, user), cwd=str(cwd), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, env=env, timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise TarboxError(f"{Path(cmd[0]).name} timed out after {timeout:.0f}s", errno.ETIMEDOUT) from exc
    except OSError as exc:
        raise TarboxError(f"cannot run {cmd[0]}: {exc.strerror}", exc.errno or errno.EIO) from exc


_C_UTF8: bool | None = None


def _has_c_utf8() -> bool:
    global _C_UTF8
    if _C_UTF8 is None:
        try:
            out = subprocess.run(["locale", "-a"], capture_output=True, text=True)
            names = {ln.strip().lower() for ln in out.stdout.splitlines()}
            _C_UTF8 = bool(names & {"c.utf8", "c.utf-8"})
        except OSError:
            _C_UTF8 = False
    return _C_UTF8


def _chown(path: Path, user: str) -> None:
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)


# ---------------------------------------------------------------------- config


def _ident_users(user: str) -> list[str]:
    names = ["root", user, invoking_user()]
    sudo_user = os.environ.get("SUDO_USER")
    if sudo_user:
        names.append(sudo_user)
    seen: list[str] = []
    for n in names:
        if n and n not in seen:
            seen.append(n)
    return seen


def _write_if_changed(path: Path, text: str, user: str) -> bool:
    try:
        if path.read_text() == text:
            return False
    except OSError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o600)
    _chown(tmp, user)
    os.replace(tmp, path)
    return True


def _write_config(home: Path, user: str) -> bool:
    """(Re)write tarbox.conf, pg_hba.conf and pg_ident.conf; True if anything changed."""
    pgdata = data_dir(home)
    settings = dict(BASE_SETTINGS)
    settings["unix_socket_directories"] = "'" + str(socket_dir(home)).replace("'", "''") + "'"
    conf = "# Written by tarbox at every start; edit postgresql.conf instead.\n" + "".join(
        f"{k} = {v}\n" for k, v in settings.items()
    )
    changed = _write_if_changed(pgdata / CONF_INCLUDE, conf, user)
    main_conf = pgdata / "postgresql.conf"
    text = main_conf.read_text()
    line = f"include_if_exists = '{CONF_INCLUDE}'"
    if line not in text:
        with main_conf.open("a") as fh:
            fh.write(f"\n# tarbox settings\n{line}\n")
        changed = True
    hba = (
        "# Written by tarbox. Admins: peer auth mapped to the tarbox superuser (and to the\n"
        "# HTTP gateway's role, which is less).\n"
        "# Tenant roles (and their psql login roles) log in to Tarbox databases only: in the\n"
        "# cluster's other databases they could own objects (large objects, default privileges)\n"
        "# that `tarbox tenant delete` cannot drop from the Tarbox database.\n"
        "# TYPE  DATABASE          USER            METHOD\n"
        f"local   all               {SUPERUSER},{GATEWAY_ROLE}  peer map={IDENT_MAP}\n"
        "local   postgres,template1 +tarbox_tenant  reject\n"
        "local   all               all             scram-sha-256\n"
    )
    changed |= _write_if_changed(pgdata / "pg_hba.conf", hba, user)
    ident = "# Written by tarbox.\n# MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n" + "".join(
        f"{IDENT_MAP}  {u}  {role}\n" for u in _ident_users(user) for role in (SUPERUSER, GATEWAY_ROLE)
    )
    changed |= _write_if_changed(pgdata / "pg_ident.conf", ident, user)
    return changed


# ---------------------------------------------------------------------- lifecycle


def _read_pid(home: Path) -> int | None:
    try:
        first = (data_dir(home) / "postmaster.pid").read_text().splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def _is_our_postmaster(pid: int, home: Path) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # cannot tell (no /proc): trust kill(0)
    if not cmdline or b"postgres" not in Path(os.fsdecode(cmdline[0])).name.encode():
        return False
    pgdata = os.fsencode(str(data_dir(home)))
    if pgdata in cmdline:
        return True
    try:
        return os.path.samefile(f"/proc/{pid}/cwd", data_dir(home))
    except OSError:
        return True  # cannot read another user's cwd; the name matched


def status(home: str | os.PathLike | None = None) -> int:
    """Return 0 if the embedded server of ``home`` is running, 3 if it is not.

    Args:
        home: cluster home (default :func:`tarbox_home`).

    A ``postmaster.pid`` that names a dead or unrelated process counts as stopped.
    Never raises for a missing cluster (returns 3).
    """
    h = _home(home)
    pid = _read_pid(h)
    if pid is None:
        return 3
    return 0 if _is_our_postmaster(pid, h) else 3


def _remove_stale_locks(home: Path) -> None:
    for p in [data_dir(home) / "postmaster.pid", *socket_dir(home).glob(".s.PGSQL.*.lock")]:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _log_tail(home: Path, lines: int = 200) -> str:
    try:
        text = log_file(home).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    for ln in reversed(text):
        if re.search(r"\b(FATAL|PANIC|ERROR)\b", ln):
            return one_line(ln)
    return one_line(text[-1]) if text else ""


def _prepare_home(home: Path, user: str) -> None:
    if home.exists() and not home.is_dir():
        raise TarboxError(f"TARBOX_HOME={home} exists and is not a directory", errno.ENOTDIR)
    if os.geteuid() == 0 and user != "root":
        _check_traversable(home, user)
    try:
        home.mkdir(parents=True, exist_ok=True)
        socket_dir(home).mkdir(exist_ok=True)
    except OSError as exc:
        raise TarboxError(f"cannot create {exc.filename}: {exc.strerror}; set TARBOX_HOME", exc.errno) from exc
    for p in (home, socket_dir(home)):
        _chown(p, user)
        os.chmod(p, 0o755)
    if os.geteuid() == 0 and user != "root":
        _check_traversable(home / "run", user)
    logf = log_file(home)
    if not logf.exists():
        logf.touch(mode=0o640)
    _chown(logf, user)


def initdb(home: str | os.PathLike | None = None) -> bool:
    """Create the data directory of ``home`` if it does not exist yet.

    Runs ``initdb -U tarbox -E UTF8`` (as the server's OS user when root).
    Returns True if a cluster was created, False if one existed. Raises
    :class:`TarboxError` on missing binaries/extensions or initdb failure.
    """
    h = _home(home)
    bindir = find_bindir()
    check_extension("plpython3u", bindir)
    user = server_user()
    _prepare_home(h, user)
    pgdata = data_dir(h)
    if (pgdata / "PG_VERSION").exists():
        return False
    if pgdata.exists():
        if any(pgdata.iterdir()):
            raise TarboxError(f"{pgdata} exists but is not a PostgreSQL data directory", errno.EEXIST)
    else:
        pgdata.mkdir(mode=0o700)
    _chown(pgdata, user)
    os.chmod(pgdata, 0o700)
    cmd = [str(bindir / "initdb"), "-D", str(pgdata), "-U", SUPERUSER, "-E", "UTF8",
           "--locale=C", "--auth-local=peer", "--auth-host=reject"]
    res = _run(cmd, user, h)
    if res.returncode != 0:
        msg = [ln for ln in (res.stderr + res.stdout).splitlines() if ln.strip()]
        raise TarboxError(f"initdb failed: {one_line(msg[-1] if msg else res.returncode)}")
    _write_config(h, user)
    return True


def start(home: str | os.PathLike | None = None, timeout: float = 60) -> bool:
    """Start the embedded server of ``home`` (initdb first if needed).

    Args:
        home: cluster home (default :func:`tarbox_home`).
        timeout: seconds to wait for the server to accept connections.

    Returns True if the server was started, False if it was already running
    (idempotent). A stale ``postmaster.pid`` (dead or unrelated process) is
    removed first. Does not create databases: see :func:`ensure_database`.
    Raises :class:`TarboxError` with a one-line reason (missing binaries or
    extension packages, untraversable TARBOX_HOME, server failed to start: the
    last error line of ``postgres.log``).
    """
    h = _home(home)
    initdb(h)
    user = server_user()
    changed = _write_config(h, user)
    bindir = bindir_for(h)
    if status(h) == 0:
        if changed:
            _run([str(bindir / "pg_ctl"), "reload", "-s", "-D", str(data_dir(h))], user, h)
        return False
    _remove_stale_locks(h)
    cmd = [str(bindir / "pg_ctl"), "start", "-w", "-s", "-t", str(int(timeout)),
           "-D", str(data_dir(h)), "-l", str(log_file(h))]
    res = _run(cmd, user, h, timeout=timeout + 30)
    if res.returncode != 0 or status(h) != 0:
        reason = _log_tail(h) or one_line(res.stderr or res.stdout) or f"pg_ctl exit {res.returncode}"
        raise TarboxError(f"the database server did not start ({reason}); log: {log_file(h)}")
    _wait_ready(h, timeout)
    return True


def _wait_ready(home: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(dsn(home, "postgres"), connect_timeout=5) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.1)
    raise TarboxError(f"the database server does not accept connections: {one_line(last)}")


def stop(home: str | os.PathLike | None = None, timeout: float = 60) -> bool:
    """Stop the embedded server of ``home`` (fast shutdown: sessions are cut).

    Returns True if a running server was stopped, False if none was running.
    Raises :class:`TarboxError` if pg_ctl fails.
    """
    h = _home(home)
    if status(h) != 0:
        return False
    bindir = bindir_for(h)
    user = server_user()
    cmd = [str(bindir / "pg_ctl"), "stop", "-w", "-s", "-m", "fast", "-t", str(int(timeout)),
           "-D", str(data_dir(h))]
    res = _run(cmd, user, h, timeout=timeout + 30)
    if res.returncode != 0 and status(h) == 0:
        raise TarboxError(f"pg_ctl stop failed: {one_line(res.stderr or res.stdout)}")
    return True


def ensure_database(name: str = "tarbox", home: str | os.PathLike | None = None) -> bool:
    """Create database ``name`` in the running embedded cluster if it is missing,
    and ``CREATE EXTENSION IF NOT EXISTS plpython3u`` in it.

    Args:
        name: database name (str).
        home: cluster home (default :func:`tarbox_home`).

    Returns True if the database was created. Raises :class:`TarboxError` if the
    server is unreachable or the statements fail.
    """
    h = _home(home)
    try:
        with psycopg.connect(dsn(h, "postgres"), autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(name)))
        with psycopg.connect(dsn(h, name), autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
    except psycopg.Error as exc:
        raise TarboxError(f"cannot prepare database {name}: {message_of(exc)}") from exc
    return not exists
