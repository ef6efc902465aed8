#!/usr/bin/env python3
"""Fuzz a live confplane server with schemathesis, from its own OpenAPI document.

For each back-end (SQLite, then PostgreSQL on a fresh database) it starts a real
server, makes an org with an app holding both permissions, users and a meeting through
the admin API and the DingTalk token call, then runs ``schemathesis run`` against
``/confplane/v1/openapi.json`` with that app's access token and the admin token. The
checks: no 5xx, only the statuses, content types and bodies the document describes.
Exits non-zero when schemathesis finds a failure. The examples per operation are
bounded (--max-examples) so the whole run stays within a few minutes on two cores.

    .venv/bin/python scripts/fuzz_openapi.py [--backend sqlite|postgres|both]
        [--max-examples N] [--seed N] [-- extra schemathesis arguments]
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, fresh_postgres_database

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# Stateful testing needs links between operations, which the document does not give.
PHASES = "examples,coverage,fuzzing"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MEETINGS = 4
# Every operation's `action` words, so that calls sometimes name a real one.
ACTIONS = ["mute", "unmute", "un_mute", "lock", "unlock", "add", "remove", "focus", "un_focus"]


@contextmanager
def running_server(backend: str, root: Path) -> Iterator[ServerProcess]:
    args = ["--no-demo"]
    if backend == "sqlite":
        server = ServerProcess(root / backend, extra_args=args)
        server.start()
        try:
            yield server
        finally:
            server.stop()
        return
    with fresh_postgres_database() as url:
        server = ServerProcess(root / backend, database_url=url, extra_args=args)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@dataclass(frozen=True)
class Seed:
    """What the fuzzer is given to reach past "not found": real ids of this server."""

    token: str
    corp_id: str
    app_key: str
    app_secret: str
    users: list[str]
    meetings: list[str]
    room_codes: list[str]
    # The meetings' join links, as CreateAutoLoginUrl takes them.
    links: list[str]


def seed_server(server: ServerProcess) -> Seed:
    """An org, an app with both permissions, users, meetings; the app's access token."""
    with AdminClient(server.base_url, server.admin_token) as admin:
        corp_id = "ding" + secrets.token_hex(6)
        admin.create_org("fuzzed org", corp_id)
        app = admin.create_app(corp_id, "fuzzing app")
        users = [admin.create_user(corp_id, f"user {i}")["unionId"] for i in range(3)]
    answer = httpx.post(
        f"{server.base_url}/v1.0/oauth2/accessToken",
        json={"appKey": app["appKey"], "appSecret": app["appSecret"]},
    )
    answer.raise_for_status()
    token = str(answer.json()["accessToken"])
    meetings, room_codes, links = [], [], []
    for _ in range(MEETINGS):
        created = httpx.post(
            f"{server.base_url}/v1.0/conference/videoConferences",
            json={"userId": users[0], "confTitle": "fuzzed", "inviteUserIds": users[1:]},
            headers={"x-acs-dingtalk-access-token": token},
        )
        created.raise_for_status()
        meeting = created.json()
        meetings.append(str(meeting["conferenceId"]))
        room_codes.append(str(meeting["roomCode"]))
        links.append(str(meeting["externalLinkUrl"]))
    return Seed(token, corp_id, app["appKey"], app["appSecret"], users, meetings, room_codes, links)


def config(seed: Seed) -> str:
    """schemathesis.toml: the seed's ids offered in place of generated values, often
    enough that calls reach the rules past the lookups (the rest stays random)."""
    dictionaries = {
        "meetings": seed.meetings,
        "users": seed.users,
        "corps": [seed.corp_id],
        "apps": [seed.app_key],
        "secrets": [seed.app_secret],
        "roomCodes": seed.room_codes,
        "links": seed.links,
        "actions": ACTIONS,
    }
    bindings = {
        "path.conferenceId": "meetings",
        "path.corpId": "corps",
        "path.unionId": "users",
        "path.appKey": "apps",
        "path.roomCode": "roomCodes",
        "query.unionId": "users",
        "query.corpId": "corps",
        "query.conferenceId": "meetings",
        "body.userId": "users",
        "body.unionId": "users",
        "body.creatorUnionId": "users",
        "body.corpId": "corps",
        "body.inviteUserIds[*]": "users",
        "body.inviteeList[*].unionId": "users",
        "body.userList[*].unionId": "users",
        "body.conferenceIdList[*]": "meetings",
        "body.scheduleConferenceId": "meetings",
        "body.meetingUrl": "links",
        "body.clientId": "apps",
        "body.clientSecret": "secrets",
        "body.action": "actions",
    }
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for key, name in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.7 }}')
    # The event log with follow=true never ends; its stream is tested in tests/.
    lines.append('"query.follow" = "false"')
    return "\n".join(lines) + "\n"


# The admin API is fuzzed after the rest: it can take the app's permissions away or
# rotate its secret, which would leave only errors to the DingTalk calls. Its events
# routes go with it, so that the webhooks it adds see few of the first pass's events.
ADMIN_TAGS = "^(admin|events)$"
PASSES = (["--exclude-tag-regex", ADMIN_TAGS], ["--include-tag-regex", ADMIN_TAGS])


def fuzz(server: ServerProcess, max_examples: int, seed: int, extra: Sequence[str]) -> int:
    ids = seed_server(server)
    config_file = server.data_dir / "schemathesis.toml"
    config_file.write_text(config(ids))
    failures = 0
    for selection in PASSES:
        failures += run_schemathesis(
            server, ids.token, config_file, [*selection, *extra], max_examples, seed
        )
    return failures


def run_schemathesis(
    server: ServerProcess,
    token: str,
    config_file: Path,
    extra: Sequence[str],
    max_examples: int,
    seed: int,
) -> int:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config_file),
        "run",
        f"{server.base_url}/confplane/v1/openapi.json",
        "--url",
        server.base_url,
        "--header",
        f"x-acs-dingtalk-access-token: {token}",
        "--header",
        f"Authorization: Bearer {server.admin_token}",
        "--checks",
        CHECKS,
        "--phases",
        PHASES,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--no-shrink",
        *extra,
    ]
    # Run from the server's data directory, so schemathesis keeps its cache there.
    finished = subprocess.run(command, check=False, cwd=server.data_dir)
    return 1 if finished.returncode else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--max-examples", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("extra", nargs="*", help="more schemathesis arguments (after --)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="confplane-fuzz-") as tmp:
        for backend in backends:
            print(f"== schemathesis against confplane on {backend}", flush=True)
            with running_server(backend, Path(tmp)) as server:
                if fuzz(server, args.max_examples, args.seed, args.extra) != 0:
                    failed.append(backend)
                    print(server.log_path.read_text()[-4000:], file=sys.stderr)
    if failed:
        print(f"schemathesis found failures on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
