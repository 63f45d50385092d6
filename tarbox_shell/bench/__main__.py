"""``python -m tarbox_shell.bench``: run :func:`tarbox_shell.bench.harness.run`."""

import sys

from .harness import run

sys.exit(run())
