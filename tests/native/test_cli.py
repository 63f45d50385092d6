"""``tarbox native ...`` and the ``[[native_mount]]`` TOML reader, end to end against the test
database: definitions made, listed (all, or effective for one tenant), disabled, removed and
loaded from a file; every mistake one error line, nothing half-loaded."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner

from tarbox_shell.cli import cli
from tarbox_shell.cli.native import read_config
from tarbox_shell.errors import TarboxError


@pytest.fixture
def run(dsn, monkeypatch):
    """run(*args) -> click Result, against the test database."""
    monkeypatch.setenv("TARBOX_DSN", dsn)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def point():
    """A mount path no other test uses (shared definitions apply to every tenant)."""
    return f"/nat-{uuid.uuid4().hex[:10]}"


def _definitions(admin, mount_path):
    return admin.execute("SELECT mount_id, tenant, mount_path, source_path, mode, priority, enabled "
                         "FROM tarbox.native_definitions() WHERE mount_path LIKE %s ORDER BY priority",
                         (mount_path + "%",)).fetchall()


def test_add_list_disable_enable_rm(run, admin, tenant, point):
    r = run("native", "add", point, "/srv/{tenant_id}", "--mode", "rw", "--tenant", tenant.name,
            "--priority", "7")
    assert r.exit_code == 0, r.stderr
    (mount_id, tname, path, source, mode, priority, enabled), = _definitions(admin, point)
    assert (tname, path, source, mode, priority, enabled) == (tenant.name, point, "/srv/{tenant_id}", "rw", 7, True)
    assert r.stdout == f"native mount {mount_id}: /srv/{{tenant_id}} at {point} (rw, tenant {tenant.name}, priority 7)\n"

    listing = run("native", "list", "--json")
    assert any(d["mount_id"] == mount_id and d["tenant"] == tenant.name for d in json.loads(listing.stdout))
    effective = json.loads(run("native", "list", "--tenant", tenant.name, "--json").stdout)
    mine = [d for d in effective if d["mount_path"] == point]
    assert len(mine) == 1 and mine[0]["source_path"].startswith("/srv/") and "{" not in mine[0]["source_path"]

    assert run("native", "disable", str(mount_id)).stdout == f"disabled native mount {mount_id}\n"
    assert _definitions(admin, point)[0][6] is False
    assert not [d for d in json.loads(run("native", "list", "--tenant", tenant.name, "--json").stdout)
                if d["mount_path"] == point]
    assert run("native", "enable", str(mount_id)).exit_code == 0
    assert _definitions(admin, point)[0][6] is True
    assert run("native", "rm", str(mount_id)).stdout == f"removed native mount {mount_id}\n"
    assert _definitions(admin, point) == []
    r = run("native", "rm", str(mount_id))
    assert r.exit_code == 1 and r.stderr == f"tarbox: no native mount with mount_id {mount_id}\n"


def test_add_refuses_bad_definitions_in_one_line(run, point):
    for args, message in [
        ((point, "relative/src"), "source_path 'relative/src' must be an absolute host path"),
        ((point + "/", "/src"), f"mount_path '{point}/' is not normalised (no ., .., // or trailing /)"),
        (("/.tarbox/x", "/src"), "mount_path '/.tarbox/x' is inside the control directory /.tarbox"),
        ((point, "/srv/{home}"), "source_path '/srv/{home}' uses an unknown variable or a stray brace "
                                 "(known: {tenant_id} {tenant} {mount_id} {user})"),
        ((point, "/src", "--tenant", "no-such-tenant"), "no tenant named 'no-such-tenant'"),
    ]:
        r = run("native", "add", *args)
        assert r.exit_code == 1 and r.stderr == f"tarbox: {message}\n", r.stderr
    assert run("native", "add", point, "/src", "--mode", "rwx").exit_code == 2


def test_load_upserts_and_is_all_or_nothing(run, admin, tenant, point, tmp_path):
    cfg = tmp_path / "native.toml"
    cfg.write_text(f"""
# a shared read-only tree and one tenant's read-write directory
[[native_mount]]
mount_path = "{point}/usr"
source_path = "/usr"
mode = "ro"

[[native_mount]]
mount_path = "{point}/venv"
source_path = "/srv/venvs/{{tenant_id}}"
mode = "rw"
tenant = "{tenant.name}"
priority = 5
""")
    r = run("native", "load", str(cfg))
    assert r.exit_code == 0, r.stderr
    rows = _definitions(admin, point)
    assert [(t, p, s, m, pr) for _, t, p, s, m, pr, _ in rows] == [
        (tenant.name, f"{point}/venv", "/srv/venvs/{tenant_id}", "rw", 5),
        (None, f"{point}/usr", "/usr", "ro", 100)]
    assert r.stdout.splitlines()[0].startswith("added native mount ")
    cfg.write_text(cfg.read_text().replace('"/usr"', '"/opt/usr"'))
    r = run("native", "load", str(cfg))
    assert [line.split()[0] for line in r.stdout.splitlines()] == ["updated", "updated"]
    assert {row[0] for row in _definitions(admin, point)} == {row[0] for row in rows}, "same ids"

    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[native_mount]]\nmount_path = "{point}/new"\nsource_path = "/new"\nmode = "ro"\n'
                   f'[[native_mount]]\nmount_path = "{point}/x"\nsource_path = "/x"\nmode = "ro"\ncolour = "red"\n')
    r = run("native", "load", str(bad))
    assert r.exit_code == 1
    assert r.stderr.startswith("tarbox: native mount #2: unknown key 'colour'")
    assert all(row[2] != f"{point}/new" for row in _definitions(admin, point)), "nothing of a failed load stays"
    for row in _definitions(admin, point):
        admin.execute("SELECT tarbox.native_rm(%s)", (row[0],))


def test_effective_list_with_a_config_file_and_user(run, tenant, point, tmp_path):
    cfg = tmp_path / "mount.toml"
    cfg.write_text(f'[[native_mount]]\nmount_path = "{point}"\nsource_path = "/home/{{user}}/{{tenant}}"\nmode = "rw"\n')
    r = run("native", "list", "--tenant", tenant.name, "--config", str(cfg), "--user", "agent", "--json")
    assert r.exit_code == 0, r.stderr
    mine = [d for d in json.loads(r.stdout) if d["mount_path"] == point]
    assert mine == [{"mount_id": None, "origin": "config", "mount_path": point,
                     "source_path": f"/home/agent/{tenant.name}", "source_template": "/home/{user}/{tenant}",
                     "mode": "rw", "shared": True, "priority": 100, "allow_setuid": False,
                     "allow_devices": False}]
    r = run("native", "list", "--config", str(cfg))
    assert r.exit_code == 2, "--config needs --tenant"


@pytest.mark.parametrize("text, message", [
    ("[[native_mount]\n", "is not valid TOML"),
    ("[[compose]]\nx = 1\n", "unknown table or key 'compose' (known: [[native_mount]])"),
    ("native_mount = 3\n", "native_mount must be an array of tables ([[native_mount]])"),
    ('[[native_mount]]\nmount_path = "/a"\nwhen = 2024-01-01\n', "native mount #1: when has a value of type date"),
])
def test_read_config_errors(tmp_path, text, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(TarboxError) as exc:
        read_config(str(cfg))
    assert message in exc.value.message
    with pytest.raises(TarboxError) as exc:
        read_config(str(tmp_path / "missing.toml"))
    assert exc.value.message.startswith("cannot read ")
