"""Seeding orgs, apps and users from a TOML or JSON file through the admin API.

```toml
[[orgs]]
corp_id = "dingacme"          # give ids, and seeding the same file twice changes nothing
name = "Acme"

[[orgs.apps]]
name = "ops console"
permissions = ["VideoConference.Conference.Read"]   # default: all

[[orgs.users]]
nick = "Alice"
union_id = "alice"
job_number = "E001"
```
Entries that exist already (an org by corpId, an app by name within its org, a user by
unionId) are left as they are; entries without ids are created every time.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from confplane.client.admin import AdminClient, AdminError


class SeedError(Exception):
    """The seed file cannot be read or does not have the expected shape."""


class _Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class SeedUser(_Strict):
    nick: str
    union_id: str | None = None
    user_id: str | None = None
    job_number: str | None = None


class SeedApp(_Strict):
    name: str
    permissions: list[str] | None = None


class SeedOrg(_Strict):
    name: str
    corp_id: str | None = None
    apps: list[SeedApp] = []
    users: list[SeedUser] = []


class SeedFile(_Strict):
    orgs: list[SeedOrg]


class SeedRecord(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """One line of the outcome; ``app_secret`` only for an app created just now."""

    kind: str
    id: str
    name: str
    outcome: str
    corp_id: str | None = None
    app_secret: str | None = None


def load(path: Path) -> SeedFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeedError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data: Any = (
            json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode())
        )
    except (ValueError, UnicodeDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise SeedError(f"{path} is not valid {kind}: {exc}") from None
    try:
        return msgspec.convert(data, SeedFile)
    except msgspec.ValidationError as exc:
        raise SeedError(f"{path}: {exc}") from None


def _found(fetch: Callable[[str], dict[str, Any]], key: str) -> dict[str, Any] | None:
    try:
        return fetch(key)
    except AdminError as err:
        if err.status == 404:
            return None
        raise


def apply(admin: AdminClient, seed: SeedFile) -> list[SeedRecord]:
    records: list[SeedRecord] = []
    apps = admin.list_apps()
    for org in seed.orgs:
        if org.corp_id and _found(admin.get_org, org.corp_id):
            corp_id, outcome = org.corp_id, "exists"
        else:
            corp_id, outcome = admin.create_org(org.name, org.corp_id)["corpId"], "created"
        records.append(SeedRecord(kind="org", id=corp_id, name=org.name, outcome=outcome))
        names = {a["name"] for a in apps if a.get("corpId") == corp_id}
        for app in org.apps:
            if app.name in names:
                key = next(
                    a["appKey"]
                    for a in apps
                    if a.get("corpId") == corp_id and a["name"] == app.name
                )
                records.append(
                    SeedRecord(kind="app", id=key, name=app.name, outcome="exists", corp_id=corp_id)
                )
                continue
            made = admin.create_app(corp_id, app.name, app.permissions)
            records.append(
                SeedRecord(
                    kind="app",
                    id=made["appKey"],
                    name=app.name,
                    outcome="created",
                    corp_id=corp_id,
                    app_secret=made["appSecret"],
                )
            )
        for user in org.users:
            known = _found(admin.get_user, user.union_id) if user.union_id else None
            if known is not None:
                # Reported with the org it really belongs to, which may be another one.
                union_id, outcome, user_corp = known["unionId"], "exists", known["corpId"]
            else:
                union_id = admin.create_user(
                    corp_id,
                    user.nick,
                    union_id=user.union_id,
                    user_id=user.user_id,
                    job_number=user.job_number,
                )["unionId"]
                outcome, user_corp = "created", corp_id
            records.append(
                SeedRecord(
                    kind="user", id=union_id, name=user.nick, outcome=outcome, corp_id=user_corp
                )
            )
    return records
