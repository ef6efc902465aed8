"""to_wire: each domain error in each operation's own words (status, code, message)."""

from __future__ import annotations

import pytest

from confplane.domain import errors as e
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from confplane.wire.errors import NOT_FOUND, PERMISSION_DENIED_CODE, SYSTEM_ERROR, Op, to_wire

DINGTALK_OPS = [Op.CREATE, Op.MUTE, Op.LOCK, Op.QUERY_BATCH, Op.QUERY_MEMBERS, Op.CLOSE]


@pytest.mark.parametrize(
    ("op", "error", "status", "code", "message"),
    [
        # A missing meeting: each seed has its own answer.
        (Op.QUERY_MEMBERS, e.ConferenceNotFound("x"), 404, "roomNotFound", "ROOM NOT FOUND"),
        (Op.MUTE, e.ConferenceNotFound("gone"), 400, "paramsError", "error:conference not found"),
        (Op.LOCK, e.ConferenceNotFound("gone"), 400, "paramsError", "paramsError"),
        (Op.CLOSE, e.ConferenceNotFound("gone"), 400, "paramsError", "error:conference not found"),
        # An ended meeting.
        (Op.LOCK, e.ConferenceEnded("x"), 400, "confClosed", "confClosed"),
        (Op.CLOSE, e.ConferenceEnded("x"), 400, "resourceClose", "The meeting has ended"),
        (Op.QUERY_BATCH, e.ConferenceEnded("x"), 400, "resourceClose", "The meeting has ended"),
        (Op.MUTE, e.ConferenceEnded("ended"), 400, "paramsError", "error:conference has ended"),
        # A meeting of another org.
        (Op.QUERY_MEMBERS, e.ConferenceOfOtherOrg("x"), 403, "noPermission", "NO PERMISSION"),
        (Op.LOCK, e.ConferenceOfOtherOrg("x"), 400, "noPermission", "noPermission"),
        (Op.CLOSE, e.ConferenceOfOtherOrg("x"), 400, "orgAccessForbidden", "orgAccessForbidden"),
        (
            Op.QUERY_BATCH,
            e.ConferenceOfOtherOrg("x"),
            400,
            "orgAccessForbidden",
            "orgAccessForbidden",
        ),
        # Missing id, bad parameters, bad command.
        (Op.QUERY_MEMBERS, e.MissingConferenceId("x"), 400, "missingRoomId", "MISSING ROOM ID"),
        (
            Op.MUTE,
            e.MissingConferenceId("no id"),
            400,
            "paramsError",
            "error:conferenceId is missing",
        ),
        (Op.LOCK, e.MissingConferenceId("no id"), 400, "paramsError", "paramsError"),
        (Op.QUERY_MEMBERS, e.InvalidParams("bad"), 400, "paramError", "PARAM ERROR"),
        (Op.QUERY_BATCH, e.InvalidParams("bad"), 400, "paramsError", "error:invalid parameter"),
        (Op.LOCK, e.InvalidParams("bad"), 400, "paramsError", "paramsError"),
        (Op.LOCK, e.InvalidCommand("open"), 400, "commandError", "commandError"),
        (Op.MUTE, e.InvalidCommand("shout"), 400, "paramsError", "error:invalid action"),
        # Users, hosts, limits, titles.
        (Op.MUTE, e.UnknownUser("who"), 400, "unknownUserError", "unknownUserError"),
        (Op.CLOSE, e.UnknownUser("who"), 400, "unknownUserError", "unknownUserError"),
        (Op.CLOSE, e.NotHost("not host"), 404, "permissionError", "permissionError:not the host"),
        (
            Op.CREATE,
            e.ParticipantLimit("n"),
            404,
            "waterLimitError",
            "waterLimitError:participant limit",
        ),
        (Op.CREATE, e.InvalidTitle("t"), 400, "paramsTitleError", "error:invalid confTitle"),
        (Op.CREATE, e.UnknownUser("u"), 400, "unknownUserError", "unknownUserError"),
        # Credentials and admin-only errors.
        (
            Op.GET_ACCESS_TOKEN,
            e.InvalidCredentials("no"),
            400,
            "invalidClientIdOrSecret",
            "无效的clientId或者clientSecret",
        ),
        (
            Op.GET_CORP_ACCESS_TOKEN,
            e.InvalidCredentials("no"),
            400,
            "invalidClientIdOrSecret",
            "无效的clientId或者clientSecret",
        ),
        (Op.ADMIN, e.NotFound("org x"), 404, "notFound", "org x"),
        (Op.ADMIN, e.Conflict("dup"), 409, "conflict", "dup"),
    ],
)
def test_mapping(op: str, error: e.DomainError, status: int, code: str, message: str) -> None:
    wire = to_wire(op, error)
    assert (wire.status, wire.code, wire.message) == (status, code, message)
    # The request's own reason travels beside the answer, not in its message.
    assert wire.detail == error.detail
    assert wire.required_scopes == ()


@pytest.mark.parametrize("op", DINGTALK_OPS)
def test_invalid_token_is_the_global_invalid_authentication(op: str) -> None:
    wire = to_wire(op, e.InvalidToken("access token has expired"))
    assert (wire.status, wire.code, wire.message) == (
        400,
        "InvalidAuthentication",
        "不合法的access_token",
    )


@pytest.mark.parametrize("op", DINGTALK_OPS)
@pytest.mark.parametrize("scope", [READ_SCOPE, WRITE_SCOPE])
def test_permission_denied_is_403_with_required_scopes(op: str, scope: str) -> None:
    wire = to_wire(op, e.PermissionDenied(scope))
    assert wire.status == 403
    assert (
        wire.code == PERMISSION_DENIED_CODE == "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    )
    assert wire.required_scopes == (scope,)
    assert scope in wire.message


def test_subclass_maps_like_its_parent() -> None:
    class VanishedConference(e.ConferenceNotFound):
        pass

    assert to_wire(Op.QUERY_MEMBERS, VanishedConference("x")).code == "roomNotFound"
    assert to_wire(Op.MUTE, VanishedConference("x")).code == "paramsError"


def test_unmapped_error_is_a_system_error() -> None:
    class Unheard(e.DomainError):
        pass

    wire = to_wire(Op.LOCK, Unheard("x"))
    assert (wire.status, wire.code, wire.message, wire.detail) == (
        500,
        "systemError",
        "systemError",
        "x",
    )
    assert to_wire(Op.QUERY_MEMBERS, Unheard("x")).message == "SYSTEM ERROR"
    assert to_wire(Op.MUTE, Unheard("x")).message == SYSTEM_ERROR.message


def test_admin_token_error_says_it_is_the_admin_token() -> None:
    wire = to_wire(Op.ADMIN, e.InvalidToken(""))
    assert (wire.status, wire.code) == (400, "InvalidAuthentication")
    assert wire.message == "admin token is missing or wrong"


def test_message_never_carries_the_detail() -> None:
    wire = to_wire(Op.MUTE, e.InvalidParams("{0} {x}"))
    assert (wire.message, wire.detail) == ("error:invalid parameter", "{0} {x}")


def test_not_found_route_error() -> None:
    assert (NOT_FOUND.status, NOT_FOUND.code) == (404, "InvalidAction.NotFound")


# -- every error an operation can raise maps to a code its seed lists -----------------

GLOBAL_CODES = {"InvalidAuthentication", PERMISSION_DENIED_CODE, "InvalidAction.NotFound"}

# The error tables of shared/seeds/*.txt.
SEED_CODES = {
    Op.MUTE: {"unknownUserError", "paramsError", "systemError"},
    Op.LOCK: {"paramsError", "confClosed", "noPermission", "commandError", "systemError"},
    Op.QUERY_MEMBERS: {
        "missingRoomId",
        "paramError",
        "noPermission",
        "roomNotFound",
        "systemError",
    },
    Op.QUERY_BATCH: {
        "orgAccessForbidden",
        "unknownUserError",
        "paramsTitleError",
        "paramsError",
        "resourceClose",
        "waterLimitError",
        "permissionError",
        "systemError",
    },
    Op.CLOSE: {
        "orgAccessForbidden",
        "unknownUserError",
        "paramsTitleError",
        "paramsError",
        "resourceClose",
        "waterLimitError",
        "permissionError",
        "systemError",
    },
}

# What each operation's service method (and body parsing) can raise, read from the domain.
RAISES: dict[str, list[type[e.DomainError]]] = {
    Op.LOCK: [
        e.InvalidParams,
        e.InvalidCommand,
        e.MissingConferenceId,
        e.ConferenceNotFound,
        e.ConferenceOfOtherOrg,
        e.ConferenceEnded,
    ],
    Op.QUERY_MEMBERS: [
        e.InvalidParams,
        e.MissingConferenceId,
        e.ConferenceNotFound,
        e.ConferenceOfOtherOrg,
    ],
    Op.QUERY_BATCH: [e.InvalidParams, e.ConferenceOfOtherOrg, e.ConferenceEnded],
    Op.CLOSE: [
        e.InvalidParams,
        e.MissingConferenceId,
        e.ConferenceNotFound,
        e.ConferenceOfOtherOrg,
        e.ConferenceEnded,
        e.UnknownUser,
        e.NotHost,
    ],
    Op.MUTE: [
        e.InvalidParams,
        e.InvalidCommand,
        e.MissingConferenceId,
        e.ConferenceNotFound,
        e.ConferenceEnded,
        e.UnknownUser,
    ],
}

CASES = [(op, cls) for op, classes in RAISES.items() for cls in classes]


@pytest.mark.parametrize(("op", "error_class"), CASES, ids=[f"{o}-{c.__name__}" for o, c in CASES])
def test_every_raisable_error_uses_a_seed_code(op: str, error_class: type[e.DomainError]) -> None:
    wire = to_wire(op, error_class("detail"))
    assert wire.code in SEED_CODES[op] | GLOBAL_CODES
    assert 400 <= wire.status < 500


def test_mute_of_another_orgs_meeting_is_org_access_forbidden() -> None:
    # The MuteMembers seed has no code for this case; another org's meeting is
    # orgAccessForbidden wherever a seed names no code of its own (docs/semantics.md).
    wire = to_wire(Op.MUTE, e.ConferenceOfOtherOrg("belongs to another org"))
    assert (wire.status, wire.code) == (400, "orgAccessForbidden")
