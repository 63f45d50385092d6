"""Property-based fuzzing of every route of the OpenAPI schema with schemathesis: whatever the
generated path, query, headers and body, no answer is a 500, every error has the JSON error
body (errno and message, no traceback), and the tenant's file system stays consistent
(``tarbox.fsck()`` afterwards: the ``tenant`` fixture checks it).

The schema is loaded from the running server and each operation's examples are drawn with
Hypothesis here (schemathesis's own pytest plugin does not run on this pytest)."""

from __future__ import annotations

import json
import os

import hypothesis
import schemathesis

from tests.server.support import make_token

EXAMPLES = int(os.environ.get("TARBOX_FUZZ_EXAMPLES", "40"))


def seed(tenant) -> None:
    """A few files, a directory, a symlink and a second layer for the fuzzer to hit."""
    c = tenant.conn
    c.execute("SELECT tarbox.mkdir('/d', 493, true)")
    c.execute("SELECT tarbox.write('/d/f', 'hello')")
    c.execute("SELECT tarbox.write('/f', 'top')")
    c.execute("SELECT tarbox.ln('f', '/l', true)")
    c.execute("SELECT * FROM tarbox.layer_new('one')")


def test_every_route_survives_fuzzing(server, tenant, admin):
    seed(tenant)
    token = make_token(admin, tenant.name)
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 35
    failures: list[str] = []
    calls = {"n": 0}

    for op in operations:
        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck))
        @hypothesis.given(case=op.as_strategy())
        def run(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call(base_url=server.url, timeout=60)
            calls["n"] += 1
            text = response.content.decode("utf-8", "replace")
            where = f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
            if response.status_code >= 500 and response.status_code != 503:
                failures.append(f"{where}: {text[:300]}")
            if "Traceback" in text:
                failures.append(f"{where}: a traceback in the body")
            if response.status_code >= 400 and response.status_code != 416 and case.method.upper() != "HEAD":
                try:
                    err = json.loads(response.content)
                    ok = set(err) == {"error", "errno", "message"} and bool(err["message"])
                except ValueError:
                    ok = False
                if not ok:
                    failures.append(f"{where}: not the JSON error body: {text[:200]}")

        run()
    print(f"\nfuzzed {len(operations)} operations with {calls['n']} requests")
    assert failures == [], "\n".join(failures[:20])
    assert httpx_ok(server.url)


def httpx_ok(url: str) -> bool:
    """The server still answers /health after the fuzzing."""
    import httpx
    return httpx.get(url + "/health", timeout=30).status_code == 200
