"""MuteMembers: one user, every device of theirs or the one participantId."""

from __future__ import annotations

from alibabacloud_dingtalk.conference_1_0 import models as cm

from conftest import Org, api_error, join_users, runtime


def mic(org: Org, participant_id: str) -> int:
    return int(org.admin.device(participant_id)["micStatus"])


def test_mute_without_participant_mutes_every_device(org: Org) -> None:
    cid = org.create()
    target, bystander = org.users[1], org.users[2]
    phone = org.admin.join(cid, target)["participantId"]
    laptop = org.admin.join(cid, target)["participantId"]
    (other,) = join_users(org, cid, [bystander])
    assert org.mute(cid, target).success is True
    assert (mic(org, phone), mic(org, laptop), mic(org, other)) == (1, 1, 2)
    assert org.admin.device(phone)["hostMuted"] is True
    user = next(u for u in org.batch([cid]).infos[0].user_list if u.user_id == target)
    assert user.mic_status == 1


def test_mute_with_participant_mutes_that_device_only(org: Org) -> None:
    cid = org.create()
    phone = org.admin.join(cid, org.users[1])["participantId"]
    laptop = org.admin.join(cid, org.users[1])["participantId"]
    org.mute(cid, org.users[1], participant_id=laptop)
    assert (mic(org, phone), mic(org, laptop)) == (2, 1)
    # One device still open: the member counts as heard.
    user = next(u for u in org.batch([cid]).infos[0].user_list if u.user_id == org.users[1])
    assert user.mic_status == 2


def test_unmute_releases_the_device(org: Org) -> None:
    cid = org.create()
    (device,) = join_users(org, cid, [org.users[1]])
    org.mute(cid, org.users[1])
    # While muted by the host the device cannot open its microphone itself.
    assert org.admin.report_media(device, mic_status=2)["micStatus"] == 1
    assert org.mute(cid, org.users[1], action="un_mute").success is True
    state = org.admin.device(device)
    assert (state["micStatus"], state["hostMuted"]) == (2, False)
    assert org.admin.report_media(device, mic_status=1)["micStatus"] == 1


def test_unmute_of_someone_never_muted_succeeds(org: Org) -> None:
    cid = org.create()
    (device,) = join_users(org, cid, [org.users[1]])
    assert org.mute(cid, org.users[1], action="un_mute").success is True
    assert mic(org, device) == 2


def test_mute_of_member_without_devices_succeeds(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    assert org.mute(cid, org.users[1]).success is True


def test_unknown_user(org: Org) -> None:
    cid = org.create()
    join_users(org, cid, [org.users[1]])
    for union_id in ("ghost", org.users[3]):  # unknown, and known but not in the meeting
        err = api_error(org.mute, cid, union_id)
        assert (err.status, err.code, err.message) == (400, "unknownUserError", "unknownUserError")


def test_participant_of_someone_else(org: Org) -> None:
    cid = org.create()
    mine, theirs = join_users(org, cid, [org.users[1], org.users[2]])
    err = api_error(org.mute, cid, org.users[1], participant_id=theirs)
    assert (err.status, err.code) == (400, "paramsError")
    assert mic(org, theirs) == 2 and mic(org, mine) == 2


def mute_raw(
    org: Org, cid: str, action: str | None, users: list[cm.MuteMembersRequestUserList] | None
) -> None:
    org.conference.mute_members_with_options(
        cid,
        cm.MuteMembersRequest(action=action, user_list=users),
        org.headers(cm.MuteMembersHeaders),
        runtime(),
    )


def test_bad_requests_change_nothing(org: Org) -> None:
    cid = org.create()
    (device,) = join_users(org, cid, [org.users[1]])
    one = [cm.MuteMembersRequestUserList(union_id=org.users[1])]
    two = [*one, cm.MuteMembersRequestUserList(union_id=org.host)]
    for action, users in (
        ("mute", []),  # empty userList
        ("mute", two),  # only one user is allowed
        ("mute", None),  # missing userList
        (None, one),  # missing action
        ("silence", one),  # unknown action
        ("mute", [cm.MuteMembersRequestUserList(union_id="")]),
        ("mute", [cm.MuteMembersRequestUserList(participant_id="x")]),  # no unionId
    ):
        err = api_error(mute_raw, org, cid, action, users)
        assert (err.status, err.code) == (400, "paramsError"), (action, users)
        assert err.message.startswith("error:")
    assert mic(org, device) == 2


def test_meeting_errors(org: Org, other_org: Org) -> None:
    theirs = other_org.create()
    err = api_error(org.mute, theirs, other_org.host)
    assert (err.status, err.code) == (400, "orgAccessForbidden")
    err = api_error(org.mute, "000000000000000000000000", org.host)
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(org.mute, "", org.host)
    assert (err.status, err.code) == (400, "paramsError")
    cid = org.create()
    org.close(cid)
    err = api_error(org.mute, cid, org.host)
    assert (err.status, err.code) == (400, "paramsError")
    assert "ended" in err.message
