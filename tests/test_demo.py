"""`confplane serve` on an empty data directory seeds a demo org and prints how to use it.

A newcomer copies the printed appKey, appSecret and unionIds into the official SDK and
has a meeting at once; a second start on the same data prints no new secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import runtime, sdk_config


@dataclass
class Printed:
    app_key: str
    app_secret: str
    users: list[tuple[str, str]]  # (unionId, nick)


def printed_demo(log: str) -> Printed:
    """What a person reads on the console after the first start."""
    key = re.search(r"^\s*appKey:\s*(\S+)\s*$", log, re.MULTILINE)
    secret = re.search(r"^\s*appSecret:\s*(\S+)\s*$", log, re.MULTILINE)
    assert key and secret, log
    users_at = log.index("users (unionId")
    users: list[tuple[str, str]] = []
    for line in log[users_at:].splitlines()[1:]:
        match = re.fullmatch(r" {4}(\S+) {2}(.+)", line)
        if not match:
            break
        users.append((match.group(1), match.group(2)))
    return Printed(key.group(1), secret.group(1), users)


def token_for(server: ServerProcess, app_key: str, app_secret: str) -> str:
    body = (
        OAuthClient(sdk_config(server))
        .get_access_token(om.GetAccessTokenRequest(app_key=app_key, app_secret=app_secret))
        .body
    )
    assert body.expire_in == 7200
    return str(body.access_token)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server on an empty data directory (and an empty database), demo seeding on."""
    data_dir = tmp_path / "empty"
    assert not data_dir.exists()
    with ExitStack() as stack:
        url = (
            stack.enter_context(fresh_postgres_database()) if request.param == "postgres" else None
        )
        proc = ServerProcess(data_dir, database_url=url)
        stack.callback(proc.stop)
        yield proc


def test_demo_is_seeded_printed_and_usable(fresh_server: ServerProcess) -> None:
    proc = fresh_server
    proc.start()
    log = proc.log_path.read_text()
    assert "demo org dingdemo created" in log
    demo = printed_demo(log)
    assert demo.app_key.startswith("ding")
    assert len(demo.app_secret) >= 32
    assert len(demo.users) == 5
    union_ids = [u for u, _ in demo.users]
    assert len(set(union_ids)) == 5

    # The printed credentials work with the official SDK as they are.
    token = token_for(proc, demo.app_key, demo.app_secret)
    client = ConferenceClient(sdk_config(proc))
    created = client.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(
            user_id=union_ids[0], conf_title="first meeting", invite_user_ids=union_ids[1:3]
        ),
        cm.CreateVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    ).body
    assert created.conference_id and created.room_code
    info = client.query_conference_info_batch_with_options(
        cm.QueryConferenceInfoBatchRequest(conference_id_list=[created.conference_id]),
        cm.QueryConferenceInfoBatchHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    ).body.infos[0]
    assert [(u.user_id, u.nick) for u in info.user_list] == demo.users[:3]

    # Every printed user can be the creator.
    for union_id in union_ids[1:]:
        client.create_video_conference_with_options(
            cm.CreateVideoConferenceRequest(user_id=union_id, conf_title="mine"),
            cm.CreateVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
            runtime(),
        )

    # The directory holds what was printed, and only that.
    with AdminClient(proc.base_url, proc.admin_token) as admin:
        assert [o["corpId"] for o in admin.list_orgs()] == ["dingdemo"]
        [app] = admin.list_apps()
        assert app["appKey"] == demo.app_key
        assert set(app["permissions"]) == {
            "VideoConference.Conference.Read",
            "VideoConference.Conference.Write",
        }
        assert [(u["unionId"], u["nick"]) for u in admin.list_users("dingdemo")] == demo.users

    if proc.database_url is None:
        # The secret is shown once, on the console; the database keeps only its digest.
        stored = b"".join(p.read_bytes() for p in proc.data_dir.glob("confplane.db*"))
        assert demo.app_secret.encode() not in stored
        assert token.encode() not in stored


def test_second_start_does_not_seed_again(fresh_server: ServerProcess) -> None:
    proc = fresh_server
    proc.start()
    first_log = proc.log_path.read_text()
    demo = printed_demo(first_log)
    token = token_for(proc, demo.app_key, demo.app_secret)

    proc.restart()
    log = proc.log_path.read_text()
    second = log[len(first_log) :]
    assert "confplane listening" in second  # the second start did write to the log
    assert "demo org" not in second
    assert "appSecret" not in second
    assert log.count("appSecret:") == 1

    # The first start's secret and token still work; nothing was added.
    assert token_for(proc, demo.app_key, demo.app_secret)
    client = ConferenceClient(sdk_config(proc))
    created = client.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(user_id=demo.users[0][0], conf_title="again"),
        cm.CreateVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    ).body
    assert created.conference_id
    with AdminClient(proc.base_url, proc.admin_token) as admin:
        assert [o["corpId"] for o in admin.list_orgs()] == ["dingdemo"]
        assert len(admin.list_apps()) == 1
        assert len(admin.list_users("dingdemo")) == 5


def test_no_demo_flag_seeds_nothing(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "empty", extra_args=["--no-demo"])
    proc.start()
    try:
        log = proc.log_path.read_text()
        assert "confplane listening" in log
        assert "appSecret" not in log
        with AdminClient(proc.base_url, proc.admin_token) as admin:
            assert admin.list_orgs() == []
    finally:
        proc.stop()


def test_demo_is_not_seeded_into_a_directory_that_has_orgs(tmp_path: Path) -> None:
    """Seeding happens on an empty directory only, even if the demo org was never made."""
    proc = ServerProcess(tmp_path / "data", extra_args=["--no-demo"])
    proc.start()
    try:
        with AdminClient(proc.base_url, proc.admin_token) as admin:
            admin.create_org("ours", "dingours")
        proc.extra_args = []
        proc.restart()
        assert "appSecret" not in proc.log_path.read_text()
        with AdminClient(proc.base_url, proc.admin_token) as admin:
            assert [o["corpId"] for o in admin.list_orgs()] == ["dingours"]
    finally:
        proc.stop()
