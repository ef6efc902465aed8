"""The read cache: a members page or batch answer read twice is answered from memory the
second time, and any change to the meeting between the two reads shows in the second.

Each test reads first (filling the cache), changes the meeting one way, and reads again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, postgres_pair
from conftest import Org, join_users, make_org, runtime
from devices_kit import Kit


def page(org: Org, cid: str, max_results: int | None = None) -> dict[str, Any]:
    body = org.members(cid, max_results=max_results)
    return {m.union_id: m for m in body.member_models}


def users_of(org: Org, cid: str) -> dict[str, Any]:
    return {u.user_id: u for u in org.batch([cid]).infos[0].user_list}


def test_join_and_leave_show_in_both(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    assert org.members(cid).total_count == 2 and len(users_of(org, cid)) == 2
    (device,) = join_users(org, cid, [org.users[2]])
    body = org.members(cid)
    assert body.total_count == 3 and page(org, cid)[org.users[2]].attend_status == 3
    assert users_of(org, cid)[org.users[2]].attend_status == 3
    org.admin.leave(device)
    assert page(org, cid)[org.users[2]].attend_status == 6
    assert users_of(org, cid)[org.users[2]].attend_status == 6


def test_mute_and_reported_media_show_in_the_batch(org: Org) -> None:
    cid = org.create()
    (device,) = join_users(org, cid, [org.users[1]])
    assert users_of(org, cid)[org.users[1]].mic_status == 2
    org.mute(cid, org.users[1])
    assert users_of(org, cid)[org.users[1]].mic_status == 1
    org.mute(cid, org.users[1], action="un_mute")
    assert users_of(org, cid)[org.users[1]].mic_status == 2
    org.admin.report_media(device, camera_status=1)
    assert users_of(org, cid)[org.users[1]].camera_status == 1
    org.admin.report_media(device, mic_status=1, camera_status=2)
    user = users_of(org, cid)[org.users[1]]
    assert (user.mic_status, user.camera_status) == (1, 2)


def test_decline_shows_in_both(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    assert page(org, cid)[org.users[1]].attend_status == 1
    assert users_of(org, cid)[org.users[1]].reject_description is None
    org.admin.decline(cid, org.users[1], "busy")
    assert page(org, cid)[org.users[1]].attend_status == 4
    assert users_of(org, cid)[org.users[1]].reject_description == "busy"


def test_close_shows_in_both(org: Org) -> None:
    cid, other = org.create(), org.create()
    join_users(org, cid, [org.users[1]])
    assert [i.conference_id for i in org.batch([cid, other]).infos] == [cid, other]
    assert page(org, cid)[org.users[1]].attend_status == 3
    org.close(cid)
    assert [i.conference_id for i in org.batch([cid, other]).infos] == [other]
    assert page(org, cid)[org.users[1]].attend_status == 6


def test_the_same_ids_in_another_order_are_answered_in_that_order(org: Org) -> None:
    a, b = org.create(title="a"), org.create(title="b")
    assert [i.title for i in org.batch([a, b]).infos] == ["a", "b"]
    assert [i.title for i in org.batch([b, a]).infos] == ["b", "a"]
    assert [i.title for i in org.batch([a, b]).infos] == ["a", "b"]


def test_pages_of_other_sizes_and_tokens_are_their_own(org: Org) -> None:
    cid = org.create(invite=org.users[1:])
    first = org.members(cid, max_results=2)
    assert [m.union_id for m in first.member_models] == org.users[:2]
    rest = org.members(cid, next_token=first.next_token, max_results=2)
    assert [m.union_id for m in rest.member_models] == org.users[2:4]
    assert [m.union_id for m in org.members(cid, max_results=3).member_models] == org.users[:3]
    # A member joining at the end changes the last page and the token of the full one.
    whole = org.members(cid, max_results=5)
    assert whole.next_token is None
    org.admin.join(cid, org.admin.create_user(org.corp_id, "late")["unionId"])
    assert org.members(cid, max_results=5).next_token is not None


def test_durations_of_present_members_keep_growing(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    join_users(org, cid, [org.users[2]])
    before = page(org, cid)
    time.sleep(0.05)
    after = page(org, cid)
    assert after[org.users[2]].duration >= before[org.users[2]].duration + 50
    # A member who never came has no time in the meeting, however often it is read.
    assert before[org.users[1]].duration == after[org.users[1]].duration == 0


@pytest.mark.parametrize(
    "nick",
    ['100% "sure"', "%d %s %% %(x)s", 'x","duration":-1,"host":true', "尺寸 \\ %"],
)
def test_nicks_that_look_like_formats_or_fields(org: Org, nick: str) -> None:
    cid = org.create()
    guest = org.admin.create_user(org.corp_id, nick)["unionId"]
    join_users(org, cid, [guest])
    for _ in range(2):
        member = page(org, cid)[guest]
        assert (member.user_nick, member.host, member.attend_status) == (nick, False, 3)
        assert member.duration >= 0
        assert users_of(org, cid)[guest].nick == nick


def test_kick_cohosts_and_mute_all_show(org: Org) -> None:
    kit = Kit(org)
    cid = org.create()
    join_users(org, cid, [org.users[1], org.users[2]])
    assert page(org, cid)[org.users[1]].co_host is False
    assert org.batch([cid]).infos[0].media_status == 0
    kit.cohosts(cid, "add", [org.users[1]])
    assert page(org, cid)[org.users[1]].co_host is True
    kit.kick(cid, org.users[2])
    assert page(org, cid)[org.users[2]].attend_status == 5
    org.conference.mute_all_with_options(
        cid,
        cm.MuteAllRequest(action="mute", force_mute=True),
        org.headers(cm.MuteAllHeaders),
        runtime(),
    )
    assert org.batch([cid]).infos[0].media_status & 4


# -- two processes on one PostgreSQL database --------------------------------------


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ...]]:
    with postgres_pair(tmp_path_factory.mktemp("read-cache-pair")) as servers:
        yield servers


def test_a_change_through_one_process_shows_in_the_others_cache(
    two_servers: tuple[ServerProcess, ...],
) -> None:
    a, b = two_servers
    with AdminClient(a.base_url, a.admin_token) as admin_a:
        org_a = make_org(a, admin_a)
        org_b = Org(b, admin_a, org_a.corp_id, org_a.app_key, org_a.app_secret, org_a.users)
        cid = org_a.create()
        (device,) = join_users(org_a, cid, [org_a.users[1]])
        # b reads (and keeps) the page and the batch answer, a changes the meeting.
        assert page(org_b, cid)[org_a.users[1]].attend_status == 3
        assert users_of(org_b, cid)[org_a.users[1]].mic_status == 2
        org_a.mute(cid, org_a.users[1])
        assert users_of(org_b, cid)[org_a.users[1]].mic_status == 1
        admin_a.leave(device)
        assert page(org_b, cid)[org_a.users[1]].attend_status == 6
        assert users_of(org_b, cid)[org_a.users[1]].attend_status == 6
        # The host never came: the close makes that a failed join.
        assert page(org_b, cid)[org_a.host].attend_status == 1
        org_a.close(cid)
        assert page(org_b, cid)[org_a.host].attend_status == 4
