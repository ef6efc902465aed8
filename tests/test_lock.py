"""LockConference: a locked meeting refuses every new join."""

from __future__ import annotations

from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.client.admin import AdminError
from conftest import Org, api_error, runtime


def join_refusal(org: Org, cid: str, union_id: str) -> AdminError:
    try:
        org.admin.join(cid, union_id)
    except AdminError as exc:
        return exc
    raise AssertionError("join succeeded in a locked meeting")


def test_lock_refuses_joins_and_unlock_admits_them(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    present = org.admin.join(cid, org.users[2])["participantId"]
    assert org.lock(cid).success is True
    refused = join_refusal(org, cid, org.users[1])
    assert (refused.status, refused.code) == (400, "conferenceLocked")
    # A present member's new device is a new join too.
    assert join_refusal(org, cid, org.users[2]).code == "conferenceLocked"
    # Those already in stay in.
    assert org.admin.device(present)["active"] is True
    assert org.lock(cid, "unlock").success is True
    assert org.admin.join(cid, org.users[1])["active"] is True


def test_lock_and_unlock_are_idempotent(org: Org) -> None:
    cid = org.create()
    assert org.lock(cid).success and org.lock(cid).success
    assert join_refusal(org, cid, org.users[1]).code == "conferenceLocked"
    assert org.lock(cid, "unlock").success and org.lock(cid, "unlock").success
    assert org.admin.join(cid, org.users[1])["active"] is True


def lock_raw(org: Org, cid: str, action: str | None) -> None:
    org.conference.lock_conference_with_options(
        cid,
        cm.LockConferenceRequest(action=action),
        org.headers(cm.LockConferenceHeaders),
        runtime(),
    )


def test_action_errors(org: Org) -> None:
    cid = org.create()
    err = api_error(lock_raw, org, cid, "bolt")
    assert (err.status, err.code) == (400, "commandError")
    for action in (None, ""):
        err = api_error(lock_raw, org, cid, action)
        assert (err.status, err.code) == (400, "paramsError")
    # Nothing was locked by the refused calls.
    assert org.admin.join(cid, org.users[1])["active"] is True


def test_meeting_errors(org: Org, other_org: Org) -> None:
    err = api_error(org.lock, other_org.create())
    assert (err.status, err.code, err.message) == (400, "noPermission", "noPermission")
    err = api_error(org.lock, "000000000000000000000000")
    assert (err.status, err.code) == (400, "paramsError")
    cid = org.create()
    org.close(cid)
    err = api_error(org.lock, cid)
    assert (err.status, err.code, err.message) == (400, "confClosed", "confClosed")
    err = api_error(org.lock, cid, "unlock")
    assert err.code == "confClosed"
