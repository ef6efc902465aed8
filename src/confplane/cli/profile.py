"""Profiles: named sets of connection settings in a TOML file.

```toml
[default]
endpoint = "http://127.0.0.1:8080"
app_key = "ding..."
app_secret = "..."
admin_token = "..."

[dingtalk]
endpoint = "https://api.dingtalk.com"
app_key = "..."
app_secret = "..."
```
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import msgspec

DEFAULT_PROFILE = "default"


class ProfileError(Exception):
    """The profile file cannot be read, or lacks the profile asked for."""


class Profile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    endpoint: str | None = None
    app_key: str | None = None
    app_secret: str | None = None
    access_token: str | None = None
    admin_token: str | None = None
    suite_key: str | None = None
    suite_secret: str | None = None
    auth_corp_id: str | None = None
    suite_ticket: str | None = None
    timeout: float | None = None


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "confplane" / "config.toml"


def load_profile(path: Path | None, name: str | None) -> Profile:
    """The profile ``name`` (asked for: it must exist) or ``default`` (if there is one)."""
    file = path or default_path()
    if not file.exists():
        if path is not None:
            raise ProfileError(f"profile file {file} does not exist")
        if name is not None:
            raise ProfileError(f"profile {name!r} not found: {file} does not exist")
        return Profile()
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read {file}: {exc}") from None
    wanted = name or DEFAULT_PROFILE
    section = data.get(wanted)
    if section is None:
        if name is None:
            return Profile()
        known = ", ".join(sorted(data)) or "none"
        raise ProfileError(f"profile {wanted!r} not found in {file} (profiles: {known})")
    try:
        return msgspec.convert(section, Profile)
    except msgspec.ValidationError as exc:
        raise ProfileError(f"profile {wanted!r} in {file}: {exc}") from None
