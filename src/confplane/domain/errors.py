"""Domain errors. The wire layer maps each to DingTalk's status, code and message."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation; ``detail`` is a short English reason."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidToken(DomainError):
    """Missing, unknown or expired access token."""


class PermissionDenied(DomainError):
    """The token's app lacks a permission the operation needs."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"required permission {scope} is not granted")
        self.scope = scope


class InvalidCredentials(DomainError):
    """appKey/appSecret (or suite credentials) do not match."""


class InvalidParams(DomainError):
    """A request field is missing, of the wrong type or out of range."""


class MissingConferenceId(DomainError):
    """The conferenceId path parameter is empty."""


class InvalidCommand(DomainError):
    """An ``action`` value the operation does not know."""


class InvalidTitle(DomainError):
    """The meeting title is empty or too long."""


class ConferenceNotFound(DomainError):
    """No meeting has this conferenceId."""


class ConferenceOfOtherOrg(DomainError):
    """The meeting belongs to an org the caller's token does not represent."""


class ConferenceEnded(DomainError):
    """The meeting is closed; it only answers reads of its history."""


class ConferenceLocked(DomainError):
    """The meeting is locked and refuses new joins."""


class UnknownUser(DomainError):
    """A unionId the org (or the meeting) does not know."""


class NotHost(DomainError):
    """Only the host may do this."""


class ParticipantLimit(DomainError):
    """The meeting is full."""


class RejoinForbidden(DomainError):
    """The user was kicked with rejoin forbidden."""


class NotFound(DomainError):
    """An admin resource (org, app, user, device) that does not exist."""


class Conflict(DomainError):
    """An admin resource that already exists."""


class InvalidTicket(DomainError):
    """A device's join ticket is forged, malformed, expired or for another meeting.

    ``reason`` is one of ``malformed``, ``forged``, ``expired``, ``other_meeting``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class WrongMeetingPassword(DomainError):
    """A guest named a roomCode that does not exist or a wrong conferencePassword."""


class DeviceGone(DomainError):
    """A device asked to resume but is no longer in the meeting: the meeting closed, the
    host kicked it, or it left (its grace period ran out)."""

    def __init__(self, detail: str, *, conference_pk: int, conference_id: str) -> None:
        super().__init__(detail)
        self.conference_pk = conference_pk
        self.conference_id = conference_id


class NoTelephoneGateway(DomainError):
    """A call to a telephone number: confplane has no telephone gateway."""


class InternalOnly(DomainError):
    """The meeting admits only members of its own org (onlyInternalEmployeesJoin)."""
