"""``python -m tarbox_shell.bench.upload``: the large-file upload protocol alone, through a real
``tarbox serve``: one file of ``--mib`` MiB sent as an upload session (start, chunks of 16 MiB,
raw chunk PUTs, complete; :func:`tarbox_shell.bench.http.upload_session`) with each number of
parallel chunk PUTs of ``--parallel``, ``--repeat`` times each, on a throw-away tenant. Prints
one line per run (MiB/s of the whole upload, seconds in the PUTs and in complete) and the load
average. A measure for one change, not part of ``make bench``'s table (which reports the
same figure at 1 and 4 PUTs, once)."""

from __future__ import annotations

import argparse
import os
import sys
import time

import psycopg

from .http import serve, upload_session


def main(argv: list[str] | None = None) -> int:
    """Parse the options, measure, print; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m tarbox_shell.bench.upload", description=__doc__)
    ap.add_argument("--dsn", default=os.environ.get("TARBOX_DSN"), help="administrator DSN (default $TARBOX_DSN)")
    ap.add_argument("--mib", type=int, default=256, help="file size in MiB (default 256)")
    ap.add_argument("--parallel", default="1,4", help="numbers of chunk PUTs at a time (default 1,4)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each (default 2)")
    args = ap.parse_args(argv)
    if not args.dsn:
        ap.error("--dsn or TARBOX_DSN is required")
    tenant = f"bench-upload-{int(time.time())}"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute("SELECT tarbox.tenant_create(%s)", (tenant,))
        token = admin.execute("SELECT token FROM tarbox.tenant_token_create(%s, 'bench')", (tenant,)).fetchone()[0]
    try:
        with serve(args.dsn) as (url, _pid):
            for run in range(args.repeat):
                for parallel in (int(x) for x in args.parallel.split(",")):
                    r = upload_session(url, token, f"/up-{parallel}-{run}.bin", args.mib, parallel)
                    print(f"{args.mib} MiB, {parallel} parallel chunk PUTs: {args.mib / r['seconds']:6.1f} MiB/s "
                          f"({r['seconds']:.2f} s: PUTs {r['puts_s']:.2f} s, complete {r['complete_s']:.2f} s); "
                          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        with psycopg.connect(args.dsn, autocommit=True) as admin:
            admin.execute("SELECT tarbox.tenant_delete(%s)", (tenant,))
    return 0


if __name__ == "__main__":
    sys.exit(main())
