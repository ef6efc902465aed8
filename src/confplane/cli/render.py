"""DingTalk's numbers in words people read: statuses, times, durations."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

CONFERENCE_STATUS = {0: "not started", 1: "ended", 2: "in progress"}
ATTEND_STATUS = {
    1: "invited",
    2: "calling",
    3: "in meeting",
    4: "join failed",
    5: "kicked",
    6: "left",
}
MEDIA = {0: "-", 1: "off", 2: "on"}
_ATTEND_STYLE = {3: "green", 4: "red", 5: "red", 6: "dim"}


def conference_status(value: int) -> Text:
    style = "green" if value == 2 else ""
    return Text(CONFERENCE_STATUS.get(value, str(value)), style=style)


def attend_status(value: int) -> Text:
    return Text(ATTEND_STATUS.get(value, str(value)), style=_ATTEND_STYLE.get(value, ""))


def media(value: int) -> str:
    return MEDIA.get(value, str(value))


def when(ms: int | None) -> str:
    """Epoch milliseconds as local time; '-' when not yet."""
    if not ms:
        return "-"
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration(ms: int) -> str:
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def media_status(value: int) -> str:
    """The bits of a meeting's mediaStatus."""
    flags = [
        name
        for bit, name in ((1, "all mics off"), (2, "all cameras off"), (4, "mute all"))
        if value & bit
    ]
    return ", ".join(flags) or "-"
