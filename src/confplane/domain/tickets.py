"""Join tickets: what an app hands to one of its users' devices so it can join one meeting.

A ticket is signed, not stored: it names the meeting, the user and an expiry, under an
HMAC with the server's ticket key. It is worth nothing for another meeting or another
user, and nothing after it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from confplane.domain.clock import Clock
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceNotFound,
    ConferenceOfOtherOrg,
    InvalidParams,
    InvalidTicket,
    MissingConferenceId,
    UnknownUser,
)
from confplane.domain.model import ConferenceStatus, Principal
from confplane.domain.storage import Store

DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
_PREFIX = "t1."
_MAC_BYTES = 18


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket: str
    expire_in: int
    conference_id: str
    union_id: str


@dataclass(frozen=True, slots=True)
class TicketGrant:
    """What a valid ticket lets its holder do: join this meeting as this user."""

    conference_id: str
    union_id: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TicketCodec:
    def __init__(self, key: bytes, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self._key = key

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, conference_id: str, union_id: str, expires_at: int) -> str:
        body = "\n".join((conference_id, union_id, str(expires_at), secrets.token_hex(4)))
        raw = body.encode()
        return _PREFIX + _b64(raw) + "." + _b64(self._mac(raw))

    def decode(self, ticket: str, conference_id: str, now: int | None = None) -> TicketGrant:
        """The grant of a ticket presented for ``conference_id``, or InvalidTicket."""
        try:
            if not ticket.startswith(_PREFIX):
                raise ValueError("prefix")
            body_part, mac_part = ticket[len(_PREFIX) :].split(".")
            raw, mac = _unb64(body_part), _unb64(mac_part)
            fields = raw.decode().split("\n")
            if len(fields) != 4:
                raise ValueError("fields")
            ticket_conference, union_id, expires_raw, _nonce = fields
            expires_at = int(expires_raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidTicket("malformed", "the ticket is not one this server issued") from None
        if not hmac.compare_digest(mac, self._mac(raw)):
            raise InvalidTicket("forged", "the ticket is not one this server issued")
        if expires_at <= (self.clock.now_ms() if now is None else now):
            raise InvalidTicket("expired", "the ticket has expired")
        if ticket_conference != conference_id:
            raise InvalidTicket("other_meeting", "the ticket is for another meeting")
        return TicketGrant(conference_id=ticket_conference, union_id=union_id)


class TicketService:
    def __init__(self, store: Store, codec: TicketCodec, *, device_url: str = "") -> None:
        self._store = store
        self.codec = codec
        # Where devices connect, handed out with each ticket.
        self.device_url = device_url

    async def issue(
        self, principal: Principal, conference_id: str, union_id: str, ttl_s: int | None = None
    ) -> Ticket:
        """A ticket for a user of the caller's org (or a member of the meeting) to join it."""
        ttl = DEFAULT_TTL_S if ttl_s is None else ttl_s
        if not 1 <= ttl <= MAX_TTL_S:
            raise InvalidParams(f"ttlSeconds must be 1-{MAX_TTL_S}")
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        if not union_id:
            raise InvalidParams("unionId is required")
        async with self._store.read() as tx:
            conference = await tx.meetings.by_id(conference_id)
            if conference is None:
                raise ConferenceNotFound(f"conference {conference_id} not found")
            if conference.org_id != principal.org_id:
                raise ConferenceOfOtherOrg(f"conference {conference_id} belongs to another org")
            if conference.status == ConferenceStatus.ENDED:
                raise ConferenceEnded(f"conference {conference_id} has ended")
            user = await tx.directory.user_by_union_id(union_id)
            member = await tx.meetings.member(conference.id, union_id)
        if user is None or (user.org_id != principal.org_id and member is None):
            raise UnknownUser(f"unionId {union_id} is not a user of this org")
        expires_at = self.codec.clock.now_ms() + ttl * 1000
        return Ticket(
            ticket=self.codec.encode(conference.conference_id, union_id, expires_at),
            expire_in=ttl,
            conference_id=conference.conference_id,
            union_id=union_id,
        )
