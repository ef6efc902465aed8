"""A synchronous client of confplane's emulator controls (/confplane/v1/emulator).

The server must run with ``--emulator`` (the pytest plugin's server always does); the
controls take the admin token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from confplane.client.admin import AdminError
from confplane.client.dingtalk.errors import error_from_answer


class EmulatorClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/confplane/v1/emulator",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = self._http.request(method, path, json=body, params=params)
        if response.status_code >= 400:
            err = error_from_answer(response.status_code, response.headers, response.content)
            raise AdminError(err.status, err.code, err.message, err.request_id)
        return response.json()

    # -- reset -----------------------------------------------------------------------

    def reset(self, *, demo: bool = False) -> dict[str, Any]:
        """Empty the server (or leave just the demo org, whose credentials come back)."""
        return dict(self._call("POST", "/reset", {"demo": demo}))

    # -- faults ----------------------------------------------------------------------

    def add_fault(
        self,
        operation: str,
        *,
        error: tuple[int, str] | tuple[int, str, str] | None = None,
        latency_ms: int | None = None,
        drop: bool = False,
        app_key: str | None = None,
        conference_id: str | None = None,
        times: int | None = None,
        fraction: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """A rule: ``error=(status, code[, message])``, ``latency_ms`` or ``drop``, for the
        next ``times`` matching calls (1 by default) or a seeded ``fraction`` of them."""
        body: dict[str, Any] = {"operation": operation, "drop": drop}
        if error is not None:
            status, code, *message = error
            body["error"] = {"status": status, "code": code}
            if message:
                body["error"]["message"] = message[0]
        optional = {
            "latencyMs": latency_ms,
            "appKey": app_key,
            "conferenceId": conference_id,
            "times": times,
            "fraction": fraction,
            "seed": seed,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        return dict(self._call("POST", "/faults", body))

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults")["faults"])

    def delete_fault(self, fault_id: str) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- rate limit ------------------------------------------------------------------

    def rate_limit(self) -> int | None:
        qps = self._call("GET", "/rate-limit").get("qps")
        return None if qps is None else int(qps)

    def set_rate_limit(self, qps: int | None) -> None:
        self._call("PUT", "/rate-limit", {"qps": qps})

    # -- journal ---------------------------------------------------------------------

    @staticmethod
    def _filters(
        operation: str | None,
        app_key: str | None,
        conference_id: str | None,
        since: int | None,
        after_seq: int | None,
    ) -> dict[str, Any]:
        given = {
            "operation": operation,
            "appKey": app_key,
            "conferenceId": conference_id,
            "since": since,
            "afterSeq": after_seq,
        }
        return {k: v for k, v in given.items() if v is not None}

    def journal(
        self,
        *,
        operation: str | None = None,
        app_key: str | None = None,
        conference_id: str | None = None,
        since: int | None = None,
        after_seq: int | None = None,
    ) -> list[dict[str, Any]]:
        """The API calls the server answered, oldest first."""
        params = self._filters(operation, app_key, conference_id, since, after_seq)
        return list(self._call("GET", "/journal", params=params)["entries"])

    def follow_journal(
        self,
        *,
        operation: str | None = None,
        app_key: str | None = None,
        conference_id: str | None = None,
        since: int | None = None,
        after_seq: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The calls recorded so far, then each new one as it is answered (endless)."""
        params = self._filters(operation, app_key, conference_id, since, after_seq)
        params["follow"] = "true"
        with self._http.stream("GET", "/journal", params=params, timeout=None) as response:
            if response.status_code >= 400:
                body = response.read()
                err = error_from_answer(response.status_code, response.headers, body)
                raise AdminError(err.status, err.code, err.message, err.request_id)
            for line in response.iter_lines():
                if line.strip():
                    yield dict(json.loads(line))

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")

    # -- clock -----------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """``now`` (ms), ``frozen`` and ``offsetMs`` from real time."""
        return dict(self._call("GET", "/clock"))

    def set_clock(
        self,
        *,
        at_ms: int | None = None,
        advance_ms: int | None = None,
        freeze: bool | None = None,
    ) -> dict[str, Any]:
        body = {"set": at_ms, "advanceMs": advance_ms, "freeze": freeze}
        return dict(self._call("POST", "/clock", {k: v for k, v in body.items() if v is not None}))

    def advance_clock(self, ms: int) -> dict[str, Any]:
        return self.set_clock(advance_ms=ms)

    def freeze_clock(self) -> dict[str, Any]:
        return self.set_clock(freeze=True)

    def real_clock(self) -> dict[str, Any]:
        """Back to real time."""
        return dict(self._call("DELETE", "/clock"))


__all__ = ["AdminError", "EmulatorClient"]
