"""A small synchronous client of confplane's admin API (/confplane/v1/admin).

The admin API is confplane's own extension: it does not exist on the real service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx

from confplane.client.dingtalk.errors import DingTalkError, error_from_answer


class AdminError(DingTalkError):
    """An admin API error; its body has DingTalk's shape, so it is a DingTalkError too."""

    def __init__(
        self, status: int, code: str, message: str, request_id: str = "", detail: str = ""
    ) -> None:
        super().__init__(code, message, status=status, request_id=request_id, detail=detail)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class AdminClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/confplane/v1/admin",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body)
        if response.status_code >= 400:
            err = error_from_answer(response.status_code, response.headers, response.content)
            raise AdminError(err.status, err.code, err.message, err.request_id, err.detail)
        try:
            return response.json()
        except ValueError:
            raise AdminError(
                response.status_code, "InvalidResponse", "the answer is not JSON"
            ) from None

    def get_org(self, corp_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/orgs/{corp_id}"))

    def get_app(self, app_key: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/apps/{app_key}"))

    def rotate_secret(self, app_key: str) -> dict[str, Any]:
        """A new appSecret for the app (shown this once); the old one stops working."""
        return dict(self._call("POST", f"/apps/{app_key}/secret"))

    def get_user(self, union_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/users/{union_id}"))

    def create_org(self, name: str, corp_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if corp_id:
            body["corpId"] = corp_id
        return dict(self._call("POST", "/orgs", body))

    def list_orgs(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/orgs")["items"])

    def create_app(
        self, corp_id: str, name: str, permissions: list[str] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if permissions is not None:
            body["permissions"] = permissions
        return dict(self._call("POST", f"/orgs/{corp_id}/apps", body))

    def set_permissions(self, app_key: str, permissions: list[str]) -> dict[str, Any]:
        return dict(self._call("PUT", f"/apps/{app_key}/permissions", {"permissions": permissions}))

    def list_apps(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/apps")["items"])

    # -- events (docs/events.md) ---------------------------------------------------------

    def events(
        self,
        after: int = 0,
        limit: int = 100,
        corp_id: str | None = None,
        conference_id: str | None = None,
    ) -> dict[str, Any]:
        """The event log after the event id ``after``: ``items`` and ``lastId``."""
        query = _query(after=after, limit=limit, corpId=corp_id, conferenceId=conference_id)
        return dict(self._call("GET", f"/events?{query}"))

    def follow_events(
        self, after: int = 0, corp_id: str | None = None, conference_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every event after ``after``, then each new one as it is committed."""
        query = _query(after=after, corpId=corp_id, conferenceId=conference_id, follow="true")
        with self._http.stream("GET", f"/events?{query}", timeout=None) as response:
            if response.status_code >= 400:
                response.read()
                err = error_from_answer(response.status_code, response.headers, response.content)
                raise AdminError(err.status, err.code, err.message, err.request_id, err.detail)
            for line in response.iter_lines():
                if line:
                    yield dict(json.loads(line))

    def add_webhook(
        self,
        app_key: str,
        url: str,
        *,
        secret: str | None = None,
        event_types: list[str] | None = None,
        max_attempts: int | None = None,
    ) -> dict[str, Any]:
        """The new webhook with its secret (shown this once)."""
        body: dict[str, Any] = {"url": url}
        if secret is not None:
            body["secret"] = secret
        if event_types is not None:
            body["eventTypes"] = event_types
        if max_attempts is not None:
            body["maxAttempts"] = max_attempts
        return dict(self._call("POST", f"/apps/{app_key}/webhooks", body))

    def list_webhooks(self, app_key: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/apps/{app_key}/webhooks")["items"])

    def remove_webhook(self, app_key: str, webhook_id: int) -> None:
        self._call("DELETE", f"/apps/{app_key}/webhooks/{webhook_id}")

    def dead_letters(self, app_key: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/apps/{app_key}/dead-letters")["items"])

    def replay(self, app_key: str, ids: list[int] | None = None) -> int:
        """Dead letters delivered again (all of the app's, or those named); how many."""
        body: dict[str, Any] = {} if ids is None else {"ids": ids}
        return int(self._call("POST", f"/apps/{app_key}/dead-letters/replay", body)["replayed"])

    def stream_status(self, app_key: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/apps/{app_key}/stream"))

    def create_suite(self, name: str, permissions: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if permissions is not None:
            body["permissions"] = permissions
        return dict(self._call("POST", "/suites", body))

    def new_suite_ticket(self, suite_key: str) -> str:
        return str(self._call("POST", f"/suites/{suite_key}/ticket")["suiteTicket"])

    def authorize_suite(self, suite_key: str, corp_id: str) -> None:
        self._call("POST", f"/suites/{suite_key}/authorizations", {"corpId": corp_id})

    def create_user(
        self,
        corp_id: str,
        nick: str,
        *,
        union_id: str | None = None,
        user_id: str | None = None,
        job_number: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"nick": nick}
        for key, value in (("unionId", union_id), ("userId", user_id), ("jobNumber", job_number)):
            if value is not None:
                body[key] = value
        return dict(self._call("POST", f"/orgs/{corp_id}/users", body))

    def list_users(self, corp_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/orgs/{corp_id}/users")["items"])

    def join(
        self,
        conference_id: str,
        union_id: str,
        *,
        mic_status: int = 2,
        camera_status: int = 2,
        pstn: bool = False,
    ) -> dict[str, Any]:
        body = {
            "unionId": union_id,
            "micStatus": mic_status,
            "cameraStatus": camera_status,
            "pstn": pstn,
        }
        return dict(self._call("POST", f"/conferences/{conference_id}/join", body))

    def decline(self, conference_id: str, union_id: str, description: str) -> None:
        body = {"unionId": union_id, "description": description}
        self._call("POST", f"/conferences/{conference_id}/decline", body)

    def device(self, participant_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/devices/{participant_id}"))

    def leave(self, participant_id: str) -> None:
        self._call("POST", f"/devices/{participant_id}/leave")

    def report_media(
        self,
        participant_id: str,
        *,
        mic_status: int | None = None,
        camera_status: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if mic_status is not None:
            body["micStatus"] = mic_status
        if camera_status is not None:
            body["cameraStatus"] = camera_status
        return dict(self._call("POST", f"/devices/{participant_id}/media", body))


def _query(**params: object) -> str:
    return urlencode({k: v for k, v in params.items() if v is not None})
