"""Helpers of the native mount tests (no tests here): a TOML configuration writer, a mount of
a tenant with ``--config``, the six wheel downloaded once, and a request context for calling
the passthrough component directly."""

from __future__ import annotations

import glob
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import CACHE
from tests.fuse.support import Mount

HOST_PYTHON = "/usr/bin/python3"


def write_config(path: Path, *mounts: dict) -> Path:
    """Write ``[[native_mount]]`` tables (dicts of str/bool/int) to TOML file ``path``."""
    lines = []
    for m in mounts:
        lines.append("[[native_mount]]")
        for key, value in m.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def native_mount(tenant, tmp_path: Path, *mounts: dict, name: str = "mnt", extra: list[str] | None = None) -> Mount:
    """A started ``tarbox mount --config`` of ``tenant`` at ``tmp_path/name`` with the given
    native mount tables."""
    cfg = write_config(tmp_path / f"{name}.toml", *mounts)
    return Mount(tenant, tmp_path / name, ["--config", str(cfg), *(extra or [])]).start()


def six_wheel() -> Path:
    """The six wheel (downloaded once into .cache/wheels with pip); raises RuntimeError."""
    target = CACHE / "wheels"
    found = glob.glob(str(target / "six-*.whl"))
    if not found:
        target.mkdir(parents=True, exist_ok=True)
        r = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "six", "-d",
                            str(target)], capture_output=True, text=True)
        found = glob.glob(str(target / "six-*.whl"))
        if not found:
            raise RuntimeError(f"cannot download the six wheel: {r.stderr.strip()[-300:]}")
    return Path(found[0])


@dataclass
class Ctx:
    """What the passthrough reads of a pyfuse3.RequestContext."""

    uid: int = 0
    gid: int = 0
    pid: int = 0
    umask: int = 0o022
