"""``tarbox gc [TENANT]``: garbage collection, one call of ``tarbox.tenant_gc`` (admin).

Imports: :mod:`tarbox_shell.errors` and the CLI's context.
"""

from __future__ import annotations

import click

from .context import State, pass_state, query


@click.command("gc")
@click.argument("tenant", required=False)
@pass_state
def gc_command(state: State, tenant: str | None) -> None:
    """Delete the blocks no version of any file in any layer of TENANT (default: every
    tenant) references, safely while it is being written; print what was freed."""
    rows = query(state.admin(), "SELECT * FROM tarbox.tenant_gc(%s)", (tenant,)).fetchall()
    for name, blocks, nbytes, kept, ms in rows:
        click.echo(f"{name}: freed {blocks} blocks ({nbytes:,} bytes), {kept} kept, {ms} ms")


COMMANDS = [gc_command]
