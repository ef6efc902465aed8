"""``confplane events`` and ``confplane webhooks`` as child processes against a real
server (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import Result, clean_env, run
from confplane.testing import ServerProcess
from conftest import Org


@pytest.fixture
def env(server: ServerProcess, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        tmp_path, CONFPLANE_ENDPOINT=server.base_url, CONFPLANE_ADMIN_TOKEN=server.admin_token
    )


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    return result


def test_tail_prints_the_log_in_full_in_a_pipe(env: dict[str, str], org: Org) -> None:
    cid = org.create()
    org.lock(cid)
    lines = ok(run(env, "events", "tail", "--conference-id", cid)).lines
    assert lines[0].split("\t") == ["ID", "TIME", "TYPE", "CONFERENCE", "WHO"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[2] for r in rows] == ["confplane_conference_created", "confplane_conference_locked"]
    assert {r[3] for r in rows} == {cid}
    as_json = [
        json.loads(x)
        for x in ok(run(env, "events", "tail", "--json", "--conference-id", cid)).lines
    ]
    assert [e["eventId"] for e in as_json] == [f"{cid}-1", f"{cid}-2"]


def test_tail_follow_prints_new_events(env: dict[str, str], org: Org) -> None:
    cid = org.create()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "confplane",
            "events",
            "tail",
            "-f",
            "--json",
            "--conference-id",
            cid,
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["eventType"] == "confplane_conference_created"
        org.lock(cid)
        assert json.loads(proc.stdout.readline())["eventType"] == "confplane_conference_locked"
    finally:
        proc.kill()
        proc.wait()


def test_webhook_commands(env: dict[str, str], org: Org) -> None:
    added = json.loads(
        ok(
            run(
                env,
                "webhooks",
                "add",
                org.app_key,
                "http://127.0.0.1:9/hook",
                "--event-type",
                "confplane_conference_locked",
                "--max-attempts",
                "3",
                "--json",
            )
        ).stdout
    )
    assert added["url"] == "http://127.0.0.1:9/hook" and len(added["secret"]) >= 32
    listed = ok(run(env, "webhooks", "list", org.app_key)).lines
    assert listed[1].split("\t") == [
        str(added["id"]),
        "3",
        "confplane_conference_locked",
        "http://127.0.0.1:9/hook",
    ]
    assert ok(run(env, "webhooks", "dead-letters", org.app_key)).stdout.strip() == "None."
    assert ok(run(env, "webhooks", "replay", org.app_key)).stdout.strip() == "0 replayed"
    ok(run(env, "webhooks", "remove", org.app_key, str(added["id"])))
    assert ok(run(env, "webhooks", "list", org.app_key, "--json")).json() == []
    bad = run(env, "webhooks", "add", org.app_key, "ftp://nowhere")
    assert bad.code == 1
    assert "url must be an http" in bad.stderr
