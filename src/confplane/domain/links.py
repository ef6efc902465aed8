"""Links that lead into a meeting: CreateAutoLoginUrl's and CreateCustomShortLink's.

Both lead to the meeting's join page, ``/j/{roomCode}``. A short link is stored and
leads there for as long as the meeting exists. An auto-login URL carries a join ticket
for one user (domain.tickets): it leads to the join page with that ticket while the
ticket is valid, so the page can join as that user without asking who they are.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from confplane.domain.clock import Clock
from confplane.domain.errors import (
    ConferenceEnded,
    InvalidParams,
    NotFound,
    NotHost,
    UnknownUser,
)
from confplane.domain.meeting_service import check_owner
from confplane.domain.meeting_settings import LinkTarget, NewShortLink
from confplane.domain.model import ConferenceStatus, Principal
from confplane.domain.storage import Store
from confplane.domain.tickets import TicketService

JOIN_PATH = "/j/"
SHORT_LINK_PATH = "/s/"
LOGIN_PATH = "/l/"
MAX_MEETING_URL = 2048
MAX_BIZ_DATA_BYTES = 4096
MAX_COOL_APP_CODE = 128
# 12 characters of base64: 72 random bits, beyond guessing.
_SHORT_CODE_BYTES = 9


@dataclass(frozen=True, slots=True)
class Redirect:
    """Where a link leads: a path on this server (with its query, if any)."""

    location: str


class LinkService:
    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        *,
        public_url: str,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._tickets = tickets
        self.public_url = public_url.rstrip("/")
        self._clock = clock or Clock()

    # -- CreateAutoLoginUrl ---------------------------------------------------------

    async def auto_login_url(self, principal: Principal, meeting_url: str, union_id: str) -> str:
        """A URL that opens the meeting's join page already signed in as ``union_id``.

        ``meeting_url`` is the meeting's join link (CreateVideoConference's
        externalLinkUrl) or one of its short links.
        """
        if not union_id:
            raise InvalidParams("unionId is required")
        if not meeting_url or len(meeting_url) > MAX_MEETING_URL:
            raise InvalidParams("meetingUrl is required")
        target = await self._meeting_of_url(meeting_url)
        ticket = await self._tickets.issue(principal, target.conference_id, union_id)
        return f"{self.public_url}{LOGIN_PATH}{target.conference_id}/{ticket.ticket}"

    async def _meeting_of_url(self, meeting_url: str) -> LinkTarget:
        path = urlsplit(meeting_url).path.rstrip("/")
        target: LinkTarget | None = None
        async with self._store.read() as tx:
            _, join, room_code = path.rpartition(JOIN_PATH)
            _, short, code = path.rpartition(SHORT_LINK_PATH)
            if join and room_code and "/" not in room_code:
                found = await tx.controls.of_room_code(room_code, limit=1)
                if found:
                    target = LinkTarget(found[0].conference_id, found[0].room_code)
            elif short and code and "/" not in code:
                target = await tx.short_links.target(code)
        if target is None:
            raise InvalidParams("meetingUrl is not a meeting link of this server")
        return target

    # -- CreateCustomShortLink ------------------------------------------------------

    async def custom_short_link(
        self,
        principal: Principal,
        *,
        creator_union_id: str,
        conference_id: str,
        cool_app_code: str,
        biz_data: str | None,
        use_extension_app: bool,
    ) -> str:
        """A short link to a meeting's join page, made for its creator's app.

        ``conference_id`` is what DingTalk calls scheduleConferenceId: the meeting the
        link leads to (see docs/semantics.md).
        """
        if not creator_union_id:
            raise InvalidParams("creatorUnionId is required")
        if not conference_id:
            raise InvalidParams("scheduleConferenceId is required")
        if not cool_app_code or len(cool_app_code) > MAX_COOL_APP_CODE:
            raise InvalidParams(f"coolAppCode must be 1-{MAX_COOL_APP_CODE} characters")
        if biz_data is not None and len(biz_data.encode()) > MAX_BIZ_DATA_BYTES:
            raise InvalidParams(f"extensionAppBizData must be at most {MAX_BIZ_DATA_BYTES} bytes")
        code = secrets.token_urlsafe(_SHORT_CODE_BYTES)
        async with self._store.write() as tx:
            conference = check_owner(
                await tx.meetings.by_id(conference_id), principal, conference_id
            )
            creator = await tx.directory.user_by_union_id(creator_union_id)
            if creator is None or creator.org_id != principal.org_id:
                raise UnknownUser(f"unionId {creator_union_id} is not a user of this org")
            if conference.status == ConferenceStatus.ENDED:
                raise ConferenceEnded(f"conference {conference_id} has ended")
            if conference.host_union_id != creator_union_id:
                raise NotHost("creatorUnionId is not the meeting's creator")
            await tx.short_links.add(
                NewShortLink(
                    code=code,
                    conference_pk=conference.id,
                    creator_union_id=creator_union_id,
                    cool_app_code=cool_app_code,
                    extension_app_biz_data=biz_data,
                    use_extension_app=use_extension_app,
                    created_at=self._clock.now_ms(),
                )
            )
        return f"{self.public_url}{SHORT_LINK_PATH}{code}"

    # -- following the links -----------------------------------------------------------

    async def follow_short_link(self, code: str) -> Redirect:
        async with self._store.read() as tx:
            target = await tx.short_links.target(code) if code else None
        if target is None:
            raise NotFound("no such short link")
        return Redirect(JOIN_PATH + target.room_code)

    async def follow_login(self, conference_id: str, ticket: str) -> Redirect:
        """The join page with the ticket, if the ticket is valid for this meeting."""
        self._tickets.codec.decode(ticket, conference_id)
        async with self._store.read() as tx:
            conference = await tx.meetings.by_id(conference_id)
        if conference is None:
            raise NotFound("no such meeting")
        return Redirect(f"{JOIN_PATH}{conference.room_code}?ticket={ticket}")
