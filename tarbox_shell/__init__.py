"""Tarbox thin Python shell: embedded cluster, installer, CLI and transfers.

All filesystem semantics live in SQL (``sql/``); this package only starts the
database, installs the SQL, and forwards calls.
"""

from pathlib import Path

__version__ = "0.1.0"

#: Directory holding the SQL sources (``schema/``, ``functions/``, ``tests/``).
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
