"""Coherence with FUSE mounts: a change made over HTTP shows through a mount of the same tenant
within a second (the mount hears the tenant's change notifications), and a change made
through the mount is what the next HTTP request sees (each request is a fresh transaction)."""

from __future__ import annotations

import os
import stat
import time

import httpx

from tests.fuse.support import Mount, fsck, needs_fuse, wait_for
from tests.server.support import make_token


@needs_fuse
def test_http_and_fuse_see_each_others_changes(server, tenant, admin, tmp_path):
    token = make_token(admin, tenant.name)
    http = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    api = server.url + "/api/v1"
    m = Mount(tenant, tmp_path / "mnt").start()
    try:
        (m / "f").write_text("from the mount")
        os.mkdir(m / "d")
        assert os.listdir(m / "d") == [] and not (m / "d" / "new").exists()  # cached by the kernel
        assert http.get(api + "/files/f").content == b"from the mount"

        tag = http.put(api + "/files/f", content=b"changed over HTTP").headers["etag"]
        http.put(api + "/files/d/new", content=b"created over HTTP")
        http.post(api + "/attrs/f", json={"mode": 0o600})
        t0 = time.monotonic()
        assert wait_for(lambda: (m / "f").read_text() == "changed over HTTP", 1.0)
        assert wait_for(lambda: (m / "d" / "new").exists(), 1.0)
        assert wait_for(lambda: stat.S_IMODE(os.stat(m / "f").st_mode) == 0o600, 1.0)
        assert time.monotonic() - t0 < 1.5
        http.post(api + "/move/d/new", params={"to": "/moved"})
        assert wait_for(lambda: not (m / "d" / "new").exists() and (m / "moved").exists(), 1.0)
        http.delete(api + "/files/moved")
        assert wait_for(lambda: not (m / "moved").exists(), 1.0)

        with open(m / "f", "a") as fh:
            fh.write(" and appended through the mount")
        r = http.get(api + "/files/f")
        assert r.content == b"changed over HTTP and appended through the mount"
        assert r.headers["etag"] != tag
        r = http.put(api + "/files/f", content=b"stale", headers={"If-Match": tag})
        assert r.status_code == 412  # the mount's write changed the version
    finally:
        m.stop()
        http.close()
    assert fsck(tenant) == []
