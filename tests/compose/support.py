"""Helpers shared by the composition tests."""

from __future__ import annotations

import subprocess
from typing import Any, Callable

import pytest


def check(r: subprocess.CompletedProcess) -> str:
    """The stdout of a finished ``tarbox`` command (``run_tarbox``), which must have exited 0."""
    assert r.returncode == 0, r.stderr
    return r.stdout


def expect_errno(code: int, fn: Callable[..., Any], *args: Any) -> None:
    """``fn(*args)`` must fail with OSError errno ``code``."""
    with pytest.raises(OSError) as info:
        fn(*args)
    assert info.value.errno == code, (fn, args, info.value)
