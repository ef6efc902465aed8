"""The demo org seeded on first start, so a newcomer can call the API at once."""

from __future__ import annotations

from dataclasses import dataclass

from confplane.domain.directory import DirectoryService, NewUser
from confplane.domain.model import User

DEMO_CORP_ID = "dingdemo"
DEMO_USERS = (
    ("Ding Sanduo", "demo-host", "E001"),
    ("Li Lei", "demo-lilei", "E002"),
    ("Han Meimei", "demo-hanmeimei", "E003"),
    ("Wang Fang", "demo-wangfang", "E004"),
    ("Zhao Qiang", "demo-zhaoqiang", "E005"),
)


@dataclass(frozen=True, slots=True)
class DemoOrg:
    corp_id: str
    app_key: str
    app_secret: str
    users: list[User]

    def describe(self) -> str:
        lines = [
            f"demo org {self.corp_id} created",
            f"  appKey:    {self.app_key}",
            f"  appSecret: {self.app_secret}",
            "  users (unionId  nick):",
        ]
        lines += [f"    {u.union_id}  {u.nick}" for u in self.users]
        return "\n".join(lines)


async def seed_demo(directory: DirectoryService) -> DemoOrg | None:
    """Create the demo org, app and users if the directory is empty; else do nothing."""
    if await directory.has_orgs():
        return None
    people = [NewUser(nick, union_id, union_id, job) for nick, union_id, job in DEMO_USERS]
    org, creds, users = await directory.create_org_with_app(
        "confplane demo", DEMO_CORP_ID, "demo app", people
    )
    return DemoOrg(org.corp_id, creds.app.app_key, creds.app_secret, users)
