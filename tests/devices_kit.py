"""Helpers of the device tests: real WebSocket devices joined to a real server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.client.device import Device, request_ticket
from confplane.devices.protocol import Command
from conftest import Org, runtime


@dataclass
class Meeting:
    conference_id: str
    room_code: str
    password: str


@dataclass
class Kit:
    """Makes devices for one test and drops them all at the end."""

    org: Org
    devices: list[Device] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.org.server.base_url

    def meeting(
        self, invite: list[str] | None = None, invite_caller: bool | None = None
    ) -> Meeting:
        req = cm.CreateVideoConferenceRequest(
            user_id=self.org.host,
            conf_title="device sync",
            invite_user_ids=invite,
            invite_caller=invite_caller,
        )
        body = self.org.conference.create_video_conference_with_options(
            req, self.org.headers(cm.CreateVideoConferenceHeaders), runtime()
        ).body
        return Meeting(body.conference_id, body.room_code, body.conference_password)

    async def ticket(self, conference_id: str, union_id: str, **kwargs: Any) -> str:
        body = await request_ticket(self.url, self.org.token, conference_id, union_id, **kwargs)
        return str(body["ticket"])

    def device(self, **kwargs: Any) -> Device:
        device = Device(self.url, **kwargs)
        self.devices.append(device)
        return device

    async def member(self, conference_id: str, union_id: str, **kwargs: Any) -> Device:
        """A device of a user of the org, joined with a fresh ticket."""
        ticket = await self.ticket(conference_id, union_id)
        device = self.device(conference_id=conference_id, ticket=ticket, **kwargs)
        await device.join()
        return device

    async def guest(self, meeting: Meeting, nick: str = "visitor", **kwargs: Any) -> Device:
        device = self.device(
            room_code=meeting.room_code, password=meeting.password, nick=nick, **kwargs
        )
        await device.join()
        return device

    async def close(self) -> None:
        for device in self.devices:
            await device.drop()

    # -- the API, as an app calls it ------------------------------------------------

    def kick(
        self,
        conference_id: str,
        union_id: str,
        participant_id: str | None = None,
        forbidden_rejoin: bool | None = None,
    ) -> Any:
        req = cm.KickMembersRequest(
            forbidden_rejoin=forbidden_rejoin,
            user_list=[
                cm.KickMembersRequestUserList(union_id=union_id, participant_id=participant_id)
            ],
        )
        return self.org.conference.kick_members_with_options(
            conference_id, req, self.org.headers(cm.KickMembersHeaders), runtime()
        ).body

    def cohosts(self, conference_id: str, action: str, union_ids: Sequence[str]) -> Any:
        req = cm.CohostsRequest(
            action=action, user_list=[cm.CohostsRequestUserList(union_id=u) for u in union_ids]
        )
        return self.org.conference.cohosts_with_options(
            conference_id, req, self.org.headers(cm.CohostsHeaders), runtime()
        ).body

    def member_model(self, conference_id: str, union_id: str) -> Any:
        models = self.org.members(conference_id, max_results=1000).member_models
        return next(m for m in models if m.union_id == union_id)

    def batch_user(self, conference_id: str, union_id: str) -> Any:
        users = self.org.batch([conference_id]).infos[0].user_list
        return next(u for u in users if u.user_id == union_id)


async def kinds_until(device: Device, last: str) -> list[str]:
    """The kinds of the commands a device receives up to and including ``last``."""
    seen: list[str] = []
    while True:
        command: Command = await device.next_command()
        seen.append(command.kind)
        if command.kind == last:
            return seen


async def barrier(org: Org, conference_id: str, devices: Sequence[Device]) -> list[list[str]]:
    """Lock and unlock the meeting: every device receives both, after whatever was sent to
    it before. Returns each device's kinds up to ``unlocked``: a command that is not in a
    device's list was not sent to it (commands arrive in seq order)."""
    org.lock(conference_id, "lock")
    org.lock(conference_id, "unlock")
    return [await kinds_until(d, "unlocked") for d in devices]
