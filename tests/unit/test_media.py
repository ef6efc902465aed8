"""How device states add up: a member's mic/camera and a meeting's mediaStatus bits."""

from __future__ import annotations

import pytest

from confplane.domain.media import combine, combine_member_media, meeting_media_status
from confplane.domain.model import DeviceMedia, MediaFlag

from .factories import conference, device, member

UNKNOWN, CLOSED, OPEN = DeviceMedia.UNKNOWN, DeviceMedia.CLOSED, DeviceMedia.OPEN


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], UNKNOWN),
        ([UNKNOWN], UNKNOWN),
        ([UNKNOWN, UNKNOWN], UNKNOWN),
        ([CLOSED], CLOSED),
        ([OPEN], OPEN),
        ([CLOSED, CLOSED], CLOSED),
        ([CLOSED, OPEN], OPEN),
        ([OPEN, CLOSED], OPEN),
        ([UNKNOWN, CLOSED], CLOSED),
        ([UNKNOWN, OPEN, CLOSED], OPEN),
    ],
)
def test_combine(statuses: list[int], expected: int) -> None:
    result = combine(statuses)
    assert result == expected
    assert type(result) is int  # sent as a JSON int, never an enum name
    assert combine(iter(statuses)) == expected  # any iterable, consumed once


def test_combine_member_media_keeps_member_order_and_groups_devices() -> None:
    members = [member(3), member(1), member(2), member(4)]
    devices = [
        device(1, CLOSED, CLOSED, participant_id="a"),
        device(2, CLOSED, OPEN, participant_id="b"),
        device(1, OPEN, CLOSED, participant_id="c"),  # a second device of member 1
        device(3, CLOSED, CLOSED, participant_id="d"),
        device(99, OPEN, OPEN, participant_id="e"),  # not one of these members
    ]
    result = combine_member_media(members, devices)
    assert [m.member.id for m in result] == [3, 1, 2, 4]
    assert [(m.mic_status, m.camera_status) for m in result] == [
        (CLOSED, CLOSED),
        (OPEN, CLOSED),
        (CLOSED, OPEN),
        (UNKNOWN, UNKNOWN),  # no device: never reported
    ]
    assert result[1].member is members[1]


def test_combine_member_media_of_nothing() -> None:
    assert combine_member_media([], [device(1)]) == []
    [only] = combine_member_media([member(1)], [])
    assert (only.mic_status, only.camera_status) == (UNKNOWN, UNKNOWN)


MIC, CAMERA, MUTE_ALL = MediaFlag.MIC_MUTED, MediaFlag.CAMERA_CLOSED, MediaFlag.MUTE_ALL


def test_flag_values_are_the_seed_bits() -> None:
    assert (int(MIC), int(CAMERA), int(MUTE_ALL)) == (1, 2, 4)


@pytest.mark.parametrize("mute_all", [False, True])
def test_no_devices_never_sets_bits_1_and_2(mute_all: bool) -> None:
    status = meeting_media_status(conference(mute_all=mute_all), [])
    assert status == (4 if mute_all else 0)


@pytest.mark.parametrize(
    ("devices", "mute_all", "expected"),
    [
        ([(OPEN, OPEN)], False, 0),
        ([(CLOSED, OPEN)], False, MIC),
        ([(OPEN, CLOSED)], False, CAMERA),
        ([(CLOSED, CLOSED)], False, MIC | CAMERA),
        ([(CLOSED, CLOSED)], True, MIC | CAMERA | MUTE_ALL),
        ([(OPEN, OPEN)], True, MUTE_ALL),
        # One open microphone anywhere clears bit 1; one open camera clears bit 2.
        ([(CLOSED, CLOSED), (OPEN, CLOSED)], False, CAMERA),
        ([(CLOSED, CLOSED), (CLOSED, OPEN)], False, MIC),
        ([(CLOSED, OPEN), (OPEN, CLOSED)], False, 0),
        # Devices that never reported count as not open.
        ([(UNKNOWN, UNKNOWN)], False, MIC | CAMERA),
        ([(UNKNOWN, OPEN), (CLOSED, UNKNOWN)], False, MIC),
    ],
)
def test_meeting_media_status(
    devices: list[tuple[int, int]], mute_all: bool, expected: int
) -> None:
    states = [device(i, mic, cam, participant_id=f"p{i}") for i, (mic, cam) in enumerate(devices)]
    status = meeting_media_status(conference(mute_all=mute_all), states)
    assert status == expected
    assert type(status) is int
