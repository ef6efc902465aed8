"""Every change of a meeting is an event, in the transaction of the change: the event log
(admin API) after each kind of change, through the official SDK (docs/events.md)."""

from __future__ import annotations

from typing import Any

from alibabacloud_dingtalk.conference_1_0 import models as cm

from conftest import Org, join_users, runtime
from controls_kit import invite


def log_of(org: Org, cid: str) -> list[dict[str, Any]]:
    return list(org.admin.events(conference_id=cid, limit=1000)["items"])


def types_of(org: Org, cid: str) -> list[str]:
    return [e["eventType"] for e in log_of(org, cid)]


def kick(org: Org, cid: str, union_id: str) -> None:
    org.conference.kick_members_with_options(
        cid,
        cm.KickMembersRequest(
            forbidden_rejoin=True, user_list=[cm.KickMembersRequestUserList(union_id=union_id)]
        ),
        org.headers(cm.KickMembersHeaders),
        runtime(),
    )


def cohosts(org: Org, cid: str, action: str, union_id: str) -> None:
    org.conference.cohosts_with_options(
        cid,
        cm.CohostsRequest(action=action, user_list=[cm.CohostsRequestUserList(union_id=union_id)]),
        org.headers(cm.CohostsHeaders),
        runtime(),
    )


def mute_all(org: Org, cid: str, action: str) -> None:
    org.conference.mute_all_with_options(
        cid,
        cm.MuteAllRequest(action=action, force_mute=True),
        org.headers(cm.MuteAllHeaders),
        runtime(),
    )


def test_each_kind_of_change_is_one_event_in_commit_order(org: Org) -> None:
    cid = org.create(invite=[org.users[1], org.users[2]])
    org.admin.decline(cid, org.users[2], "busy")
    join_users(org, cid, [org.users[1], org.users[3]])
    mute_all(org, cid, "mute")
    mute_all(org, cid, "unmute")
    cohosts(org, cid, "add", org.users[1])
    cohosts(org, cid, "remove", org.users[1])
    org.mute(cid, org.users[1], "un_mute")
    kick(org, cid, org.users[3])
    invite(org, cid, [org.users[4]])
    org.close(cid)
    log = log_of(org, cid)
    assert [e["eventType"] for e in log] == [
        "confplane_conference_created",
        "confplane_member_invited",
        "confplane_member_invited",
        "confplane_member_declined",
        "confplane_conference_started",
        "confplane_member_joined",
        "confplane_member_joined",
        "confplane_conference_mute_all_on",
        "confplane_conference_mute_all_off",
        "confplane_member_role_changed",
        "confplane_member_role_changed",
        "confplane_member_unmuted",
        "confplane_member_kicked",
        "confplane_member_invited",
        "confplane_conference_closed",
    ]
    assert [e["seq"] for e in log] == list(range(1, 16))
    by_type = {e["eventType"]: e["data"] for e in log}
    assert by_type["confplane_member_declined"]["rejectDescription"] == "busy"
    assert by_type["confplane_member_kicked"]["unionId"] == org.users[3]
    assert by_type["confplane_member_kicked"]["forbiddenRejoin"] is True
    assert log[9]["data"]["coHost"] is True and log[10]["data"]["coHost"] is False
    assert log[13]["data"]["unionId"] == org.users[4]
    assert log[13]["data"]["attendStatus"] == 2
    assert by_type["confplane_conference_mute_all_on"]["forceMute"] is True
    assert by_type["confplane_conference_closed"]["closedBy"] == org.host


def test_a_refused_call_makes_no_event(org: Org, other_org: Org) -> None:
    cid = org.create()
    org.lock(cid)
    org.lock(cid)  # already locked: nothing changes
    before = types_of(org, cid)
    try:
        other_org.lock(cid, "unlock")
    except Exception:  # the SDK raises; the meeting belongs to another org
        pass
    else:
        raise AssertionError("another org unlocked the meeting")
    assert before == ["confplane_conference_created", "confplane_conference_locked"]
    assert types_of(org, cid) == before


def test_the_log_of_one_org_is_not_shown_for_another(org: Org, other_org: Org) -> None:
    mine = org.create()
    other_org.create()
    page = org.admin.events(corp_id=org.corp_id, limit=1000)
    assert {e["eventCorpId"] for e in page["items"]} == {org.corp_id}
    assert mine in {e["conferenceId"] for e in page["items"]}
