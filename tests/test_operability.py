"""Faults an audit found: deep JSON, clients that leave mid-body, the database going away,
the bearer scheme's case, the data directory's permissions; and readiness."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from websockets.asyncio.client import connect

from confplane.client.device import Device
from confplane.devices import protocol
from confplane.server import private_data_dir
from confplane.testing import POSTGRES_ADMIN_URL, ServerProcess, fresh_postgres_database
from conftest import Org, api_error, get_token
from devices_kit import Kit

CONF = "/v1.0/conference/videoConferences"
DEEP = "[" * 5_000 + "]" * 5_000


def tracebacks(server: ServerProcess) -> int:
    return server.log_path.read_text().count("Traceback")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", CONF),
        ("POST", CONF + "/{cid}/members/mute"),
        ("POST", CONF + "/query"),
        ("POST", "/v1.0/oauth2/accessToken"),
        ("POST", "/confplane/v1/admin/orgs"),
    ],
)
def test_json_nested_thousands_deep_is_a_params_error(org: Org, method: str, path: str) -> None:
    before = tracebacks(org.server)
    cid = org.create()
    answer = httpx.request(
        method,
        org.server.base_url + path.format(cid=cid),
        content=f'{{"unknownKey": {DEEP}}}'.encode(),
        headers={
            "content-type": "application/json",
            "x-acs-dingtalk-access-token": org.token,
            "authorization": f"Bearer {org.server.admin_token}",
        },
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "paramsError"
    assert "nests too deeply" in answer.headers["x-confplane-error-detail"]
    assert tracebacks(org.server) == before


async def test_a_deeply_nested_device_frame_gets_an_error_frame(org: Org) -> None:
    kit = Kit(org)
    cid = kit.meeting(invite=[org.users[1]]).conference_id
    ticket = await kit.ticket(cid, org.users[1])
    async with connect(Device(kit.url).url, compression=None) as ws:
        await ws.send(protocol.encode(protocol.Join(conference_id=cid, ticket=ticket)))
        assert isinstance(protocol.outbound_decoder.decode(await ws.recv()), protocol.Joined)
        await ws.send("[" * 4_000)
        frame = protocol.outbound_decoder.decode(await ws.recv())
        assert isinstance(frame, protocol.Error) and frame.code == "bad_frame"
        # Still connected and served.
        await ws.send(protocol.encode(protocol.Ping(ref="after")))
        pong = protocol.outbound_decoder.decode(await ws.recv())
        assert isinstance(pong, protocol.Pong) and pong.ref == "after"


def test_a_client_that_leaves_mid_body_is_no_server_fault(org: Org) -> None:
    before = tracebacks(org.server)
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", org.server.port)) as sock:
            sock.sendall(
                f"POST {CONF} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                f"x-acs-dingtalk-access-token: {org.token}\r\ncontent-length: 1000\r\n\r\n"
                '{"userId": "'.encode()
            )
    assert org.create()  # the server goes on
    log = org.server.log_path.read_text()
    assert tracebacks(org.server) == before
    assert "unhandled error" not in log


def test_the_bearer_scheme_is_case_insensitive(server: ServerProcess) -> None:
    for scheme in ("bearer", "BEARER", "Bearer"):
        answer = httpx.get(
            f"{server.base_url}/confplane/v1/admin/orgs",
            headers={"authorization": f"{scheme} {server.admin_token}"},
        )
        assert answer.status_code == 200, scheme
    wrong = httpx.get(
        f"{server.base_url}/confplane/v1/admin/orgs",
        headers={"authorization": f"Basic {server.admin_token}"},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "InvalidAuthentication")


def test_ready_when_the_database_answers(server: ServerProcess) -> None:
    answer = httpx.get(f"{server.base_url}/confplane/v1/ready")
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})


@pytest.fixture
def doomed_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    """A server on a PostgreSQL database the test will take away."""
    with fresh_postgres_database() as url:
        proc = ServerProcess(tmp_path / "doomed", database_url=url)
        proc.start()
        try:
            yield proc, url.rsplit("/", 1)[1]
        finally:
            proc.stop()


def test_the_database_going_away_is_answered_as_a_system_error(
    doomed_server: tuple[ServerProcess, str],
) -> None:
    from confplane.client.admin import AdminClient
    from conftest import make_org

    proc, name = doomed_server
    with AdminClient(proc.base_url, proc.admin_token) as admin:
        org = make_org(proc, admin)
    cid = org.create()

    async def take_away() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(take_away())
    with httpx.Client(base_url=proc.base_url) as http:
        for _ in range(20):
            # A fresh token each time: its check is the first database read of a call.
            answer = http.post(
                f"{CONF}/query",
                json={"conferenceIdList": [cid]},
                headers={"x-acs-dingtalk-access-token": "f" * 32},
            )
            assert answer.status_code == 500
            assert answer.json()["code"] == "systemError"
        ready = http.get("/confplane/v1/ready")
        assert ready.status_code == 503
        assert "database" in ready.json()["problems"][0]
    log = proc.log_path.read_text()
    assert "Exception in ASGI application" not in log
    # A traceback per kind of failure (the lost connection, then the missing database),
    # not one per request.
    assert 1 <= log.count("unhandled error in QueryConferenceInfoBatch") <= 3


def test_the_data_directory_is_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh" / "data"
        private_data_dir(fresh)
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
        (fresh / "confplane.db").write_text("")
        assert stat.S_IMODE((fresh / "confplane.db").stat().st_mode) == 0o600  # the umask

        shared = tmp_path / "shared"
        shared.mkdir()
        shared.chmod(0o755)
        os.umask(0o022)
        for name in ("confplane.db", "confplane.db-wal", "admin-token", "notes.txt"):
            (shared / name).write_text("x")
            (shared / name).chmod(0o644)
        private_data_dir(shared)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in shared.iterdir()}
        assert modes == {
            "confplane.db": 0o600,
            "confplane.db-wal": 0o600,
            "admin-token": 0o600,
            "notes.txt": 0o644,  # not confplane's
        }
        assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # the user's to change
        assert "readable by other users" in capsys.readouterr().out
    finally:
        os.umask(umask)


def test_a_served_data_directory_holds_private_files(server: ServerProcess) -> None:
    if server.database_url is not None:
        pytest.skip("the SQLite files are what this is about")
    files = [*server.data_dir.glob("confplane.db*"), server.data_dir / "admin-token"]
    found = [p for p in files if p.exists()]
    assert found
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in found), found


def access_lines(server: ServerProcess) -> list[str]:
    return [line for line in server.log_path.read_text().splitlines() if line.startswith("access ")]


def test_every_api_call_writes_an_access_line_without_secrets(org: Org) -> None:
    time.sleep(0.2)  # the org fixture's own calls are written first
    before = len(access_lines(org.server))
    token = get_token(org.server, org.app_key, org.app_secret)
    cid = org.create()
    api_error(org.mute, cid, "stranger")
    time.sleep(0.2)  # written once per turn of the server's loop
    lines = access_lines(org.server)[before:]
    assert [line.split()[1:4] for line in lines] == [
        ["GetAccessToken", "200", "-"],
        ["CreateVideoConference", "200", "-"],
        ["MuteMembers", "400", "unknownUserError"],
    ]
    assert all(f"app={org.app_key}" in line for line in lines)
    assert all(re.search(r" request=[0-9A-F]{32}( detail=.*)?$", line) for line in lines)
    # The error's reason, which its body leaves out, is on its line.
    assert lines[2].endswith(f' detail="stranger is not a member of conference {cid}"')
    assert all(re.search(r" \d+(\.\d+)?ms ", line) for line in lines)
    log = org.server.log_path.read_text()
    assert org.app_secret not in log and token not in log


def test_the_access_log_in_json_and_off(tmp_path: Path) -> None:
    for args, expect in ((["--log-format", "json"], True), (["--no-access-log"], False)):
        proc = ServerProcess(tmp_path / args[0].strip("-"), extra_args=args)
        proc.start()
        try:
            answer = httpx.post(
                f"{proc.base_url}/v1.0/oauth2/accessToken",
                json={"appKey": "dingnosuch", "appSecret": "x"},
            )
            assert answer.status_code == 400
            time.sleep(0.2)
            rows = [
                json.loads(line)
                for line in proc.log_path.read_text().splitlines()
                if line.startswith("{")
            ]
        finally:
            proc.stop()
        if expect:
            [row] = rows
            assert row["operation"] == "GetAccessToken" and row["status"] == 400
            assert row["code"] == "invalidClientIdOrSecret" and row["app_key"] == "dingnosuch"
            assert row["request_id"] == answer.json()["requestid"]
        else:
            assert rows == [] and "access " not in proc.log_path.read_text()
