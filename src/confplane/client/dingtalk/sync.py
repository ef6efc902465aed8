# Generated from aio.py by scripts/generate_sync_client.py: do not edit by hand.
"""The DingTalk conference API client (confplane or the real service), on httpx.

aio.py holds the asyncio client and is the one written by hand; sync.py, the blocking
twin, is generated from it by scripts/generate_sync_client.py (unasync).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import httpx
import msgspec

from confplane.client.dingtalk import control_operations as controls
from confplane.client.dingtalk import operations as ops
from confplane.client.dingtalk import schedule_operations as sched
from confplane.client.dingtalk.config import (
    DEFAULT_ENDPOINT,
    DEFAULT_TIMEOUT_S,
    USER_AGENT,
    base_url,
)
from confplane.client.dingtalk.credentials import (
    DEFAULT_REFRESH_MARGIN_S,
    Credentials,
    StaticToken,
    TokenCache,
)
from confplane.client.dingtalk.errors import INVALID_AUTHENTICATION, DingTalkError
from confplane.client.dingtalk.paging import DEFAULT_PAGE_SIZE, PageWalk
from confplane.wire import conference_controls as wc
from confplane.wire import models as w
from confplane.wire import schedules as ws
from confplane.wire import statistics as wt

T = TypeVar("T")


class DingTalkClient:
    """Every conference operation confplane serves, plus the two token calls.

    API errors raise :class:`DingTalkError`; a server that cannot be reached raises
    ``httpx.TransportError``. With app or suite credentials the client fetches its own
    access token and replaces it before it expires.
    """

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: float = DEFAULT_TIMEOUT_S,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN_S,
        clock: Callable[[], float] = time.monotonic,
        http: httpx.Client | None = None,
    ) -> None:
        self.credentials = credentials
        self.endpoint = base_url(endpoint)
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self._tokens = TokenCache(refresh_margin, clock)
        self._token_lock = threading.Lock()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> DingTalkClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------

    def _send(self, call: ops.Call[T], token: str | None) -> T:
        response = self._http.request(
            call.method,
            self.endpoint + call.path,
            params=call.params(),
            content=call.content(),
            headers={**call.headers(token), "user-agent": USER_AGENT},
        )
        return call.read(response.status_code, response.headers, response.read())

    def _token(self) -> tuple[str, bool]:
        """A token to send, and whether it was fetched just now."""
        creds = self.credentials
        if creds is None:
            raise ValueError("this client has no credentials; pass AppCredentials or others")
        if isinstance(creds, StaticToken):
            return creds.access_token, True
        with self._token_lock:
            cached = self._tokens.get()
            if cached is not None:
                return cached, False
            requested_at = self._tokens.clock()
            return self._tokens.put(self._send(creds.token_call(), None), requested_at), True

    def call(self, call: ops.Call[T]) -> T:
        """Send one operation, with a token if it needs one."""
        if not call.authenticated:
            return self._send(call, None)
        token, fresh = self._token()
        try:
            return self._send(call, token)
        except DingTalkError as err:
            # A cached token the server no longer knows (restarted, revoked): fetch a
            # new one once. The call was refused before it did anything, so resending
            # is safe even for writes.
            if err.code != INVALID_AUTHENTICATION or fresh:
                raise
        with self._token_lock:
            if self._tokens.get() == token:
                self._tokens.clear()
        token, _ = self._token()
        return self._send(call, token)

    def access_token(self) -> str:
        """The token the next call would carry (fetched or refreshed if needed)."""
        token, _ = self._token()
        return token

    # -- oauth2_1_0 ---------------------------------------------------------------

    def get_access_token(self, app_key: str, app_secret: str) -> w.AccessTokenResponse:
        return self.call(ops.get_access_token(app_key, app_secret))

    def get_corp_access_token(
        self, suite_key: str, suite_secret: str, auth_corp_id: str, suite_ticket: str
    ) -> w.AccessTokenResponse:
        return self.call(
            ops.get_corp_access_token(suite_key, suite_secret, auth_corp_id, suite_ticket)
        )

    # -- conference_1_0 -------------------------------------------------------------

    def create_video_conference(
        self,
        user_id: str,
        conf_title: str,
        *,
        invite_user_ids: Sequence[str] | None = None,
        invite_caller: bool | None = None,
    ) -> w.CreateVideoConferenceResponse:
        return self.call(
            ops.create_video_conference(user_id, conf_title, invite_user_ids, invite_caller)
        )

    def mute_members(
        self,
        conference_id: str,
        union_id: str,
        *,
        action: str = "mute",
        participant_id: str | None = None,
    ) -> w.SuccessResponse:
        return self.call(ops.mute_members(conference_id, action, union_id, participant_id))

    def lock_conference(self, conference_id: str, action: str = "lock") -> w.SuccessResponse:
        return self.call(ops.lock_conference(conference_id, action))

    def mute_all(
        self, conference_id: str, action: str = "mute", *, force_mute: bool | None = None
    ) -> w.SuccessResponse:
        """Mute every attendee ("mute"; held with ``force_mute``) or lift it ("unmute")."""
        return self.call(ops.mute_all(conference_id, action, force_mute))

    def kick_members(
        self,
        conference_id: str,
        union_id: str,
        *,
        participant_id: str | None = None,
        forbidden_rejoin: bool | None = None,
    ) -> w.SuccessResponse:
        """Remove a member (every device of theirs, or one), perhaps for good."""
        return self.call(
            ops.kick_members(conference_id, union_id, participant_id, forbidden_rejoin)
        )

    def cohosts(
        self, conference_id: str, union_ids: Sequence[str], *, action: str = "add"
    ) -> w.SuccessResponse:
        """Make members co-hosts (action "add") or not any more ("remove")."""
        return self.call(ops.cohosts(conference_id, action, union_ids))

    def query_conference_info_batch(
        self, conference_ids: Sequence[str]
    ) -> w.QueryConferenceInfoBatchResponse:
        return self.call(ops.query_conference_info_batch(conference_ids))

    def query_conference_members(
        self,
        conference_id: str,
        *,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> w.QueryConferenceMembersResponse:
        return self.call(ops.query_conference_members(conference_id, next_token, max_results))

    def iter_conference_members(
        self, conference_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, limit: int | None = None
    ) -> Iterator[w.QueryConferenceMembersResponse]:
        """Page after page of members (at most ``limit`` in all), as they arrive."""
        walk = PageWalk(page_size, limit)
        while not walk.done:
            page = self.query_conference_members(
                conference_id, next_token=walk.next_token, max_results=walk.max_results()
            )
            taken = walk.advance(page.member_models, page.next_token)
            yield msgspec.structs.replace(page, member_models=taken)

    def query_org_conference_list(
        self, *, next_token: str | None = None, max_results: int | None = None
    ) -> w.QueryOrgConferenceListResponse:
        return self.call(ops.query_org_conference_list(next_token, max_results))

    def iter_org_conferences(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, limit: int | None = None
    ) -> Iterator[w.QueryOrgConferenceListResponse]:
        """Page after page of the org's meetings in progress (at most ``limit`` in all)."""
        walk = PageWalk(page_size, limit)
        while not walk.done:
            page = self.query_org_conference_list(
                next_token=walk.next_token, max_results=walk.max_results()
            )
            taken = walk.advance(page.on_going_conf_list, page.next_token)
            yield msgspec.structs.replace(page, on_going_conf_list=taken)

    def close_video_conference(
        self, conference_id: str, union_id: str
    ) -> w.CloseVideoConferenceResponse:
        return self.call(ops.close_video_conference(conference_id, union_id))

    # -- meeting details, controls and links ---------------------------------------

    def query_conference_info(self, conference_id: str) -> wc.QueryConferenceInfoResponse:
        """One meeting, in progress or ended, with its counts (and confplane's settings)."""
        return self.call(controls.query_conference_info(conference_id))

    def query_conference_info_by_room_code(
        self, room_code: str, *, next_token: str | None = None, max_results: int | None = None
    ) -> wc.QueryConferenceInfoByRoomCodeResponse:
        return self.call(
            controls.query_conference_info_by_room_code(room_code, next_token, max_results)
        )

    def query_user_on_going_conference(
        self, union_id: str
    ) -> wc.QueryUserOnGoingConferenceResponse:
        return self.call(controls.query_user_on_going_conference(union_id))

    def invite_users(
        self, conference_id: str, union_ids: Sequence[str], *, inviter: str | None = None
    ) -> w.SuccessResponse:
        """Call users into a meeting in progress."""
        return self.call(controls.invite_users(conference_id, union_ids, inviter))

    def update_member_nick(self, conference_id: str, union_id: str, nick: str) -> w.SuccessResponse:
        return self.call(controls.update_member_nick(conference_id, union_id, nick))

    def update_video_conference_setting(
        self,
        conference_id: str,
        *,
        allow_unmute_self: bool | None = None,
        auto_transfer_host: bool | None = None,
        forbidden_share_screen: bool | None = None,
        lock_conference: bool | None = None,
        mute_all: bool | None = None,
        only_internal_employees_join: bool | None = None,
    ) -> wc.CaseCodeResponse:
        """Change the settings named (the others stay as they are)."""
        settings = wc.UpdateVideoConferenceSettingRequest(
            allow_unmute_self=allow_unmute_self,
            auto_transfer_host=auto_transfer_host,
            forbidden_share_screen=forbidden_share_screen,
            lock_conference=lock_conference,
            mute_all=mute_all,
            only_internal_employees_join=only_internal_employees_join,
        )
        return self.call(controls.update_video_conference_setting(conference_id, settings))

    def update_video_conference_ext_info(self, conference_id: str) -> wc.CaseCodeResponse:
        return self.call(controls.update_video_conference_ext_info(conference_id))

    def focus(
        self, conference_id: str, union_id: str = "", *, action: str = "focus"
    ) -> w.SuccessResponse:
        """Spotlight a member for everyone (action "focus"), or end it ("un_focus")."""
        return self.call(controls.focus(conference_id, action, union_id))

    def create_auto_login_url(
        self, meeting_url: str, union_id: str
    ) -> wc.CreateAutoLoginUrlResponse:
        return self.call(controls.create_auto_login_url(meeting_url, union_id))

    def create_custom_short_link(
        self,
        creator_union_id: str,
        schedule_conference_id: str,
        cool_app_code: str,
        *,
        extension_app_biz_data: str | None = None,
        use_extension_app: bool | None = None,
    ) -> wc.CreateCustomShortLinkResponse:
        return self.call(
            controls.create_custom_short_link(
                creator_union_id,
                schedule_conference_id,
                cool_app_code,
                extension_app_biz_data,
                use_extension_app,
            )
        )

    # -- scheduled meetings ----------------------------------------------------------

    def create_schedule_conference(
        self,
        creator_union_id: str,
        title: str,
        start_time: int,
        end_time: int,
        *,
        settings: ws.SettingModel | None = None,
    ) -> ws.CreateScheduleConferenceResponse:
        """Book a meeting (times in ms since 1970); it opens at its start, closes at its end."""
        request = ws.CreateScheduleConferenceRequest(
            creator_union_id=creator_union_id,
            title=title,
            start_time=start_time,
            end_time=end_time,
            schedule_conf_setting_model=settings,
        )
        return self.call(sched.create_schedule_conference(request))

    def update_schedule_conference(
        self,
        creator_union_id: str,
        schedule_conference_id: str,
        title: str,
        start_time: int,
        end_time: int,
    ) -> w.SuccessResponse:
        request = ws.UpdateScheduleConferenceRequest(
            creator_union_id=creator_union_id,
            schedule_conference_id=schedule_conference_id,
            title=title,
            start_time=start_time,
            end_time=end_time,
        )
        return self.call(sched.update_schedule_conference(request))

    def cancel_schedule_conference(
        self, creator_union_id: str, schedule_conference_id: str
    ) -> w.SuccessResponse:
        return self.call(sched.cancel_schedule_conference(creator_union_id, schedule_conference_id))

    def query_schedule_conference(
        self, schedule_conference_id: str, *, request_union_id: str | None = None
    ) -> ws.QueryScheduleConferenceResponse:
        return self.call(sched.query_schedule_conference(schedule_conference_id, request_union_id))

    def query_schedule_conference_info(
        self,
        schedule_conference_id: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> ws.QueryScheduleConferenceInfoResponse:
        """The meeting the booking made, once its start has come."""
        return self.call(
            sched.query_schedule_conference_info(schedule_conference_id, max_results, next_token)
        )

    def query_schedule_conf_settings(
        self, schedule_conference_id: str
    ) -> ws.QueryScheduleConfSettingsResponse:
        return self.call(sched.query_schedule_conf_settings(schedule_conference_id))

    def update_schedule_conf_settings(
        self, creator_union_id: str, schedule_conference_id: str, settings: ws.SettingModel
    ) -> w.SuccessResponse:
        return self.call(
            sched.update_schedule_conf_settings(creator_union_id, schedule_conference_id, settings)
        )

    # -- statistics --------------------------------------------------------------------

    def get_conf_data_by_conference_id(
        self, conference_id: str, *, real_data: bool | None = None
    ) -> wt.ConfData:
        return self.call(sched.get_conf_data_by_conference_id(conference_id, real_data))

    def get_conf_detail_data(
        self,
        conference_id: str,
        *,
        nick: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> wt.GetConfDetailDataResponse:
        """One page of the meeting's device stays (who joined when, for how long)."""
        query = wt.GetConfDetailDataQuery(max_results=max_results, next_token=next_token, nick=nick)
        return self.call(sched.get_conf_detail_data(conference_id, query))

    def get_history_conf_data_list(
        self,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        title: str | None = None,
        creator_nick: str | None = None,
        real_data: bool | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> wt.GetHistoryConfDataListResponse:
        """One page of the org's ended meetings (with those in progress: ``real_data``)."""
        query = wt.GetHistoryConfDataListQuery(
            start_time=start_time,
            end_time=end_time,
            title=title,
            creator_nike=creator_nick,
            real_data=real_data,
            max_results=max_results,
            next_token=next_token,
        )
        return self.call(sched.get_history_conf_data_list(query))
