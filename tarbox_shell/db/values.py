"""Python values the SQL types cannot hold, brought into their range.

Times are nanoseconds since the epoch in ``bigint`` columns: from -2^63 to 2^63-1 ns, that is
1677-09-21 to 2262-04-11. A time outside (``touch -d 2300-01-01``, a tar member of year 2500,
an ext4 file of year 2446) is clamped to the nearest end, as file systems clamp to what their
inodes hold (ext4 to 1901..2446): never an error (it used to be EIO, "bigint out of range").
"""

from __future__ import annotations

#: The range of a time in ns that the SQL stores (bigint).
NS_MIN = -(1 << 63)
NS_MAX = (1 << 63) - 1


def clamp_ns(ns: int | None) -> int | None:
    """``ns`` (int, or None for "unchanged") clamped to ``NS_MIN..NS_MAX``."""
    if ns is None:
        return None
    return NS_MIN if ns < NS_MIN else NS_MAX if ns > NS_MAX else ns


__all__ = ["NS_MAX", "NS_MIN", "clamp_ns"]
