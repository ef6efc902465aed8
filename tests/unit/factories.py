"""Plain domain records for the rule tests that need no database."""

from __future__ import annotations

from typing import Any

from confplane.domain.model import Conference, Device, DeviceMedia, Member


def conference(**overrides: Any) -> Conference:
    values: dict[str, Any] = {
        "id": 1,
        "conference_id": "c0ffee",
        "org_id": 1,
        "title": "weekly sync",
        "status": 2,
        "locked": False,
        "mute_all": False,
        "host_union_id": "host",
        "room_code": "123456789",
        "conference_password": "1234",
        "host_password": "123456",
        "created_at": 1_000,
        "start_time": 2_000,
        "end_time": None,
        "member_count": 0,
        "revision": 0,
    }
    values.update(overrides)
    return Conference(**values)


def member(member_id: int, **overrides: Any) -> Member:
    values: dict[str, Any] = {
        "id": member_id,
        "conference_pk": 1,
        "union_id": f"u{member_id}",
        "nick": f"user {member_id}",
        "job_number": None,
        "attend_status": 3,
        "join_time": None,
        "leave_time": None,
        "duration_ms": 0,
        "present_since": None,
        "host": False,
        "co_host": False,
        "outer_org": False,
        "pstn": False,
        "reject_description": None,
    }
    values.update(overrides)
    return Member(**values)


def device(
    member_id: int,
    mic: int = DeviceMedia.OPEN,
    camera: int = DeviceMedia.OPEN,
    *,
    participant_id: str | None = None,
    conference_pk: int = 1,
) -> Device:
    return Device(
        participant_id=participant_id or f"p{member_id}-{mic}-{camera}",
        conference_pk=conference_pk,
        member_id=member_id,
        union_id=f"u{member_id}",
        mic_status=int(mic),
        camera_status=int(camera),
        host_muted=False,
        active=True,
    )
