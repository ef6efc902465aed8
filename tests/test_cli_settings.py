"""Where the command line gets its settings, how it fails before any API answer, and that
it drives the real service's answers (recorded) as it drives confplane."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_runner import clean_env, run
from confplane.testing import free_port
from recordings.stub import RecordedDingTalk

KEY, SECRET = "dingrecordedappkey", "recorded-app-secret"
CID = "644272f14ba3310a1b2c3d4e"


@pytest.fixture
def dingtalk() -> Iterator[RecordedDingTalk]:
    with RecordedDingTalk(
        [
            "get_access_token",
            "get_access_token_wrong_secret",
            "query_org_conference_list",
            "query_conference_members_page2",
            "query_conference_members_page1",
        ]
    ) as stub:
        yield stub


def token_requests(stub: RecordedDingTalk) -> list[dict[str, str]]:
    return [s.body for s in stub.seen if s.path == "/v1.0/oauth2/accessToken"]


def write_profiles(home: Path, text: str) -> Path:
    path = home / ".config" / "confplane" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- against the real service's recorded answers ------------------------------------


def test_members_from_the_real_service(dingtalk: RecordedDingTalk, tmp_path: Path) -> None:
    env = clean_env(tmp_path, CONFPLANE_ENDPOINT=dingtalk.base_url,
                    CONFPLANE_APP_KEY=KEY, CONFPLANE_APP_SECRET=SECRET)  # fmt: skip
    result = run(env, "meetings", "members", CID, "--page-size", "2")
    assert result.code == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [r[0] for r in rows[1:]] == ["27SaQ3iiHLN0uwqcPiE", "qzR1iSMDvzR9iP7P0ZKZ",
                                        "Xk3e9aPq0RstUv7wYz"]  # fmt: skip
    assert rows[1][1] == "host" and rows[3][1] == "co-host" and rows[3][-1] == "韩梅梅"
    listed = run(env, "meetings", "list", "--json")
    assert [m["creatorNick"] for m in json.loads(listed.stdout)] == ["Ding Sanduo"]


def test_real_service_errors_print_code_and_message(tmp_path: Path) -> None:
    with RecordedDingTalk(["invalid_authentication", "permission_denied"]) as stub:
        env = clean_env(tmp_path, CONFPLANE_ENDPOINT=stub.base_url,
                        CONFPLANE_ACCESS_TOKEN="expired")  # fmt: skip
        expired = run(env, "meetings", "list")
        denied = run(env, "meetings", "mute", CID, "qzR1iSMDvzR9iP7P0ZKZ")
        unknown = run(env, "meetings", "lock", CID)
    assert expired.code == 1
    assert expired.stderr == (
        "Error: InvalidAuthentication: 不合法的access_token\n"
        "  HTTP 400, request id 9E0F1A2B-3C4D-7E5F-A6B7-C8D9E0F1A212\n"
    )
    assert denied.code == 1
    assert "Error: Forbidden.AccessDenied.AccessTokenPermissionDenied: " in denied.stderr
    assert "required permission: VideoConference.Conference.Write" in denied.stderr
    assert unknown.code == 1
    assert "Error: InvalidAction.NotFound: specified api is not found" in unknown.stderr


# -- flags, CONFPLANE_* variables, profiles -----------------------------------------


def test_default_profile(dingtalk: RecordedDingTalk, tmp_path: Path) -> None:
    write_profiles(
        tmp_path,
        f"""
[default]
endpoint = "{dingtalk.base_url}"
app_key = "{KEY}"
app_secret = "{SECRET}"
""",
    )
    result = run(clean_env(tmp_path), "token")
    assert result.code == 0, result.stderr
    assert result.stdout == "5e0cbb39a1b23a7d9f7e4c2d8b6a1f30\n"
    assert token_requests(dingtalk) == [{"appKey": KEY, "appSecret": SECRET}]


def test_flags_beat_variables_beat_profile(dingtalk: RecordedDingTalk, tmp_path: Path) -> None:
    write_profiles(
        tmp_path,
        f"""
[default]
endpoint = "http://127.0.0.1:9"
app_key = "{KEY}"
app_secret = "from-profile"

[stub]
endpoint = "{dingtalk.base_url}"
app_key = "{KEY}"
app_secret = "wrong-secret"
""",
    )
    env = clean_env(tmp_path, CONFPLANE_PROFILE="stub")
    # The profile's (wrong) secret is used...
    assert run(env, "token").code == 1
    # ...unless a variable gives one...
    assert run({**env, "CONFPLANE_APP_SECRET": SECRET}, "token").code == 0
    # ...unless a flag gives another.
    flagged = run({**env, "CONFPLANE_APP_SECRET": SECRET}, "--app-secret", "wrong-secret", "token")
    assert flagged.code == 1 and "invalidClientIdOrSecret" in flagged.stderr
    # --profile beats CONFPLANE_PROFILE; the default profile's endpoint is down.
    assert run(env, "--profile", "default", "token").code == 3
    assert [b["appSecret"] for b in token_requests(dingtalk)] == [
        "wrong-secret",
        SECRET,
        "wrong-secret",
    ]


def test_profile_file_elsewhere(dingtalk: RecordedDingTalk, tmp_path: Path) -> None:
    elsewhere = tmp_path / "team.toml"
    elsewhere.write_text(
        f'[ops]\nendpoint = "{dingtalk.base_url}"\napp_key = "{KEY}"\napp_secret = "{SECRET}"\n'
    )
    env = clean_env(tmp_path)
    assert run(env, "--config", str(elsewhere), "-p", "ops", "token").code == 0
    assert run({**env, "CONFPLANE_CONFIG": str(elsewhere)}, "-p", "ops", "token").code == 0


@pytest.mark.parametrize(
    ("profiles", "args", "says"),
    [
        ('[default]\napp_key = "k"\n', ("-p", "nosuch", "token"), "profile 'nosuch' not found"),
        ('[default]\napp_kye = "k"\n', ("token",), "unknown field `app_kye`"),
        ("[default\n", ("token",), "cannot read"),
        (None, ("--config", "/nonexistent/c.toml", "token"), "does not exist"),
    ],
)
def test_profile_problems_are_usage_errors(
    tmp_path: Path, profiles: str | None, args: tuple[str, ...], says: str
) -> None:
    if profiles is not None:
        write_profiles(tmp_path, profiles)
    result = run(clean_env(tmp_path), *args)
    assert result.code == 2
    assert result.stderr.startswith("Error: ") and says in result.stderr
    assert "Traceback" not in result.stderr


# -- failures before any answer -------------------------------------------------------


def test_server_down(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    env = clean_env(tmp_path, CONFPLANE_ENDPOINT=down, CONFPLANE_APP_KEY="k",
                    CONFPLANE_APP_SECRET="s", CONFPLANE_ADMIN_TOKEN="t")  # fmt: skip
    for args in (("token",), ("meetings", "list"), ("meetings", "close", CID),
                 ("admin", "orgs", "list")):  # fmt: skip
        result = run(env, *args)
        assert result.code == 3, args
        assert result.stdout == ""
        assert result.stderr.startswith(f"Error: the server at {down} cannot be reached")
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env_values", "args", "says"),
    [
        ({}, ("meetings", "list"), "no credentials"),
        ({"CONFPLANE_APP_KEY": "k"}, ("meetings", "list"), "no app secret"),
        ({"CONFPLANE_SUITE_KEY": "s"}, ("token",), "a suite key needs suite_secret"),
        ({"CONFPLANE_ACCESS_TOKEN": "t"}, ("token",), "--access-token is already a token"),
        ({}, ("meetings", "mute", CID), "Missing argument"),
        ({}, ("meetings", "members", CID, "--limit", "-1"), "--limit"),
        ({}, ("meetings", "create", "title"), "Missing option '--host'"),
        ({}, ("meetings", "frobnicate"), "No such command"),
        ({}, ("--endpoint", " ", "meetings", "list"), "endpoint must not be empty"),
    ],
)
def test_usage_errors(
    tmp_path: Path, env_values: dict[str, str], args: tuple[str, ...], says: str
) -> None:
    env = clean_env(tmp_path, CONFPLANE_ENDPOINT="http://127.0.0.1:9", **env_values)
    result = run(env, *args)
    assert result.code == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_keeps_its_flags_and_variables(tmp_path: Path) -> None:
    shown = run(clean_env(tmp_path, COLUMNS="200"), "serve", "--help")
    assert shown.code == 0
    for flag, variable in [
        ("--host", "CONFPLANE_HOST"),
        ("--port", "CONFPLANE_PORT"),
        ("--data-dir", "CONFPLANE_DATA_DIR"),
        ("--database-url", "CONFPLANE_DATABASE_URL"),
        ("--admin-token", "CONFPLANE_ADMIN_TOKEN"),
        ("--public-url", "CONFPLANE_PUBLIC_URL"),
        ("--demo", "CONFPLANE_DEMO"),
        ("--token-lifetime", "CONFPLANE_TOKEN_LIFETIME"),
        ("--log-level", "CONFPLANE_LOG_LEVEL"),
    ]:
        assert flag in shown.stdout and variable in shown.stdout


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("confplane")
    done = subprocess.run(
        [str(script), "--help"], env=clean_env(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 0
    for command in ("serve", "token", "meetings", "admin"):
        assert command in done.stdout
