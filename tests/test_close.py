"""CloseVideoConference: for the host only; it ends the meeting for everyone."""

from __future__ import annotations

from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.client.admin import AdminError
from conftest import Org, api_error, join_users, runtime


def test_host_closes_and_everyone_leaves(org: Org) -> None:
    cid = org.create(invite=[org.users[3]])
    devices = join_users(org, cid, [org.host, org.users[1], org.users[2]])
    body = org.close(cid)
    assert (body.code, body.cause) == (200, "success")
    members = {m.union_id: m for m in org.members(cid).member_models}
    for union_id in (org.host, org.users[1], org.users[2]):
        assert members[union_id].attend_status == 6
        assert members[union_id].leave_time is not None
        assert (
            members[union_id].duration == members[union_id].leave_time - members[union_id].join_time
        )
    assert members[org.users[3]].attend_status == 4
    assert all(org.admin.device(d)["active"] is False for d in devices)


def test_later_calls_get_meeting_ended_errors(org: Org) -> None:
    cid = org.create()
    org.close(cid)
    err = api_error(org.close, cid)
    assert (err.status, err.code, err.message) == (400, "resourceClose", "The meeting has ended")
    assert api_error(org.lock, cid).code == "confClosed"
    assert api_error(org.batch, [cid]).code == "resourceClose"
    try:
        org.admin.join(cid, org.users[1])
    except AdminError as exc:
        assert exc.code == "resourceClose"
    else:
        raise AssertionError("joined an ended meeting")
    # Its history stays readable.
    assert org.members(cid).total_count == 1


def test_only_the_host_may_close(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    join_users(org, cid, [org.users[1]])
    err = api_error(org.close, cid, org.users[1])
    assert (err.status, err.code) == (404, "permissionError")
    assert err.message.startswith("permissionError:")
    assert org.batch([cid]).infos[0].status == 2  # still running


def test_union_id_must_be_known_to_the_org(org: Org, other_org: Org) -> None:
    cid = org.create()
    for union_id in ("ghost", other_org.host):
        err = api_error(org.close, cid, union_id)
        assert (err.status, err.code, err.message) == (400, "unknownUserError", "unknownUserError")


def test_missing_union_id(org: Org) -> None:
    cid = org.create()
    err = api_error(
        org.conference.close_video_conference_with_options,
        cid,
        cm.CloseVideoConferenceRequest(),
        org.headers(cm.CloseVideoConferenceHeaders),
        runtime(),
    )
    assert (err.status, err.code) == (400, "paramsError")
    assert org.batch([cid]).infos[0].status == 0


def test_meeting_errors(org: Org, other_org: Org) -> None:
    err = api_error(org.close, other_org.create(), org.host)
    assert (err.status, err.code, err.message) == (400, "orgAccessForbidden", "orgAccessForbidden")
    err = api_error(org.close, "000000000000000000000000")
    assert (err.status, err.code) == (400, "paramsError")
