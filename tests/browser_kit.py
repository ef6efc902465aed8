"""Helpers of the browser tests: Debian's Chromium driven by Playwright, the join page
and the console against a real server."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from playwright.sync_api import Browser, Page, expect, sync_playwright

from confplane.testing import ServerProcess
from conftest import Org, runtime

CHROMIUM = "/usr/bin/chromium"
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
# Long enough for a poll of the page (1.5-2 s) and a command's trip; never a measure.
WAIT_MS = 10_000


def launch() -> Iterator[Browser]:
    """Chromium for a module's tests. Playwright's sync API runs an event loop on this
    thread while it lives: start servers that need asyncio.run (PostgreSQL's fresh
    databases) before it, which is why a fixture over ``server`` depends on it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def new_page(browser: Browser) -> Page:
    """A page in a context of its own (its own cookies and storage: another person)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    return page


@dataclass
class Meeting:
    conference_id: str
    room_code: str
    password: str
    join_url: str
    host_password: str


def create_meeting(org: Org, title: str = "Design review") -> Meeting:
    body = org.conference.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(user_id=org.host, conf_title=title),
        org.headers(cm.CreateVideoConferenceHeaders),
        runtime(),
    ).body
    return Meeting(
        str(body.conference_id),
        str(body.room_code),
        str(body.conference_password),
        str(body.external_link_url),
        str(body.host_password),
    )


def guest_join(page: Page, meeting: Meeting, nick: str, password: str | None = None) -> None:
    """Open the meeting's link and join as a guest (the page may refuse: callers check)."""
    page.goto(meeting.join_url)
    page.get_by_label("Your name").fill(nick)
    page.get_by_label("Meeting password").fill(password or meeting.password)
    page.get_by_role("button", name="Join as a guest").click()


def expect_in_meeting(page: Page, nick: str) -> None:
    expect(page.locator("#connection")).to_contain_text(f"You are in the meeting as {nick}")
    expect(page.locator("#roster li", has_text=f"{nick} (you)")).to_be_visible()


def console_sign_in(page: Page, server: ServerProcess, token: str | None = None) -> None:
    page.goto(server.base_url + "/console")
    page.get_by_label("Admin token").fill(token or server.admin_token)
    page.get_by_role("button", name="Sign in").click()


def open_meeting(page: Page, meeting: Meeting) -> None:
    """From the console's live meetings, the meeting's own page."""
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    page.locator(f'tr[data-conference-id="{meeting.conference_id}"] a').click()
    expect(page.locator("#join-url")).to_have_text(meeting.join_url)


def roster_row(page: Page, nick: str) -> Any:
    return page.locator("#roster-body tr", has=page.locator("strong", has_text=nick))


def member_of(org: Org, conference_id: str, nick: str) -> Any:
    """A member as QueryConferenceMembers (the official SDK) reports them."""
    members = org.members(conference_id).member_models
    found = [m for m in members if m.user_nick == nick]
    assert len(found) == 1, [m.user_nick for m in members]
    return found[0]


def media_of(org: Org, conference_id: str, nick: str) -> Any:
    """A member's microphone and camera as QueryConferenceInfoBatch reports them."""
    users = org.batch([conference_id]).infos[0].user_list
    found = [u for u in users if u.nick == nick]
    assert len(found) == 1, [u.nick for u in users]
    return found[0]


def screenshot(page: Page, name: str) -> None:
    """The page as an image: always taken (a page that cannot be drawn fails the test),
    kept in docs/images only when CONFPLANE_SCREENSHOTS=1, so a test run leaves the
    documentation's files alone unless asked to refresh them."""
    image = page.screenshot(full_page=True)
    assert image.startswith(b"\x89PNG")
    if os.environ.get("CONFPLANE_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        (IMAGES / name).write_bytes(image)


class CuttableLink:
    """A TCP proxy to the server whose open connections can be cut at once: a network
    drop as a browser sees it (its WebSocket ends without a close frame)."""

    def __init__(self, port: int) -> None:
        self._target = ("127.0.0.1", port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every connection now open (new ones still go through)."""
        with self._lock:
            dropped, self._open = self._open, []
        for conn in dropped:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()
