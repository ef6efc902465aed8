"""Events to an app written with the official dingtalk-stream SDK for Node (npm),
unchanged (docs/events.md).

The Node SDK has DingTalk's address built in (https://api.dingtalk.com), so the test
does what an operator does to point such an app at confplane: the name resolves to this
machine (a hosts file bind-mounted in a private mount namespace of the app's process
alone), a TLS front with a certificate the app trusts (NODE_EXTRA_CA_CERTS) answers on
443, and passes the connections/open call to confplane, whose answer sends the SDK to
confplane's own WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import queue
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from confplane.testing import ServerProcess
from conftest import Org, join_users

NODE_APP = Path(__file__).parent / "events" / "node"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="a private mount namespace needs root"),
    pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js"),
]


def _certificates(where: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for api.dingtalk.com signed by it: (ca, cert, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "confplane test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.dingtalk.com")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("api.dingtalk.com")]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = where / "ca.pem", where / "cert.pem", where / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class TlsFront:
    """TLS on 127.0.0.1:443, each connection passed through to confplane's port."""

    def __init__(self, cert: Path, key: Path, port: int) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(cert, key)
        self._port = port
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        assert started.wait(5)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while chunk := await reader.read(65536):
                    writer.write(chunk)
                    await writer.drain()
            finally:
                writer.close()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._port)
            await asyncio.gather(
                pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True
            )

        async def main() -> None:
            self._server = await asyncio.start_server(serve, "127.0.0.1", 443, ssl=self._context)
            started.set()
            await self._server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(main())

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)


@pytest.fixture
def node_app(server: ServerProcess, org: Org, tmp_path: Path) -> Iterator[queue.Queue[Any]]:
    if not (NODE_APP / "node_modules" / "dingtalk-stream").is_dir():
        pytest.fail("run `npm ci --prefix tests/events/node` (.ci/run does)")
    ca, cert, key = _certificates(tmp_path)
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 api.dingtalk.com\n")
    front = TlsFront(cert, key, server.port)
    script = 'mount --bind "$0" /etc/hosts && exec node stream_app.mjs "$1" "$2"'
    proc = subprocess.Popen(
        ["unshare", "--mount", "--", "sh", "-c", script, str(hosts), org.app_key, org.app_secret],
        cwd=NODE_APP,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(ca)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{"):  # the SDK prints "connect success" too
                lines.put(json.loads(line))

    threading.Thread(target=read, daemon=True).start()
    try:
        assert lines.get(timeout=15) == {"ready": True}
        yield lines
    finally:
        proc.kill()
        proc.wait()
        front.close()


def test_the_node_sdk_receives_a_scripted_meeting_in_order(
    server: ServerProcess, org: Org, node_app: queue.Queue[Any]
) -> None:
    from test_events_stream import wait_connected

    wait_connected(server, org)
    cid = org.create(invite=[org.users[1]])
    [pid] = join_users(org, cid, [org.users[1]])
    org.lock(cid)
    org.admin.leave(pid)
    org.close(cid)
    got = [node_app.get(timeout=20) for _ in range(7)]
    assert [e["eventType"] for e in got] == [
        "confplane_conference_created",
        "confplane_member_invited",
        "confplane_conference_started",
        "confplane_member_joined",
        "confplane_conference_locked",
        "confplane_member_left",
        "confplane_conference_closed",
    ]
    assert [e["eventId"] for e in got] == [f"{cid}-{n}" for n in range(1, 8)]
    assert {e["eventCorpId"] for e in got} == {org.corp_id}
    assert got[3]["data"]["participantId"] == pid
