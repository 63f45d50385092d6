"""``python -m tarbox_shell`` runs the CLI."""

from .cli import main

main()
