"""What a server knows survives its restart, on SQLite and on PostgreSQL.

Each test runs its own server (not the shared session one) and restarts it. On
PostgreSQL the restarted server also gets a new, empty data directory: everything it
needs, the members cursor key included, must come from the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient

from confplane.client.admin import AdminClient, AdminError
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import Org, make_org, sdk_config

READ = "VideoConference.Conference.Read"
WRITE = "VideoConference.Conference.Write"


@contextmanager
def running_server(
    backend: str, data_dir: Path, extra_args: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    args = ["--no-demo", *extra_args]
    with ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database()) if backend == "postgres" else None
        proc = ServerProcess(data_dir, database_url=url, extra_args=args)
        proc.start()
        stack.callback(proc.stop)
        yield proc


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def restartable(backend: str, tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(backend, tmp_path / "data") as proc:
        yield proc


def restart(proc: ServerProcess, tmp_path: Path) -> None:
    """Stop and start again; on PostgreSQL with a data directory it has never seen."""
    if proc.database_url is None:
        proc.restart()
        return
    proc.stop()
    proc.data_dir = tmp_path / "another-data-dir"
    proc.log_path = proc.data_dir / "server.log"
    proc.start()
    assert not (proc.data_dir / "confplane.db").exists()


def members_of(org: Org, conference_id: str, **kw: Any) -> list[dict[str, Any]]:
    return [m.to_map() for m in org.members(conference_id, **kw).member_models]


def without(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in keys} for row in rows]


def sdk_error(call: Any, *args: Any) -> Any:
    with pytest.raises(Exception) as raised:
        call(*args)
    return raised.value


def test_everything_survives_a_restart(restartable: ServerProcess, tmp_path: Path) -> None:
    proc = restartable
    admin = AdminClient(proc.base_url, proc.admin_token)
    org = make_org(proc, admin)
    u = org.users
    reader_app = admin.create_app(org.corp_id, "reader", permissions=[READ])
    reader = Org(proc, admin, org.corp_id, reader_app["appKey"], reader_app["appSecret"], u)
    suite = admin.create_suite("suite", permissions=[READ, WRITE])
    ticket = admin.new_suite_ticket(suite["appKey"])
    admin.authorize_suite(suite["appKey"], org.corp_id)

    # A meeting in progress, locked, with members in every state and devices muted.
    live = org.create(title="live", invite=[u[1], u[2], u[3]], invite_caller=True)
    phone = admin.join(live, u[1], mic_status=2, camera_status=2)["participantId"]
    laptop = admin.join(live, u[1], mic_status=2, camera_status=2)["participantId"]
    gone = admin.join(live, u[2])["participantId"]
    admin.leave(gone)
    admin.decline(live, u[3], "Sorry, I am in a meeting.")
    org.mute(live, u[1], participant_id=phone)
    admin.report_media(laptop, camera_status=1)
    org.lock(live)

    # An ended meeting.
    ended = org.create(title="ended", invite=[u[4]])
    admin.join(ended, org.host)
    org.close(ended)

    # A members walk, stopped half way.
    walked = org.create(title="walked", invite=u[1:])
    first_page = org.members(walked, max_results=2)
    next_token = first_page.next_token
    assert next_token

    before = {
        "orgs": admin.list_orgs(),
        "apps": admin.list_apps(),
        "users": admin.list_users(org.corp_id),
        "live": org.batch([live]).to_map(),
        "live-members": members_of(org, live),
        "ended-members": members_of(org, ended),
        "phone": admin.device(phone),
        "laptop": admin.device(laptop),
        "gone": admin.device(gone),
    }

    restart(proc, tmp_path)
    admin = AdminClient(proc.base_url, proc.admin_token)

    # The directory.
    assert admin.list_orgs() == before["orgs"]
    assert admin.list_apps() == before["apps"]
    assert admin.list_users(org.corp_id) == before["users"]

    # Tokens issued before the restart still work, with the same permissions.
    assert org.batch([live]).to_map() == before["live"]
    assert reader.batch([live]).to_map() == before["live"]
    denied = sdk_error(reader.lock, live, "unlock")
    assert (denied.statusCode, denied.code) == (
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
    )

    # Secrets and suite tickets are still known.
    fresh = OAuthClient(sdk_config(proc)).get_access_token(
        om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret)
    )
    assert fresh.body.access_token
    corp_token = OAuthClient(sdk_config(proc)).get_corp_access_token(
        om.GetCorpAccessTokenRequest(
            suite_key=suite["appKey"],
            suite_secret=suite["appSecret"],
            auth_corp_id=org.corp_id,
            suite_ticket=ticket,
        )
    )
    assert corp_token.body.access_token

    # The live meeting: members, their times, the devices' states.
    after = members_of(org, live)
    assert without(after, "duration") == without(before["live-members"], "duration")
    for old, new in zip(before["live-members"], after, strict=True):
        if old["attendStatus"] == 3:  # still inside: the time in the meeting grows
            assert new["duration"] >= old["duration"]
        else:
            assert new["duration"] == old["duration"]
    assert [m["attendStatus"] for m in after] == [1, 3, 6, 4]
    assert admin.device(phone) == before["phone"]
    assert admin.device(laptop) == before["laptop"]
    assert admin.device(gone) == before["gone"]
    assert before["phone"]["hostMuted"] is True and before["phone"]["micStatus"] == 1
    # The host mute holds: the device cannot open its microphone.
    assert admin.report_media(phone, mic_status=2)["micStatus"] == 1

    # The lock holds.
    with pytest.raises(AdminError) as refused:
        admin.join(live, u[4])
    assert refused.value.code == "conferenceLocked"
    org.lock(live, "unlock")
    admin.join(live, u[4])

    # The ended meeting stays ended, its history readable.
    assert sdk_error(org.batch, [ended]).code == "resourceClose"
    assert sdk_error(org.close, ended).code == "resourceClose"
    assert sdk_error(org.lock, ended).code == "confClosed"
    assert members_of(org, ended) == before["ended-members"]
    with pytest.raises(AdminError):
        admin.join(ended, u[4])

    # A nextToken from before the restart continues the walk where it stopped.
    rest = org.members(walked, next_token=next_token, max_results=10)
    walked_ids = [m.union_id for m in first_page.member_models + rest.member_models]
    assert walked_ids == [org.host, *u[1:]]
    assert rest.next_token is None
    assert rest.total_count == 5

    # New work goes on as before.
    another = org.create(title="after the restart", invite=[u[1]])
    assert another not in (live, ended, walked)
    assert [i.conference_id for i in org.batch([another, live]).infos] == [another, live]


def test_token_lifetime_counts_across_restarts(backend: str, tmp_path: Path) -> None:
    """An expired token stays expired after a restart; a new one is issued as usual."""
    with running_server(backend, tmp_path / "data", ["--token-lifetime", "0"]) as proc:
        expired_token_survives_restart(proc, tmp_path)


def expired_token_survives_restart(proc: ServerProcess, tmp_path: Path) -> None:
    admin = AdminClient(proc.base_url, proc.admin_token)
    org = make_org(proc, admin)  # its token expired the millisecond it was issued
    assert sdk_error(org.create).code == "InvalidAuthentication"

    proc.extra_args = [a for a in proc.extra_args if a not in ("--token-lifetime", "0")]
    restart(proc, tmp_path)
    assert sdk_error(org.create).code == "InvalidAuthentication"
    org.token = (
        OAuthClient(sdk_config(proc))
        .get_access_token(om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret))
        .body.access_token
    )
    assert org.create()


def test_members_token_of_another_server_is_refused(tmp_path: Path) -> None:
    """The cursor key is per deployment: a token from another database is not accepted."""
    first = ServerProcess(tmp_path / "one", extra_args=["--no-demo"])
    second = ServerProcess(tmp_path / "two", extra_args=["--no-demo"])
    first.start()
    second.start()
    try:
        a = make_org(first, AdminClient(first.base_url, first.admin_token))
        cid = a.create(invite=a.users[1:])
        token = a.members(cid, max_results=1).next_token
        b_admin = AdminClient(second.base_url, second.admin_token)
        b_admin.create_org("same corp", a.corp_id)
        app = b_admin.create_app(a.corp_id, "app")
        for union_id in [a.host, *a.users[1:]]:
            b_admin.create_user(a.corp_id, "x", union_id=union_id)
        b = Org(second, b_admin, a.corp_id, app["appKey"], app["appSecret"], a.users)
        other = b.create(invite=b.users[1:])
        # Meeting primary keys agree (both are the first meeting), only the key differs.
        error = sdk_error(b.members, other, token, 10)
        assert (error.statusCode, error.code) == (400, "paramError")
        assert len(b.members(other, "0", 10).member_models) == 5
    finally:
        first.stop()
        second.stop()
