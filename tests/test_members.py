"""QueryConferenceMembers: fields, paging with a stable opaque nextToken, errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess
from conftest import Org, api_error, join_users, make_org


def walk(org: Org, cid: str, page: int) -> Iterator[list[str]]:
    token: str | None = None
    while True:
        body = org.members(cid, next_token=token, max_results=page)
        yield [m.union_id for m in body.member_models]
        token = body.next_token
        if not token:
            return


def test_member_fields_through_a_meeting(org: Org, other_org: Org) -> None:
    cid = org.create(invite=[org.users[1], org.users[2]])
    host_device, guest_device = (
        org.admin.join(cid, org.host)["participantId"],
        org.admin.join(cid, other_org.users[0], pstn=True)["participantId"],
    )
    present = org.members(cid)
    assert present.total_count == 4 and present.next_token is None
    host, invited, _, guest = present.member_models
    assert (host.union_id, host.conference_id, host.user_nick) == (org.host, cid, "user 0")
    assert (host.host, host.co_host, host.attend_status, host.job_number) == (
        True,
        False,
        3,
        "J000",
    )
    assert host.join_time is not None and host.leave_time is None
    assert host.outer_org_member is None and host.pstn_join is False
    assert (invited.attend_status, invited.join_time, invited.duration) == (1, None, 0)
    assert (guest.outer_org_member, guest.pstn_join, guest.attend_status) == (True, True, 3)
    time.sleep(0.05)
    org.admin.leave(guest_device)
    left = org.members(cid).member_models[3]
    assert left.attend_status == 6
    assert left.leave_time is not None and left.leave_time >= left.join_time
    assert left.duration == left.leave_time - left.join_time >= 50
    org.close(cid)
    after = {m.union_id: m for m in org.members(cid).member_models}
    assert after[org.host].attend_status == 6 and after[org.host].leave_time is not None
    assert after[org.users[1]].attend_status == 4  # never joined before the end
    assert org.admin.device(host_device)["active"] is False


def test_rejoin_accumulates_duration(org: Org) -> None:
    cid = org.create()
    first = org.admin.join(cid, org.users[1])["participantId"]
    time.sleep(0.03)
    org.admin.leave(first)
    once = org.members(cid).member_models[1]
    org.admin.join(cid, org.users[1])
    again = org.members(cid).member_models[1]
    assert again.attend_status == 3 and again.leave_time is None
    assert again.join_time == once.join_time  # the first join
    assert again.duration >= once.duration >= 30


def test_first_page_tokens_and_paging(org: Org) -> None:
    cid = org.create(invite=org.users[1:])
    assert [m.union_id for m in org.members(cid, next_token="0").member_models] == org.users
    assert [m.union_id for m in org.members(cid, next_token="").member_models] == org.users
    pages = list(walk(org, cid, 2))
    assert pages == [org.users[0:2], org.users[2:4], org.users[4:5]]
    body = org.members(cid, max_results=5)
    assert body.next_token is None and body.total_count == 5


@pytest.mark.parametrize(
    "token", ["garbage", "AQAAAAAAAAABAAAAAAAAAAGvE-hsXjtpzJyJ", "!!!", "0" * 40]
)
def test_forged_next_token(org: Org, token: str) -> None:
    cid = org.create(invite=org.users[1:])
    err = api_error(org.members, cid, next_token=token)
    assert (err.status, err.code) == (400, "paramError")
    assert err.message.startswith("PARAM ERROR")


def test_next_token_of_another_meeting(org: Org) -> None:
    first, second = org.create(invite=org.users[1:]), org.create(invite=org.users[1:])
    token = org.members(first, max_results=2).next_token
    err = api_error(org.members, second, next_token=token)
    assert err.code == "paramError"


def raw_members(org: Org, cid: str, query: str) -> httpx.Response:
    return httpx.get(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/members?{query}",
        headers={"x-acs-dingtalk-access-token": org.token},
    )


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "99999999999999999999", "2147483648"])
def test_bad_max_results(org: Org, value: str) -> None:
    cid = org.create()
    response = raw_members(org, cid, f"maxResults={value}")
    assert response.status_code == 400
    assert response.json()["code"] == "paramError"


def test_meeting_errors(org: Org, other_org: Org) -> None:
    err = api_error(org.members, "")
    assert (err.status, err.code, err.message) == (400, "missingRoomId", "MISSING ROOM ID")
    err = api_error(org.members, "000000000000000000000000")
    assert (err.status, err.code, err.message) == (404, "roomNotFound", "ROOM NOT FOUND")
    err = api_error(org.members, other_org.create())
    assert (err.status, err.code, err.message) == (403, "noPermission", "NO PERMISSION")


@pytest.fixture(scope="module")
def crowd(server: ServerProcess, admin: AdminClient) -> tuple[Org, str]:
    """A meeting with 1,200 members: 500 invited, 700 joined."""
    org = make_org(server, admin, users=1200)
    cid = org.create(invite=org.users[1:500])
    join_users(org, cid, org.users[500:])
    return org, cid


def test_default_page_is_128(crowd: tuple[Org, str]) -> None:
    org, cid = crowd
    body = org.members(cid)
    assert len(body.member_models) == 128 and body.total_count == 1200
    assert [m.union_id for m in body.member_models] == org.users[:128]


def test_large_pages_stream_every_member_once(crowd: tuple[Org, str]) -> None:
    org, cid = crowd
    big = org.members(cid, max_results=100_000)
    assert [m.union_id for m in big.member_models] == org.users
    assert big.next_token is None and big.total_count == 1200
    # A page crossing the server's internal slices ends with a usable token.
    head = org.members(cid, max_results=1100)
    assert len(head.member_models) == 1100 and head.next_token
    tail = org.members(cid, next_token=head.next_token, max_results=1100)
    assert [m.union_id for m in tail.member_models] == org.users[1100:]


def test_walk_while_others_join_and_leave(server: ServerProcess, admin: AdminClient) -> None:
    """Members present throughout are seen exactly once, whatever happens meanwhile."""
    org = make_org(server, admin, users=160)
    cid = org.create()
    steady = org.users[:100]
    join_users(org, cid, steady)
    churners = join_users(org, cid, org.users[100:130])
    stop = threading.Event()

    def churn() -> None:
        with AdminClient(server.base_url, server.admin_token) as own:
            newcomers = iter(org.users[130:])
            for participant in churners:
                if stop.is_set():
                    return
                own.leave(participant)
                newcomer = next(newcomers, None)
                if newcomer:
                    own.join(cid, newcomer)

    worker = threading.Thread(target=churn)
    worker.start()
    seen: list[str] = []
    for page in walk(org, cid, 7):
        seen += page
    stop.set()
    worker.join()
    assert len(seen) == len(set(seen)), "a member was listed twice"
    assert set(steady) <= set(seen), "a member present throughout was skipped"
