"""How device states add up to a member's and a meeting's media status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from confplane.domain.model import Conference, Device, DeviceMedia, MediaFlag, Member, MemberMedia

# Plain ints: comparing and hashing IntEnum members costs more in the per-member loop.
_OPEN = int(DeviceMedia.OPEN)
_CLOSED = int(DeviceMedia.CLOSED)
_UNKNOWN = int(DeviceMedia.UNKNOWN)


def combine(statuses: Iterable[int]) -> int:
    """Open if any device is open, closed if all reporting devices are closed."""
    seen = set(statuses)
    if _OPEN in seen:
        return _OPEN
    if _CLOSED in seen:
        return _CLOSED
    return _UNKNOWN


def combine_member_media(members: Sequence[Member], devices: Sequence[Device]) -> list[MemberMedia]:
    by_member: dict[int, list[Device]] = {}
    for device in devices:
        by_member.setdefault(device.member_id, []).append(device)
    result = []
    for member in members:
        own = by_member.get(member.id)
        if own is None:
            result.append(MemberMedia(member, _UNKNOWN, _UNKNOWN))
            continue
        result.append(
            MemberMedia(
                member,
                combine([d.mic_status for d in own]),
                combine([d.camera_status for d in own]),
            )
        )
    return result


def meeting_media_status(conference: Conference, devices: Sequence[Device]) -> int:
    """Bit 1: nobody's microphone is open; bit 2: nobody's camera is open; bit 4: mute-all.

    Bits 1 and 2 are only set while at least one device is in the meeting.
    """
    status = int(MediaFlag.MUTE_ALL) if conference.mute_all else 0
    if devices:
        if all(d.mic_status != DeviceMedia.OPEN for d in devices):
            status |= MediaFlag.MIC_MUTED
        if all(d.camera_status != DeviceMedia.OPEN for d in devices):
            status |= MediaFlag.CAMERA_CLOSED
    return status
