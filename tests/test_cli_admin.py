"""``confplane admin ...`` as a child process against a real server (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from cli_runner import Result, clean_env, ok, run
from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess


@pytest.fixture
def env(server: ServerProcess, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        tmp_path,
        CONFPLANE_ENDPOINT=server.base_url,
        CONFPLANE_ADMIN_TOKEN=server.admin_token,
    )


def fields(result: Result) -> dict[str, str]:
    """``label: value`` lines as a dict."""
    pairs = (line.split(":", 1) for line in ok(result).lines)
    return {k.strip(): v.strip() for k, v in pairs}


def new_corp() -> str:
    return "dingcli" + secrets.token_hex(5)


def test_orgs(env: dict[str, str], admin: AdminClient) -> None:
    corp = new_corp()
    assert fields(run(env, "admin", "orgs", "create", "Acme Ltd", "--corp-id", corp)) == {
        "corpId": corp,
        "name": "Acme Ltd",
    }
    assert admin.get_org(corp)["name"] == "Acme Ltd"
    made_up = ok(run(env, "admin", "orgs", "create", "No id", "--json")).json()
    assert made_up["corpId"].startswith("ding") and made_up["name"] == "No id"

    table = ok(run(env, "admin", "orgs", "list")).lines
    assert table[0].split() == ["CORP", "ID", "NAME"]
    assert [corp, "Acme", "Ltd"] in [line.split() for line in table[1:]]
    listed = ok(run(env, "admin", "orgs", "list", "--json")).json()
    assert {"corpId": corp, "name": "Acme Ltd"} in listed

    assert fields(run(env, "admin", "orgs", "show", corp))["name"] == "Acme Ltd"
    assert ok(run(env, "admin", "orgs", "show", corp, "--json")).json()["corpId"] == corp

    taken = run(env, "admin", "orgs", "create", "again", "--corp-id", corp)
    assert taken.code == 1
    assert f"Error: conflict: org {corp} already exists" in taken.stderr
    missing = run(env, "admin", "orgs", "show", "dingnosuchorg")
    assert (
        missing.code == 1 and "Error: notFound: org dingnosuchorg does not exist" in missing.stderr
    )


def test_apps(env: dict[str, str], admin: AdminClient) -> None:
    corp = new_corp()
    admin.create_org("apps", corp)
    created = fields(
        run(env, "admin", "apps", "create", corp, "reader",
            "--permission", "VideoConference.Conference.Read")
    )  # fmt: skip
    key, secret = created["appKey"], created["appSecret"]
    assert created["permissions"] == "VideoConference.Conference.Read"
    assert created["corpId"] == corp and len(secret) > 20
    # The printed secret is the real one: it gets a token.
    assert admin.get_app(key)["name"] == "reader"
    token_env = {**env, "CONFPLANE_APP_KEY": key, "CONFPLANE_APP_SECRET": secret}
    assert len(ok(run(token_env, "token")).stdout.strip()) == 32

    both = ok(run(env, "admin", "apps", "create", corp, "writer", "--json")).json()
    assert both["permissions"] == [
        "VideoConference.Conference.Read",
        "VideoConference.Conference.Write",
    ]

    table = ok(run(env, "admin", "apps", "list")).lines
    assert table[0].split() == ["APP", "KEY", "KIND", "CORP", "ID", "PERMISSIONS", "NAME"]
    rows = {line.split()[0]: line.split()[1:] for line in table[1:]}
    assert rows[key] == ["internal", corp, "read", "reader"]
    assert rows[both["appKey"]] == ["internal", corp, "read,write", "writer"]
    listed = ok(run(env, "admin", "apps", "list", "--json")).json()
    assert all("appSecret" not in app for app in listed)

    shown = fields(run(env, "admin", "apps", "show", key))
    assert (shown["name"], shown["kind"], shown["corpId"]) == ("reader", "internal", corp)
    assert "appSecret" not in shown
    assert ok(run(env, "admin", "apps", "show", key, "--json")).json()["appKey"] == key

    bad = run(env, "admin", "apps", "create", corp, "x", "--permission", "Everything")
    assert bad.code == 1 and "unknown permissions: Everything" in bad.stderr


def test_users(env: dict[str, str], admin: AdminClient) -> None:
    corp = new_corp()
    admin.create_org("users", corp)
    union_id = "cli" + secrets.token_hex(6)
    created = fields(
        run(env, "admin", "users", "create", corp, "Han Meimei", "--union-id", union_id,
            "--user-id", "u42", "--job-number", "E042")
    )  # fmt: skip
    assert created == {
        "unionId": union_id,
        "userId": "u42",
        "nick": "Han Meimei",
        "corpId": corp,
        "jobNumber": "E042",
    }
    second = ok(run(env, "admin", "users", "create", corp, "韩梅梅", "--json")).json()
    assert second["nick"] == "韩梅梅" and second["corpId"] == corp

    table = ok(run(env, "admin", "users", "list", corp)).lines
    assert table[0].split() == ["UNION", "ID", "USER", "ID", "JOB", "NUMBER", "NICK"]
    assert table[1].split() == [union_id, "u42", "E042", "Han", "Meimei"]
    assert table[2].split()[0] == second["unionId"] and table[2].endswith("韩梅梅")
    listed = ok(run(env, "admin", "users", "list", corp, "--json")).json()
    assert [u["unionId"] for u in listed] == [union_id, second["unionId"]]

    assert fields(run(env, "admin", "users", "show", union_id))["nick"] == "Han Meimei"
    assert ok(run(env, "admin", "users", "show", union_id, "--json")).json()["userId"] == "u42"

    dup = run(env, "admin", "users", "create", corp, "again", "--union-id", union_id)
    assert dup.code == 1 and f"unionId {union_id} already exists" in dup.stderr


def test_seed_from_toml_then_again(env: dict[str, str], admin: AdminClient, tmp_path: Path) -> None:
    corp = new_corp()
    alice, bob = "alice" + corp[-6:], "bob" + corp[-6:]
    seed = tmp_path / "seed.toml"
    seed.write_text(f"""
[[orgs]]
corp_id = "{corp}"
name = "Seeded"

[[orgs.apps]]
name = "ops"
permissions = ["VideoConference.Conference.Read"]

[[orgs.users]]
nick = "Alice"
union_id = "{alice}"
job_number = "E001"

[[orgs.users]]
nick = "Bob"
union_id = "{bob}"
""")
    first = ok(run(env, "admin", "seed", str(seed), "--json")).json()
    assert [(r["kind"], r["id"], r["outcome"]) for r in first] == [
        ("org", corp, "created"),
        ("app", first[1]["id"], "created"),
        ("user", alice, "created"),
        ("user", bob, "created"),
    ]
    secret = first[1]["appSecret"]
    assert admin.get_app(first[1]["id"])["permissions"] == ["VideoConference.Conference.Read"]
    assert [u["nick"] for u in admin.list_users(corp)] == ["Alice", "Bob"]
    token_env = {**env, "CONFPLANE_APP_KEY": first[1]["id"], "CONFPLANE_APP_SECRET": secret}
    assert ok(run(token_env, "token")).code == 0

    again = ok(run(env, "admin", "seed", str(seed))).lines
    assert again[0].split() == ["KIND", "OUTCOME", "ID", "NAME", "APP", "SECRET"]
    assert [line.split()[:3] for line in again[1:]] == [
        ["org", "exists", corp],
        ["app", "exists", first[1]["id"]],
        ["user", "exists", alice],
        ["user", "exists", bob],
    ]
    assert len(admin.list_users(corp)) == 2


def test_seed_from_json(env: dict[str, str], admin: AdminClient, tmp_path: Path) -> None:
    corp = new_corp()
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps({"orgs": [{"name": "From JSON", "corp_id": corp, "users": [{"nick": "C"}]}]})
    )
    records = ok(run(env, "admin", "seed", str(seed), "--json")).json()
    assert [(r["kind"], r["outcome"]) for r in records] == [
        ("org", "created"),
        ("user", "created"),
    ]
    assert admin.get_org(corp)["name"] == "From JSON"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("bad.toml", "[[orgs]\n", "is not valid TOML"),
        ("bad.json", '{"orgs": [{"name": 3}]}', "Expected `str`, got `int`"),
        ("typo.toml", '[[orgs]]\nname = "x"\ncorpid = "y"\n', "unknown field `corpid`"),
        ("absent.toml", None, "cannot read"),
    ],
)
def test_seed_file_problems_are_usage_errors(
    tmp_path: Path, name: str, content: str | None, says: str
) -> None:
    seed = tmp_path / name
    if content is not None:
        seed.write_text(content)
    # The file is read before any connection: no server needed to refuse it.
    env = clean_env(tmp_path, CONFPLANE_ADMIN_TOKEN="x", CONFPLANE_ENDPOINT="http://127.0.0.1:9")
    result = run(env, "admin", "seed", str(seed))
    assert result.code == 2
    assert result.stderr.startswith("Error: ")
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_or_missing_admin_token(env: dict[str, str]) -> None:
    wrong = run({**env, "CONFPLANE_ADMIN_TOKEN": "wrong"}, "admin", "orgs", "list")
    assert wrong.code == 1
    assert "Error: InvalidAuthentication: the admin token is wrong" in wrong.stderr
    env.pop("CONFPLANE_ADMIN_TOKEN")
    missing = run(env, "admin", "orgs", "list")
    assert missing.code == 2
    assert "no admin token: pass --admin-token, set CONFPLANE_ADMIN_TOKEN" in missing.stderr
