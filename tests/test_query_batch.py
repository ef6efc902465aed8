"""QueryConferenceInfoBatch: meetings in progress, their users and media state."""

from __future__ import annotations

from conftest import Org, api_error, join_users


def test_fields_of_a_live_meeting(org: Org) -> None:
    cid = org.create(title="design review", invite=[org.users[1], org.users[2]])
    org.admin.decline(cid, org.users[2], "Sorry, I am in a meeting.")
    (device,) = join_users(org, cid, [org.users[1]])
    org.admin.report_media(device, camera_status=1)
    info = org.batch([cid]).infos[0]
    assert (info.conference_id, info.title, info.status) == (cid, "design review", 2)
    assert info.start_time is not None and info.start_time > 1_600_000_000_000
    users = {u.user_id: u for u in info.user_list}
    host, joined, declined = users[org.host], users[org.users[1]], users[org.users[2]]
    assert (host.nick, host.attend_status, host.mic_status, host.camera_status) == (
        "user 0",
        1,
        0,
        0,
    )
    assert (joined.attend_status, joined.mic_status, joined.camera_status) == (3, 2, 1)
    assert (declined.attend_status, declined.reject_description) == (4, "Sorry, I am in a meeting.")
    assert host.reject_description is None


def test_media_status_bits(org: Org) -> None:
    cid = org.create()
    assert org.batch([cid]).infos[0].media_status == 0  # nobody in: nothing to report
    a, b = join_users(org, cid, [org.users[1], org.users[2]])
    assert org.batch([cid]).infos[0].media_status == 0
    org.admin.report_media(a, mic_status=1, camera_status=1)
    assert org.batch([cid]).infos[0].media_status == 0  # b is still heard and seen
    org.admin.report_media(b, camera_status=1)
    assert org.batch([cid]).infos[0].media_status == 2  # every camera closed
    org.mute(cid, org.users[2])
    assert org.batch([cid]).infos[0].media_status == 3  # and every microphone


def test_order_duplicates_and_unknown_ids(org: Org) -> None:
    first, second = org.create(title="one"), org.create(title="two")
    infos = org.batch([second, "no-such-meeting", first, second]).infos
    assert [i.conference_id for i in infos] == [second, first]
    assert org.batch(["no-such-meeting"]).infos == []


def test_ended_meetings_are_left_out(org: Org) -> None:
    live, ended = org.create(), org.create()
    org.close(ended)
    assert [i.conference_id for i in org.batch([live, ended]).infos] == [live]
    err = api_error(org.batch, [ended])
    assert (err.status, err.code, err.message) == (400, "resourceClose", "The meeting has ended")


def test_other_org_meeting_is_forbidden(org: Org, other_org: Org) -> None:
    err = api_error(org.batch, [org.create(), other_org.create()])
    assert (err.status, err.code, err.message) == (400, "orgAccessForbidden", "orgAccessForbidden")


def test_id_list_limits(org: Org) -> None:
    for ids in ([], [""], ["x"] * 51):
        err = api_error(org.batch, ids)
        assert (err.status, err.code) == (400, "paramsError"), ids
    assert org.batch(["x"] * 50).infos == []


def test_ten_meetings_in_one_call(org: Org) -> None:
    cids = [org.create(title=f"room {i}", invite=org.users[1:]) for i in range(10)]
    infos = org.batch(cids).infos
    assert [i.conference_id for i in infos] == cids
    assert all(len(i.user_list) == len(org.users) for i in infos)
