"""``confplane meetings ...`` and ``confplane token`` as a child process against a real
server, on SQLite and PostgreSQL: what they print, what they change, how they fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import Result, app_env, ok, run, run_on_terminal
from confplane.client.admin import AdminError
from conftest import Org

READ = "VideoConference.Conference.Read"


@pytest.fixture
def env(org: Org, tmp_path: Path) -> dict[str, str]:
    return app_env(tmp_path, org)


def api_failure(result: Result, code: str) -> str:
    """An API error: exit 1, the DingTalk code and message on stderr, no traceback."""
    assert result.code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert f"Error: {code}: " in result.stderr
    assert "request id " in result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def create(env: dict[str, str], org: Org, *extra: str) -> str:
    created = ok(run(env, "meetings", "create", "weekly sync", "--host", org.host, "-q", *extra))
    return created.stdout.strip()


def test_token(env: dict[str, str], org: Org) -> None:
    token = ok(run(env, "token")).stdout.strip()
    assert len(token) == 32
    # The printed token works with the official SDK.
    org.token = token
    assert org.create()
    answer = ok(run(env, "token", "--json")).json()
    assert answer["expireIn"] == 7200 and len(answer["accessToken"]) == 32


def test_create(env: dict[str, str], org: Org) -> None:
    shown = ok(
        run(env, "meetings", "create", "Design review", "--host", org.host,
            "--invite", org.users[1], "--invite", org.users[2])
    ).lines  # fmt: skip
    cid = shown[0].removeprefix("Created meeting ")
    info = org.batch([cid]).infos[0]
    assert info.title == "Design review"
    assert [u.user_id for u in info.user_list] == org.users[:3]
    assert shown[1].split() == ["title:", "Design", "review"]
    assert any(line.split()[:2] == ["room", "code:"] for line in shown)

    body = ok(
        run(env, "meetings", "create", "x", "--host", org.host, "--invite", org.users[1],
            "--invite-caller", "--json")
    ).json()  # fmt: skip
    assert set(body) == {
        "conferenceId",
        "conferencePassword",
        "hostPassword",
        "externalLinkUrl",
        "roomCode",
        "phoneNumbers",
    }
    # --invite-caller rings the invitee: attendStatus 2.
    assert org.batch([body["conferenceId"]]).infos[0].user_list[1].attend_status == 2


def test_list(env: dict[str, str], org: Org) -> None:
    assert ok(run(env, "meetings", "list")).stdout == "No meetings in progress.\n"
    assert ok(run(env, "meetings", "list", "--json")).json() == []
    ids = [create(env, org) for _ in range(3)]
    org.close(ids[0])

    table = ok(run(env, "meetings", "list", "--page-size", "1")).lines
    assert table[0].split() == ["CONFERENCE", "ID", "STATUS", "STARTED", "HOST", "TITLE"]
    assert [line.split()[0] for line in table[1:]] == [ids[2], ids[1]]
    assert table[1].split()[1:] == ["not", "started", "-", "user", "0", "weekly", "sync"]

    listed = ok(run(env, "meetings", "list", "--json", "--page-size", "1")).json()
    assert [m["conferenceId"] for m in listed] == [ids[2], ids[1]]
    assert listed[0]["creatorId"] == org.host and listed[0]["status"] == 0

    limited = ok(run(env, "meetings", "list", "--json", "--limit", "1")).json()
    assert [m["conferenceId"] for m in limited] == [ids[2]]


def test_show(env: dict[str, str], org: Org) -> None:
    cid = create(env, org, "--invite", org.users[1])
    org.admin.join(cid, org.users[1])
    shown = ok(run(env, "meetings", "show", cid)).lines
    assert shown[0].split() == ["Meeting", cid, "weekly", "sync"]
    assert shown[1].split() == ["status:", "in", "progress"]
    assert ["members:", "2"] in [line.split() for line in shown]
    rows = {line.split()[0]: line.split()[1:] for line in shown if line.startswith(org.users[0][:8])
            or line.startswith(org.users[1][:8])}  # fmt: skip
    assert rows[org.host][:3] == ["invited", "-", "-"]
    assert rows[org.users[1]][:4] == ["in", "meeting", "on", "on"]

    info = ok(run(env, "meetings", "show", cid, "--json")).json()
    assert info["conferenceId"] == cid and info["status"] == 2
    assert [u["userId"] for u in info["userList"]] == [org.host, org.users[1]]


def test_members_pages_through_all_of_them(env: dict[str, str], org: Org) -> None:
    cid = create(env, org, *[arg for u in org.users[1:] for arg in ("--invite", u)])
    org.admin.join(cid, org.users[2])

    table = ok(run(env, "meetings", "members", cid, "--page-size", "2")).lines
    assert table[0].split() == ["UNION", "ID", "ROLE", "STATUS", "JOINED", "TIME", "NICK"]
    assert [line.split()[0] for line in table[1:]] == org.users
    assert table[1].split()[1:3] == ["host", "invited"]
    assert table[3].split()[1:3] == ["in", "meeting"]

    members = ok(run(env, "meetings", "members", cid, "--json", "--page-size", "2")).json()
    assert [m["unionId"] for m in members] == org.users
    assert members[0]["host"] is True and members[0]["userNick"] == "user 0"

    limited = ok(run(env, "meetings", "members", cid, "--json", "--limit", "3",
                     "--page-size", "2")).json()  # fmt: skip
    assert [m["unionId"] for m in limited] == org.users[:3]


def test_mute_and_unmute(env: dict[str, str], org: Org) -> None:
    cid = create(env, org, "--invite", org.users[1])
    first = org.admin.join(cid, org.users[1])["participantId"]
    second = org.admin.join(cid, org.users[1])["participantId"]

    out = ok(run(env, "meetings", "mute", cid, org.users[1])).stdout
    assert out == f"Muted {org.users[1]} in {cid}\n"
    assert [org.admin.device(d)["micStatus"] for d in (first, second)] == [1, 1]

    out = ok(run(env, "meetings", "unmute", cid, org.users[1], "--device", second)).stdout
    assert out == f"Unmuted device {second} of {org.users[1]} in {cid}\n"
    assert [org.admin.device(d)["micStatus"] for d in (first, second)] == [1, 2]

    api_failure(run(env, "meetings", "mute", cid, "nobody"), "unknownUserError")


def test_lock_and_unlock(env: dict[str, str], org: Org) -> None:
    cid = create(env, org)
    assert ok(run(env, "meetings", "lock", cid)).stdout == f"Locked meeting {cid}\n"
    with pytest.raises(AdminError) as refused:
        org.admin.join(cid, org.users[1])
    assert refused.value.code == "conferenceLocked"
    assert ok(run(env, "meetings", "unlock", cid)).stdout == f"Unlocked meeting {cid}\n"
    org.admin.join(cid, org.users[1])


def test_close(env: dict[str, str], org: Org) -> None:
    cid = create(env, org, "--invite", org.users[1])
    # Not the host: the server refuses, and says why.
    err = api_failure(run(env, "meetings", "close", cid, "--host", org.users[1]), "permissionError")
    assert "only the host can close the conference" in err
    # Without --host the host is looked up among the members.
    assert ok(run(env, "meetings", "close", cid)).stdout == f"Closed meeting {cid}\n"
    api_failure(run(env, "meetings", "show", cid), "resourceClose")
    api_failure(run(env, "meetings", "close", cid, "--host", org.host), "resourceClose")

    other = create(env, org)
    assert ok(run(env, "meetings", "close", other, "--host", org.host)).stdout.startswith("Closed")


def test_unknown_meeting(env: dict[str, str]) -> None:
    missing = "000000000000000000000000"
    err = api_failure(run(env, "meetings", "members", missing), "roomNotFound")
    # DingTalk's message, then the server's reason (its detail header), then the status.
    assert (
        f"Error: roomNotFound: ROOM NOT FOUND\n  conference {missing} not found\n"
        "  HTTP 404, request id "
    ) in err
    api_failure(run(env, "meetings", "lock", missing), "paramsError")
    api_failure(run(env, "meetings", "mute", missing, "someone"), "paramsError")
    # QueryConferenceInfoBatch answers an unknown id with nothing: still a failure.
    shown = run(env, "meetings", "show", missing)
    assert (shown.code, shown.stdout) == (1, "")
    assert shown.stderr == f"Error: no meeting in progress has conferenceId {missing}\n"


def test_wrong_secret(env: dict[str, str]) -> None:
    for args in (("token",), ("meetings", "list"), ("meetings", "members", "x")):
        err = api_failure(run({**env, "CONFPLANE_APP_SECRET": "wrong"}, *args),
                          "invalidClientIdOrSecret")  # fmt: skip
        assert "HTTP 400" in err


def test_permission_denied_names_the_permission(
    env: dict[str, str], org: Org, tmp_path: Path
) -> None:
    reader = org.admin.create_app(org.corp_id, "reader", [READ])
    as_reader = {**env, "CONFPLANE_APP_KEY": reader["appKey"],
                 "CONFPLANE_APP_SECRET": reader["appSecret"]}  # fmt: skip
    assert ok(run(as_reader, "meetings", "list", "--json")).json() == []
    err = api_failure(
        run(as_reader, "meetings", "create", "x", "--host", org.host),
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
    )
    assert "HTTP 403" in err
    assert "required permission: VideoConference.Conference.Write" in err


def test_listings_show_progress_on_a_terminal_only(env: dict[str, str], org: Org) -> None:
    cid = create(env, org, *[arg for u in org.users[1:] for arg in ("--invite", u)])
    on_terminal = run_on_terminal(env, "meetings", "members", cid, "--page-size", "2")
    assert on_terminal.code == 0
    assert "Fetching members" in on_terminal.stdout
    assert "\x1b[" in on_terminal.stdout  # drawn with terminal control codes
    for union_id in org.users:
        assert union_id in on_terminal.stdout

    in_a_pipe = ok(run(env, "meetings", "members", cid, "--page-size", "2"))
    assert "Fetching" not in in_a_pipe.stdout + in_a_pipe.stderr
    assert "\x1b" not in in_a_pipe.stdout
    assert len(in_a_pipe.lines) == 1 + len(org.users)

    listing = run_on_terminal(env, "meetings", "list", "--json")
    assert listing.code == 0 and "Fetching meetings" in listing.stdout


def test_info_and_invite(env: dict[str, str], org: Org) -> None:
    cid = create(env, org)
    ok(run(env, "meetings", "invite", cid, org.users[1], org.users[2]))
    shown = ok(run(env, "meetings", "info", cid)).stdout
    assert cid in shown and "weekly sync" in shown
    assert "0 in the meeting, 0 came, 2 invited" in shown
    answer = ok(run(env, "meetings", "info", cid, "--json")).json()
    assert (answer["conferenceId"], answer["invitedNum"]) == (cid, 2)
    by_code = ok(run(env, "meetings", "info", "--room-code", answer["roomCode"], "--json")).json()
    assert by_code["conferenceId"] == cid


def test_info_and_invite_failures(env: dict[str, str], org: Org) -> None:
    cid = create(env, org)
    api_failure(run(env, "meetings", "invite", cid, "nobody-has-this-id"), "unknownUserError")
    api_failure(run(env, "meetings", "info", "000000000000000000000000"), "paramsError")
    missing = run(env, "meetings", "info", "--room-code", "100000000")
    assert missing.code != 0 and "Traceback" not in missing.stderr
    both = run(env, "meetings", "info", cid, "--room-code", "1")
    assert both.code == 2 and "Traceback" not in both.stderr
