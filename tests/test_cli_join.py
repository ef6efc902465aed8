"""``confplane join``: the terminal as a device, against a real server (SQLite, PostgreSQL).

The command runs as a child process in a pipe, so it prints one line per event; the test
reads them as they come and drives the meeting through the API meanwhile.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_runner import app_env, run
from confplane.client.dingtalk import AppCredentials, DingTalkClient
from conftest import Org

# Deadlines so a broken build fails instead of hanging; nothing asserts on time.
WAIT_S = 30.0


class JoinProcess:
    """``confplane join`` in a pipe, its lines readable one by one."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "confplane", "join", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, wanted: str) -> str:
        """Read lines until one contains ``wanted``; return it."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT_S)
            except queue.Empty:
                raise AssertionError(f"no line with {wanted!r}; saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"exited before {wanted!r}; saw {self.seen}")
            self.seen.append(line)
            if wanted in line:
                return line

    def press(self, keys: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(keys + "\n")
        self.proc.stdin.flush()

    def finish(self) -> tuple[int, list[str], str]:
        code = self.proc.wait(timeout=WAIT_S)
        rest = []
        while (line := self.lines.get(timeout=WAIT_S)) is not None:
            rest.append(line)
        assert self.proc.stderr is not None
        return code, rest, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def env(org: Org, tmp_path: Path) -> dict[str, str]:
    return app_env(tmp_path, org)


@pytest.fixture
def api(org: Org) -> Iterator[DingTalkClient]:
    creds = AppCredentials(org.app_key, org.app_secret)
    with DingTalkClient(creds, endpoint=org.server.base_url) as client:
        yield client


def start(env: dict[str, str], *args: str) -> Iterator[JoinProcess]:
    joined = JoinProcess(env, *args, "--refresh", "0.1")
    try:
        yield joined
    finally:
        joined.kill()


def test_join_shows_members_and_obeys_the_host(
    env: dict[str, str], org: Org, api: DingTalkClient
) -> None:
    me, other = org.users[1], org.users[2]
    cid = api.create_video_conference(org.host, "standup", invite_user_ids=[me]).conference_id
    for device in start(env, cid, "--as", me):
        line = device.expect("Joined meeting")
        participant = line.rsplit("participant ", 1)[1].rstrip(")")
        assert line == f"Joined meeting {cid} as user 1 (participant {participant})"
        device.expect(f"+ user 1 ({me}): in meeting, mic on, camera on")
        assert f"+ user 0 ({org.host}): invited, mic -, camera -" in device.seen

        # Someone else comes in: the member list shows it.
        org.admin.join(cid, other, mic_status=1)
        device.expect(f"+ user 2 ({other}): in meeting, mic off, camera on")

        # The host mutes this device: it obeys, and keeps the microphone closed.
        api.mute_members(cid, me)
        device.expect("the host muted you: microphone off")
        device.press("m")
        device.expect("the host has muted you: microphone stays off")
        assert org.admin.device(participant)["micStatus"] == 1

        api.mute_members(cid, me, action="un_mute")
        device.expect("the host unmuted you: microphone on")
        device.press("m")  # now the user may close it, and the server hears
        device.expect("you turned your microphone off")
        assert org.admin.device(participant)["micStatus"] == 1
        device.press("c")
        device.expect("you turned your camera off")
        assert org.admin.device(participant)["cameraStatus"] == 1

        api.lock_conference(cid)
        device.expect("the meeting is locked")
        api.close_video_conference(cid, org.host)
        device.expect("the meeting was closed: the host closed the meeting")
        code, _, stderr = device.finish()
        assert (code, stderr) == (0, "")


def test_leaving_with_a_signal_or_q(env: dict[str, str], org: Org, api: DingTalkClient) -> None:
    cid = api.create_video_conference(org.host, "bye").conference_id
    for device in start(env, cid, "--as", org.users[1], "--no-mic", "--no-camera"):
        device.expect(f"({org.users[1]}): in meeting, mic off, camera off")
        device.proc.send_signal(signal.SIGINT)
        device.expect("Left the meeting")
        assert device.finish()[0] == 0
    for device in start(env, cid, "--as", org.users[2]):
        device.expect(f"({org.users[2]}): in meeting")
        device.press("q")
        device.expect("Left the meeting")
        assert device.finish()[0] == 0
    # Both are gone: attendStatus 6 (left).
    members = {m.union_id: m for m in api.query_conference_members(cid).member_models}
    assert members[org.users[1]].attend_status == 6
    assert members[org.users[2]].attend_status == 6


def test_kicked(env: dict[str, str], org: Org, api: DingTalkClient) -> None:
    cid = api.create_video_conference(org.host, "kick").conference_id
    for device in start(env, cid, "--as", org.users[1]):
        device.expect(f"({org.users[1]}): in meeting")
        api.kick_members(cid, org.users[1])
        device.expect("you were removed from the meeting")
        assert device.finish()[0] == 0


def test_join_failures(env: dict[str, str], org: Org, api: DingTalkClient) -> None:
    unknown = run(env, "join", "000000000000000000000000", "--as", org.host)
    assert unknown.code == 1
    assert (
        unknown.stderr
        == "Error: no meeting in progress has conferenceId 000000000000000000000000\n"
    )

    cid = api.create_video_conference(org.host, "locked").conference_id
    api.lock_conference(cid)
    locked = run(env, "join", cid, "--as", org.users[1])
    assert locked.code == 1
    assert locked.stderr.startswith("Error: ") and "locked" in locked.stderr
    assert "Traceback" not in locked.stderr

    stranger = run(env, "join", cid, "--as", "nobody-at-all")
    assert stranger.code == 1 and "Traceback" not in stranger.stderr

    wrong = run({**env, "CONFPLANE_APP_SECRET": "wrong"}, "join", cid, "--as", org.host)
    assert wrong.code == 1 and "Error: invalidClientIdOrSecret" in wrong.stderr
