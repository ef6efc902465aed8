"""CreateVideoConference: the creator becomes host, invitees become members."""

from __future__ import annotations

from alibabacloud_dingtalk.conference_1_0 import models as cm

from conftest import Org, api_error, runtime


def test_create_answers_every_field(org: Org) -> None:
    body = org.conference.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(user_id=org.host, conf_title="standup"),
        org.headers(cm.CreateVideoConferenceHeaders),
        runtime(),
    ).body
    assert len(body.conference_id) == 24
    assert body.room_code.isdigit() and len(body.room_code) == 9
    assert body.conference_password.isdigit()
    assert body.host_password.isdigit()
    assert body.external_link_url.endswith("/j/" + body.room_code)
    assert body.phone_numbers == []


def test_creator_is_host_and_invitees_are_members(org: Org) -> None:
    cid = org.create(invite=[org.users[1], org.users[2], org.users[1], org.host])
    models = org.members(cid).member_models
    assert [(m.union_id, m.host, m.attend_status) for m in models] == [
        (org.host, True, 1),
        (org.users[1], False, 1),
        (org.users[2], False, 1),
    ]
    info = org.batch([cid]).infos[0]
    assert (info.status, info.title, info.start_time) == (0, "weekly sync", None)


def test_invite_caller_puts_invitees_in_calling(org: Org) -> None:
    cid = org.create(invite=[org.users[1]], invite_caller=True)
    statuses = {m.union_id: m.attend_status for m in org.members(cid).member_models}
    assert statuses == {org.host: 1, org.users[1]: 2}


def test_invitee_of_another_org_is_outer_member(org: Org, other_org: Org) -> None:
    cid = org.create(invite=[other_org.users[0]])
    guest = org.members(cid).member_models[1]
    assert guest.union_id == other_org.users[0]
    assert guest.outer_org_member is True
    host = org.members(cid).member_models[0]
    assert host.outer_org_member is None  # not sent for the org's own members


def test_creator_must_be_a_user_of_the_org(org: Org, other_org: Org) -> None:
    for creator in ("nobody-here", other_org.host):
        err = api_error(org.create, creator=creator)
        assert (err.status, err.code, err.message) == (400, "unknownUserError", "unknownUserError")


def test_unknown_invitee_creates_nothing(org: Org) -> None:
    err = api_error(org.create, invite=[org.users[1], "ghost-user"])
    assert err.code == "unknownUserError"


def test_title_must_be_sensible(org: Org) -> None:
    for title in ("", "   ", "x" * 129):
        err = api_error(org.create, title=title)
        assert (err.status, err.code) == (400, "paramsTitleError")
        assert err.message.startswith("error:")
    assert org.create(title="x" * 128)


def test_too_many_invitees(org: Org) -> None:
    err = api_error(org.create, invite=[f"u{i}" for i in range(600)])
    assert (err.status, err.code) == (404, "waterLimitError")
