"""What a new user of the command line ran into, each as a child process against a real
server (SQLite and PostgreSQL): the join board, piped tables, endpoints without a scheme,
a taken port, the admin token, unknown users, kick / co-hosts / mute-all, secrets."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import app_env, clean_env, ok, run
from confplane.testing import ServerProcess, free_port
from conftest import Org, api_error, get_token, join_users

WAIT_S = 30.0  # a deadline so a broken build fails instead of hanging; nothing is timed


@pytest.fixture
def env(org: Org, tmp_path: Path) -> dict[str, str]:
    return app_env(tmp_path, org, CONFPLANE_ADMIN_TOKEN=org.server.admin_token)


# -- 1. the join board shows a member in the same frame that tells they came --------------


def _frames(raw: str) -> list[str]:
    """The board's frames on the terminal, each from its heading to the next one."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    return ["Meeting " + part for part in plain.split("Meeting ")[1:]]


def test_the_board_lists_a_member_when_it_tells_they_came(env: dict[str, str], org: Org) -> None:
    cid = org.create()
    master, slave = pty.openpty()
    term_env = {**env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50"}
    term_env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "confplane", "join", cid, "--as", org.host, "--refresh", "0.1"],
        env=term_env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    try:
        # Until the board has told that user 0 came and drawn the frame after it.
        while (
            b"keys: m microphone" not in seen.split(b"+ user 0 (")[-1] or b"+ user 0 (" not in seen
        ):
            ready, _, _ = select.select([master], [], [], WAIT_S)
            assert ready, f"the board went silent: {seen[-2000:]!r}"
            seen += os.read(master, 65536)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=WAIT_S)
        os.close(master)
    text = seen.decode("utf-8", "replace")
    told = next(f for f in _frames(text) if "+ user 0 (" in f)
    # The members table row: nick, unionId, status (not just the event line).
    assert re.search(rf"user 0\s+{re.escape(org.host)}\s+in meeting", told), told


# -- 2. a pipe gets whole values, tab-separated ---------------------------------------------


def test_tables_in_a_pipe_are_whole_and_tab_separated(
    env: dict[str, str], org: Org, server: ServerProcess
) -> None:
    long_id = "fid-a-very-long-union-id-0123456789abcde"
    assert len(long_id) == 40
    org.admin.create_user(org.corp_id, "Long Id", union_id=long_id)
    cid = org.create(invite=[long_id])
    lines = ok(run(env, "meetings", "members", cid)).lines
    assert lines[0] == "UNION ID\tROLE\tSTATUS\tJOINED\tTIME\tNICK"
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[0] for r in rows] == [org.host, long_id]
    assert rows[1][1:3] == ["", "invited"] and rows[1][5] == "Long Id"
    assert all(len(r) == 6 for r in rows)


# -- 3. an endpoint without a scheme --------------------------------------------------------


def test_a_loopback_endpoint_without_a_scheme_means_http(env: dict[str, str], org: Org) -> None:
    cid = org.create()
    bare = {**env, "CONFPLANE_ENDPOINT": org.server.endpoint}  # 127.0.0.1:PORT
    assert ok(run(bare, "meetings", "list")).lines[1].startswith(cid)
    local = {**env, "CONFPLANE_ENDPOINT": f"localhost:{org.server.port}"}
    assert len(ok(run(local, "token")).stdout.strip()) == 32


def test_a_non_loopback_endpoint_that_is_not_https_says_how_to_write_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    # A plain-HTTP listener named by this host's name (not a loopback address as written):
    # spoken to as https, it fails with an SSL error, and the hint says the scheme.
    with socket.socket() as listener:
        listener.bind(("0.0.0.0", 0))
        listener.listen()
        port = listener.getsockname()[1]
        host = socket.gethostname()
        probe = {**env, "CONFPLANE_ENDPOINT": f"{host}:{port}"}
        answer = subprocess.Popen(
            [sys.executable, "-m", "confplane", "token"],
            env=probe,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        conn, _ = listener.accept()
        conn.recv(4096)  # the TLS hello
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        conn.close()
        _, err = answer.communicate(timeout=WAIT_S)
    assert answer.returncode == 3, err
    assert f"https://{host}:{port}" in err
    assert "--endpoint http://HOST:PORT" in err


# -- 4. serve finds a taken port before it says or makes anything -------------------------


def test_serve_on_a_taken_port_announces_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            clean_env(tmp_path),
            "serve", "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(tmp_path / "data"),
            timeout=WAIT_S,
        )  # fmt: skip
    assert result.code != 0
    assert "listening" not in result.stdout
    assert "demo" not in result.stdout.lower()
    assert "address already in use" in (result.stdout + result.stderr).lower()


def test_serve_announces_once_listening(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "confplane", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(tmp_path / "data"), "--no-access-log"],
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "listening on" in line:
                break
        # Told it listens: the port answers.
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S):
            pass
        demo = next(line for line in proc.stdout if "demo" in line.lower())
        assert demo
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=WAIT_S)


# -- 5. a wrong admin token -----------------------------------------------------------------


def test_a_wrong_admin_token_is_named_as_such(env: dict[str, str]) -> None:
    result = run({**env, "CONFPLANE_ADMIN_TOKEN": "wrong"}, "admin", "orgs", "list")
    assert result.code == 1
    assert "the admin token is wrong" in result.stderr
    assert "admin-token file" in result.stderr and "CONFPLANE_ADMIN_TOKEN" in result.stderr
    assert "access_token" not in result.stderr


# -- 6. which user is unknown ----------------------------------------------------------------


def test_unknown_user_error_names_the_id(env: dict[str, str], org: Org) -> None:
    cid = org.create()
    result = run(env, "meetings", "mute", cid, org.users[3])
    assert result.code == 1
    assert "unknownUserError: unknownUserError" in result.stderr
    assert org.users[3] in result.stderr


# -- 7. kick, co-hosts, mute-all ------------------------------------------------------------


def test_kick_cohosts_and_mute_all(env: dict[str, str], org: Org) -> None:
    cid = org.create(invite=[org.users[1], org.users[2]])
    _, guest, other = join_users(org, cid, [org.host, org.users[1], org.users[2]])
    ok(run(env, "meetings", "cohosts", "add", cid, org.users[1]))
    members = {m.union_id: m for m in org.members(cid).member_models}
    assert members[org.users[1]].co_host is True
    ok(run(env, "meetings", "cohosts", "remove", cid, org.users[1]))
    assert not {m.union_id: m for m in org.members(cid).member_models}[org.users[1]].co_host
    ok(run(env, "meetings", "mute-all", "on", cid, "--force"))
    state = org.admin.device(other)
    assert (state["micStatus"], state["hostMuted"]) == (1, True)
    assert int(org.batch([cid]).infos[0].media_status) & 4 == 4
    ok(run(env, "meetings", "mute-all", "off", cid))
    assert org.admin.device(other)["hostMuted"] is False
    ok(run(env, "meetings", "kick", cid, org.users[2], "--forbid-rejoin"))
    assert org.admin.device(other)["active"] is False
    err = api_error(org.admin.join, cid, org.users[2])
    assert err.code == "rejoinForbidden"
    assert org.admin.device(guest)["active"] is True
    failed = run(env, "meetings", "mute-all", "on", "f" * 24)
    assert failed.code == 1 and "paramsError: error:conference not found" in failed.stderr


# -- 8. showing an app and rotating its secret -------------------------------------------


def test_rotate_secret(env: dict[str, str], org: Org) -> None:
    old_token = org.token
    shown = ok(run(env, "admin", "app", "show", org.app_key, "--json")).json()
    assert shown["appKey"] == org.app_key and "appSecret" not in shown
    rotated = ok(run(env, "admin", "app", "rotate-secret", org.app_key, "--json")).json()
    new_secret = rotated["appSecret"]
    assert new_secret and new_secret != org.app_secret and rotated["appKey"] == org.app_key
    # The old secret stops working at once; the new one gets a token.
    with pytest.raises(Exception) as refused:
        get_token(org.server, org.app_key, org.app_secret)
    assert getattr(refused.value, "code", None) == "invalidClientIdOrSecret"
    assert get_token(org.server, org.app_key, new_secret)
    # A token issued before works until it expires.
    org.token = old_token
    assert org.create()
    # The secret is shown only by the rotation.
    again = ok(run(env, "admin", "apps", "show", org.app_key, "--json")).json()
    assert "appSecret" not in again
    missing = run(env, "admin", "app", "rotate-secret", "no-such-app")
    assert missing.code == 1 and "no-such-app" in missing.stderr
