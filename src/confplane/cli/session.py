"""What the global options resolve to: the endpoint, credentials and the clients."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from confplane.cli.errors import UsageProblem
from confplane.cli.profile import Profile, load_profile
from confplane.client.admin import AdminClient
from confplane.client.dingtalk import (
    AppCredentials,
    Credentials,
    DingTalkClient,
    StaticToken,
    SuiteCredentials,
)
from confplane.client.dingtalk.config import base_url

# The server's own default address: a local confplane needs no --endpoint.
LOCAL_ENDPOINT = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT_S = 10.0

_HOW = "pass {flag}, set {env} or put {key} in a profile"


def _missing(flag: str, key: str) -> str:
    return _HOW.format(flag=flag, env="CONFPLANE_" + key.upper(), key=key)


def with_scheme(endpoint: str) -> str:
    """``127.0.0.1:8080`` (the SDK Config's form) on a loopback address means plain http,
    as a local server speaks; any other address without a scheme stays https."""
    endpoint = endpoint.strip()
    if not endpoint or "://" in endpoint:
        return endpoint
    if ":" in endpoint.split("]")[0] and not endpoint.startswith("["):
        with contextlib.suppress(ValueError):  # a bare IPv6 address: bracket it
            endpoint = f"[{ipaddress.IPv6Address(endpoint)}]"
    host = urlsplit("//" + endpoint).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host.lower() == "localhost"
    return ("http://" if loopback else "https://") + endpoint


@dataclass(frozen=True, slots=True)
class Session:
    """Settings after flags > CONFPLANE_* variables > profile > defaults."""

    endpoint: str
    profile: Profile
    timeout: float

    @classmethod
    def resolve(cls, given: Profile, profile: Profile) -> Session:
        """``given`` holds flags and environment variables (None where unset)."""
        merged = Profile(
            **{
                field: getattr(given, field)
                if getattr(given, field) is not None
                else getattr(profile, field)
                for field in Profile.__struct_fields__
            }
        )
        try:
            endpoint = base_url(with_scheme(merged.endpoint or LOCAL_ENDPOINT))
        except ValueError as exc:
            raise UsageProblem(f"--endpoint: {exc}") from None
        return cls(
            endpoint=endpoint,
            profile=merged,
            timeout=merged.timeout or DEFAULT_TIMEOUT_S,
        )

    def credentials(self) -> Credentials:
        p = self.profile
        if p.access_token:
            return StaticToken(p.access_token)
        suite = (p.suite_key, p.suite_secret, p.auth_corp_id, p.suite_ticket)
        if p.suite_key and all(suite):
            return SuiteCredentials(*(str(x) for x in suite))
        if p.suite_key:
            names = ("suite_secret", "auth_corp_id", "suite_ticket")
            lacking = [n for n, v in zip(names, suite[1:], strict=True) if not v]
            raise UsageProblem(
                f"a suite key needs {', '.join(lacking)}: set CONFPLANE_"
                + ", CONFPLANE_".join(n.upper() for n in lacking)
                + " or put them in a profile"
            )
        if p.app_key and p.app_secret:
            return AppCredentials(p.app_key, p.app_secret)
        if p.app_key:
            raise UsageProblem(f"no app secret: {_missing('--app-secret', 'app_secret')}")
        raise UsageProblem(
            "no credentials: give an app key and secret (--app-key/--app-secret, "
            "CONFPLANE_APP_KEY/CONFPLANE_APP_SECRET or a profile), or --access-token"
        )

    def client(self) -> DingTalkClient:
        return DingTalkClient(self.credentials(), endpoint=self.endpoint, timeout=self.timeout)

    def admin(self) -> AdminClient:
        token = self.profile.admin_token
        if not token:
            raise UsageProblem(f"no admin token: {_missing('--admin-token', 'admin_token')}")
        return AdminClient(self.endpoint, token, timeout=self.timeout)


@dataclass(slots=True)
class SessionSource:
    """The global options as given; the session is worked out when a command needs it."""

    given: Profile
    config: Path | None
    profile_name: str | None
    _session: Session | None = field(default=None, init=False)

    def get(self) -> Session:
        if self._session is None:
            profile = load_profile(self.config, self.profile_name)
            self._session = Session.resolve(self.given, profile)
        return self._session
