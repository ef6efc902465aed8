"""Who the client speaks for, and how it keeps an access token fresh."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from confplane.client.dingtalk import operations as ops
from confplane.wire.models import AccessTokenResponse

DEFAULT_REFRESH_MARGIN_S = 300.0


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """An internal app: GetAccessToken with appKey and appSecret."""

    app_key: str
    app_secret: str

    def token_call(self) -> ops.Call[AccessTokenResponse]:
        return ops.get_access_token(self.app_key, self.app_secret)

    def __repr__(self) -> str:  # never print the secret
        return f"AppCredentials(app_key={self.app_key!r})"


@dataclass(frozen=True, slots=True)
class SuiteCredentials:
    """A third-party app acting for one org that authorised it: GetCorpAccessToken."""

    suite_key: str
    suite_secret: str
    auth_corp_id: str
    suite_ticket: str

    def token_call(self) -> ops.Call[AccessTokenResponse]:
        return ops.get_corp_access_token(
            self.suite_key, self.suite_secret, self.auth_corp_id, self.suite_ticket
        )

    def __repr__(self) -> str:
        return f"SuiteCredentials(suite_key={self.suite_key!r}, auth_corp_id={self.auth_corp_id!r})"


@dataclass(frozen=True, slots=True)
class StaticToken:
    """An access token obtained elsewhere; used as is and never refreshed."""

    access_token: str

    def __repr__(self) -> str:
        return "StaticToken(...)"


Credentials = AppCredentials | SuiteCredentials | StaticToken


class TokenCache:
    """The current token and when to replace it.

    A token is replaced ``margin`` seconds before it expires (at most half its lifetime,
    so short-lived tokens are still reused), so no call leaves with a token about to die.
    Times come from a monotonic clock, measured when the token request left.
    """

    def __init__(
        self,
        margin: float = DEFAULT_REFRESH_MARGIN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.margin = margin
        self.clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0

    def get(self) -> str | None:
        """The cached token if it is still fresh enough to send."""
        if self._token is not None and self.clock() < self._refresh_at:
            return self._token
        return None

    def put(self, answer: AccessTokenResponse, requested_at: float) -> str:
        lifetime = max(0.0, float(answer.expire_in))
        self._token = answer.access_token
        self._refresh_at = requested_at + lifetime - min(self.margin, lifetime / 2)
        return answer.access_token

    def clear(self) -> None:
        self._token = None
