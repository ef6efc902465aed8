"""Roll call: a bot that opens a meeting for a host and invitees, later tells who came and
who did not, and mutes those present whose microphone is open, so the host has the floor.

It is an ordinary DingTalk app: it speaks to DingTalk only through the official SDK
(``alibabacloud-dingtalk``), keeps its access token until shortly before it expires, and
retries what DingTalk asks apps to retry: the rate limit
(``Forbidden.AccessDenied.QpsLimitForAppkeyAndApi``) and ``systemError``, with
exponential backoff; a token the server refuses (``InvalidAuthentication``: expired or
revoked early) is fetched again, once.

    config = Config(protocol="https", endpoint="api.dingtalk.com")
    bot = RollCall(app_key, app_secret, config)
    meeting = bot.start("host-union-id", ["alice", "bob"], "Stand-up")
    ...
    report = bot.call_roll(meeting)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from alibabacloud_dingtalk.conference_1_0 import models as conference
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth2
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuth2Client
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_util.models import RuntimeOptions
from Tea.exceptions import TeaException

QPS_LIMIT = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
SYSTEM_ERROR = "systemError"
INVALID_TOKEN = "InvalidAuthentication"
RETRYABLE = (QPS_LIMIT, SYSTEM_ERROR)

IN_MEETING = 3  # attendStatus
MIC_OPEN = 2  # micStatus
TOKEN_MARGIN_S = 300  # fetch a new token this long before the old one expires

T = TypeVar("T")


@dataclass(frozen=True)
class Meeting:
    conference_id: str
    room_code: str
    host: str
    invitees: list[str]


@dataclass(frozen=True)
class Report:
    present: list[str]  # unionIds in the meeting now, in the order they became members
    absent: list[str]  # the host and invitees who are not
    muted: list[str]  # present members (not the host) the bot muted


class RollCall:
    def __init__(
        self,
        app_key: str,
        app_secret: str,
        config: Config,
        *,
        attempts: int = 6,
        backoff_s: float = 0.1,
        page_size: int = 20,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.app_key = app_key
        self._app_secret = app_secret
        self._oauth = OAuth2Client(config)
        self._conference = ConferenceClient(config)
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.page_size = page_size
        self._sleep = sleep
        self._token: str | None = None
        self._token_good_until = 0.0  # time.monotonic()

    # -- the roll call ----------------------------------------------------------------

    def start(self, host: str, invitees: Sequence[str], title: str = "Roll call") -> Meeting:
        request = conference.CreateVideoConferenceRequest(
            user_id=host, conf_title=title, invite_user_ids=list(invitees)
        )
        body = self._call(
            lambda token: (
                self._conference.create_video_conference_with_options(
                    request,
                    _headers(conference.CreateVideoConferenceHeaders, token),
                    RuntimeOptions(),
                ).body
            )
        )
        return Meeting(body.conference_id, body.room_code, host, list(invitees))

    def call_roll(self, meeting: Meeting) -> Report:
        members = self.members(meeting.conference_id)
        present = [m.union_id for m in members if m.attend_status == IN_MEETING]
        expected = [meeting.host, *meeting.invitees]
        absent = [u for u in expected if u not in present]
        open_mics = self.open_microphones(meeting.conference_id)
        muted = [u for u in present if u != meeting.host and u in open_mics]
        for union_id in muted:
            self.mute(meeting.conference_id, union_id)
        return Report(present, absent, muted)

    # -- DingTalk calls -----------------------------------------------------------------

    def members(self, conference_id: str) -> list[Any]:
        """Every member of the meeting, page after page (QueryConferenceMembers)."""
        members: list[Any] = []
        next_token: str | None = None
        while True:
            request = conference.QueryConferenceMembersRequest(
                max_results=self.page_size, next_token=next_token
            )
            page = self._call(
                lambda token, request=request: (
                    self._conference.query_conference_members_with_options(
                        conference_id,
                        request,
                        _headers(conference.QueryConferenceMembersHeaders, token),
                        RuntimeOptions(),
                    ).body
                )
            )
            members += page.member_models or []
            next_token = page.next_token
            if not next_token:
                return members

    def open_microphones(self, conference_id: str) -> set[str]:
        """The members whose microphone is open (QueryConferenceInfoBatch)."""
        request = conference.QueryConferenceInfoBatchRequest(conference_id_list=[conference_id])
        body = self._call(
            lambda token: (
                self._conference.query_conference_info_batch_with_options(
                    request,
                    _headers(conference.QueryConferenceInfoBatchHeaders, token),
                    RuntimeOptions(),
                ).body
            )
        )
        users = body.infos[0].user_list or []
        return {u.user_id for u in users if u.mic_status == MIC_OPEN}

    def mute(self, conference_id: str, union_id: str) -> None:
        request = conference.MuteMembersRequest(
            action="mute", user_list=[conference.MuteMembersRequestUserList(union_id=union_id)]
        )
        self._call(
            lambda token: self._conference.mute_members_with_options(
                conference_id,
                request,
                _headers(conference.MuteMembersHeaders, token),
                RuntimeOptions(),
            )
        )

    # -- token and retries --------------------------------------------------------------

    def access_token(self) -> str:
        """The cached token, or a new one (GetAccessToken) once it is about to expire."""
        if self._token is None or time.monotonic() >= self._token_good_until:
            request = oauth2.GetAccessTokenRequest(
                app_key=self.app_key, app_secret=self._app_secret
            )
            asked_at = time.monotonic()
            body = self._oauth.get_access_token(request).body
            self._token = str(body.access_token)
            self._token_good_until = asked_at + int(body.expire_in) - TOKEN_MARGIN_S
        return self._token

    def _call(self, send: Callable[[str], T]) -> T:
        """``send(token)``, retried on the rate limit and systemError with exponential
        backoff; a refused token is replaced once. (A systemError on a write may have done
        the write on the real service; a roll call can live with a second meeting.)"""
        failures = 0
        replaced_token = False
        while True:
            try:
                return send(self.access_token())
            except TeaException as err:
                if err.code == INVALID_TOKEN and not replaced_token:
                    self._token, replaced_token = None, True
                    continue
                failures += 1
                if err.code not in RETRYABLE or failures >= self.attempts:
                    raise
                self._sleep(self.backoff_s * 2 ** (failures - 1))


def _headers(cls: Any, token: str) -> Any:
    return cls(x_acs_dingtalk_access_token=token)
