"""Reading the audit log: filters and record formats shared by the shells that show records
(``tarbox audit`` in :mod:`tarbox_shell.cli.audit`, ``/.tarbox/audit/`` in
:mod:`tarbox_shell.fuse.control`). The log itself, its levels, seals and maintenance are SQL
(``sql/functions/80-audit``); this package only builds the one ``tarbox.audit_search`` call and
prints its rows.

Imports: :mod:`tarbox_shell.errors` only (the CLI and the FUSE bridge import it).
"""

from .records import (COLUMNS, SEARCH_SQL, Filter, format_record, parse_filter, parse_when,
                      record_json, search_params)

__all__ = ["COLUMNS", "Filter", "SEARCH_SQL", "format_record", "parse_filter", "parse_when",
           "record_json", "search_params"]
