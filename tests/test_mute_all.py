"""MuteAll: every attendee muted at once; with forceMute, held until the mute is lifted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.devices import protocol
from conftest import Org, api_error, join_users, runtime
from devices_kit import Kit, barrier


def mute_all(org: Org, cid: str, action: str | None, force: bool | None = None) -> Any:
    return org.conference.mute_all_with_options(
        cid,
        cm.MuteAllRequest(action=action, force_mute=force),
        org.headers(cm.MuteAllHeaders),
        runtime(),
    ).body


def media_status(org: Org, cid: str) -> int:
    return int(org.batch([cid]).infos[0].media_status)


def test_forced_mute_all_holds_attendees_but_not_hosts(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    org.conference.cohosts_with_options(
        cid,
        cm.CohostsRequest(
            action="add", user_list=[cm.CohostsRequestUserList(union_id=org.users[1])]
        ),
        org.headers(cm.CohostsHeaders),
        runtime(),
    )
    host, cohost, attendee = join_users(org, cid, [org.host, org.users[1], org.users[2]])
    assert mute_all(org, cid, "mute", True).success is True
    # The host and co-hosts keep the floor.
    assert org.admin.device(host)["micStatus"] == org.admin.device(cohost)["micStatus"] == 2
    state = org.admin.device(attendee)
    assert (state["micStatus"], state["hostMuted"]) == (1, True)
    assert media_status(org, cid) & 4 == 4
    # Held: the attendee cannot open the microphone, and newcomers arrive muted.
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 1
    (late,) = join_users(org, cid, [org.users[3]])
    assert (org.admin.device(late)["micStatus"], org.admin.device(late)["hostMuted"]) == (1, True)
    # Lifting releases without opening anyone's microphone.
    assert mute_all(org, cid, "unmute").success is True
    assert media_status(org, cid) & 4 == 0
    state = org.admin.device(attendee)
    assert (state["micStatus"], state["hostMuted"]) == (1, False)
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 2


def test_mute_all_without_force_lets_attendees_speak_again(org: Org) -> None:
    cid = org.create()
    (attendee,) = join_users(org, cid, [org.users[1]])
    mute_all(org, cid, "mute")
    assert org.admin.device(attendee)["micStatus"] == 1
    assert media_status(org, cid) & 4 == 0
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 2


def test_mute_all_without_force_keeps_a_named_mute(org: Org) -> None:
    cid = org.create()
    named, other = join_users(org, cid, [org.users[1], org.users[2]])
    org.mute(cid, org.users[1])
    mute_all(org, cid, "mute", False)
    assert org.admin.report_media(named, mic_status=2)["micStatus"] == 1
    assert org.admin.report_media(other, mic_status=2)["micStatus"] == 2


def test_errors(org: Org, other_org: Org) -> None:
    cid = org.create()
    (attendee,) = join_users(org, cid, [org.users[1]])
    for action in (None, "", "silence"):
        err = api_error(mute_all, org, cid, action, True)
        assert (err.status, err.code) == (400, "paramsError"), action
    assert org.admin.device(attendee)["micStatus"] == 2
    err = api_error(mute_all, org, other_org.create(), "mute")
    assert (err.status, err.code) == (400, "orgAccessForbidden")
    org.close(cid)
    err = api_error(mute_all, org, cid, "mute")
    assert (err.status, err.code) == (400, "resourceClose")


@pytest.fixture
async def kit(org: Org) -> AsyncIterator[Kit]:
    kit = Kit(org)
    yield kit
    await kit.close()


async def test_devices_obey_a_forced_mute_all_and_its_lifting(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    host = await kit.member(cid, org.host)
    attendee = await kit.member(cid, org.users[1])
    mute_all(org, cid, "mute", True)
    mute_all(org, cid, "unmute")
    assert await barrier(org, cid, [host, attendee]) == [
        ["locked", "unlocked"],
        ["mute", "mute_lifted", "locked", "unlocked"],
    ]
    assert attendee.commands[0].data == {"all": True, "force": True}
    assert (attendee.mic, attendee.host_muted) == (1, False)
    # Released: the device's own report of an open microphone is believed.
    answer = await attendee.report(mic=2)
    assert not isinstance(answer, protocol.Correction)
