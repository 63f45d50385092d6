"""``tarbox serve --workers N`` and ``--tls-cert/--tls-key`` (alias ``--certfile/--keyfile``)
on real servers on localhost: several worker processes answer one port and /metrics sums all
of them; HTTPS with a self-signed certificate made here, plain HTTP refused on that port."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import ipaddress
import os
import re
import ssl
import time
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.server.support import Server, make_token


def self_signed(directory: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 / localhost: (cert.pem, key.pem) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tarbox test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return str(cert_path), str(key_path)


def test_tls_with_a_self_signed_certificate(dsn, tenant, admin, tmp_path):
    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=cert)
    s = Server(dsn, ["--certfile", cert, "--keyfile", key], verify=trust).start()
    try:
        assert s.url.startswith("https://")
        token = make_token(admin, tenant.name)
        with httpx.Client(verify=trust, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
            assert c.get(s.url + "/health").json() == {"status": "ok"}
            data = os.urandom(3 << 20)  # several pieces: the streamed paths, over TLS
            assert c.put(s.url + "/api/v1/files/secret.bin", content=data).status_code == 200
            assert c.get(s.url + "/api/v1/files/secret.bin").content == data
            r = c.get(s.url + "/api/v1/files/secret.bin", headers={"Range": "bytes=10-19"})
            assert r.status_code == 206 and r.content == data[10:20]
        assert tenant.conn.execute("SELECT size FROM tarbox.stat('/secret.bin')").fetchone()[0] == len(data)
        # a client that does not trust the certificate is refused by the TLS handshake
        try:
            httpx.get(s.url + "/health", timeout=10)
            raise AssertionError("an untrusted self-signed certificate was accepted")
        except httpx.ConnectError as exc:
            assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
        # plain HTTP on the TLS port gets no answer of the API
        try:
            r = httpx.get(f"http://127.0.0.1:{s.port}/health", timeout=10)
            assert r.status_code == 400 and "ok" not in r.text
        except httpx.HTTPError:
            pass
    finally:
        s.stop()


def test_tls_options_go_together(dsn, tmp_path):
    cert, _ = self_signed(tmp_path)
    s = Server(dsn, ["--tls-cert", cert])
    try:
        s.start(timeout=20)
        raise AssertionError("started with a certificate and no key")
    except RuntimeError as exc:
        assert "go together" in str(exc)
    finally:
        s.stop()


def worker_pids(parent: int) -> set[int]:
    """The processes whose parent is ``parent`` (uvicorn's workers; not multiprocessing's
    resource tracker)."""
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"resource_tracker" not in cmdline:
                out.add(int(entry))
    return out


def test_workers_share_the_port_and_the_metrics(dsn, tenant, admin, tmp_path):
    prom = tmp_path / "prom"
    prom.mkdir()
    s = Server(dsn, ["--workers", "2", "--pool-size", "4"], env={"PROMETHEUS_MULTIPROC_DIR": str(prom)})
    s.start(timeout=60)
    try:
        deadline = time.monotonic() + 60
        while len(worker_pids(s.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = worker_pids(s.proc.pid)
        assert len(workers) == 2, workers
        token = make_token(admin, tenant.name)
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(8):
            assert httpx.put(f"{s.url}/api/v1/files/f{i}", content=b"x" * i, headers=headers).status_code == 200

        def one(i: int) -> int:
            # a new connection each time, so the kernel hands them to either worker
            return httpx.get(f"{s.url}/api/v1/stat/f{i % 8}", headers=headers, timeout=60).status_code

        sent = 0
        answered_by: set[int] = set()
        while time.monotonic() < deadline:
            with cf.ThreadPoolExecutor(8) as pool:
                assert set(pool.map(one, range(64))) == {200}
            sent += 64
            # multiprocess mode: each process writes its own file, named by its pid
            answered_by = {int(m.group(1)) for f in prom.iterdir() if (m := re.search(r"_(\d+)\.db$", f.name))}
            if answered_by >= workers:
                break
        assert answered_by >= workers, f"requests answered only by {answered_by} of {workers}"
        # /metrics, from whichever worker, counts the requests of both
        text = httpx.get(s.url + "/metrics").text
        total = sum(float(m.group(1)) for m in re.finditer(
            r'^tarbox_http_requests_total\{[^}]*route="[^"]*/stat/\{path:path\}"[^}]*status="200"[^}]*\} (\S+)$',
            text, re.M))
        assert total == sent, (total, sent)
        # every worker reaches the same tenant's files
        assert tenant.conn.execute("SELECT count(*) FROM tarbox.ls('/')").fetchone()[0] == 8
    finally:
        s.stop()
    assert s.proc.returncode is not None
    assert not (worker_pids(s.proc.pid) & workers)
