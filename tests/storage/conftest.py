"""Fixtures of the storage tests: ``mnt`` (a mounted throw-away tenant, as in tests/fuse)."""

from __future__ import annotations

import pytest

from tests.fuse.support import Mount, fsck


@pytest.fixture
def mnt(tenant, tmp_path):
    """A mounted tenant (:class:`tests.fuse.support.Mount`); unmounted after the test, then
    fsck must be empty."""
    m = Mount(tenant, tmp_path / "mnt").start()
    try:
        yield m
    finally:
        m.stop()
    assert fsck(tenant) == []
