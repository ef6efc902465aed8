"""``confplane schedule``: book, list, move and cancel scheduled meetings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from confplane.cli import render
from confplane.cli.options import JsonFlag, session
from confplane.cli.output import Columns, encode_json, stdout_console
from confplane.client.dingtalk import DingTalkClient

app = typer.Typer(
    help="Book meetings ahead (they open at their start and close at their end); list, "
    "move and cancel them.",
    no_args_is_help=True,
)

ScheduleId = Annotated[
    str, typer.Argument(metavar="SCHEDULE_ID", help="The booking's scheduleConferenceId.")
]
Creator = Annotated[
    str, typer.Option("--creator", help="unionId of the user who books (and may change) it.")
]
_TIME_HELP = "ISO 8601 (2026-03-01T10:00, local time unless it names a zone) or ms since 1970."


def _ms(value: str, name: str) -> int:
    if value.isdigit():
        return int(value)
    try:
        return int(datetime.fromisoformat(value).timestamp() * 1000)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a time ({_TIME_HELP})", param_hint=name
        ) from None


@app.command()
def create(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The meeting's title.")],
    creator: Creator,
    start: Annotated[str, typer.Option("--start", help=f"When it opens: {_TIME_HELP}")],
    end: Annotated[str, typer.Option("--end", help=f"When it closes: {_TIME_HELP}")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the id.")] = False,
    json: JsonFlag = False,
) -> None:
    """Book a meeting (CreateScheduleConference)."""
    with session(ctx).client() as client:
        booked = client.create_schedule_conference(
            creator, title, _ms(start, "--start"), _ms(end, "--end")
        )
    if json:
        typer.echo(encode_json(booked, indent=2))
        return
    if quiet:
        typer.echo(booked.schedule_conference_id)
        return
    out = stdout_console()
    out.print(f"Booked meeting [bold]{booked.schedule_conference_id}[/]")
    for label, value in (("room code", booked.room_code), ("join link", booked.url)):
        out.print(f"  {label + ':':<11}{escape(value)}")


def _state(client: DingTalkClient, schedule_id: str) -> tuple[str, str]:
    """The booking's meeting (if it has opened) and its status."""
    found = client.query_schedule_conference_info(schedule_id).conference_list
    if not found:
        return "", "not open"
    meeting = found[0]
    return meeting.conference_id, render.conference_status(meeting.status).plain


@app.command("list")
def list_(
    ctx: typer.Context,
    schedule_ids: Annotated[
        list[str], typer.Argument(metavar="SCHEDULE_ID...", help="The bookings to show.")
    ],
    json: JsonFlag = False,
) -> None:
    """Show bookings: their window, room code and meeting (QueryScheduleConference,
    QueryScheduleConferenceInfo)."""
    rows = []
    with session(ctx).client() as client:
        for schedule_id in schedule_ids:
            info = client.query_schedule_conference(schedule_id)
            conference_id, status = _state(client, schedule_id)
            rows.append((info, conference_id, status))
    if json:
        typer.echo(
            encode_json(
                [
                    {"schedule": info, "conferenceId": cid or None, "status": status}
                    for info, cid, status in rows
                ],
                indent=2,
            )
        )
        return
    out = stdout_console()
    table = Columns(
        out,
        [
            ("SCHEDULE ID", 24),
            ("STARTS", 19),
            ("ENDS", 19),
            ("ROOM", 9),
            ("MEETING", 24),
            ("STATUS", 9),
            ("TITLE", None),
        ],
    )
    table.add(
        [
            info.schedule_conference_id,
            render.when(info.start_time),
            render.when(info.end_time),
            info.room_code,
            cid or "-",
            status,
            info.title,
        ]
        for info, cid, status in rows
    )


@app.command()
def update(
    ctx: typer.Context,
    schedule_id: ScheduleId,
    creator: Creator,
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    start: Annotated[str | None, typer.Option("--start", help=f"A new start: {_TIME_HELP}")] = None,
    end: Annotated[str | None, typer.Option("--end", help=f"A new end: {_TIME_HELP}")] = None,
) -> None:
    """Change a booking's title or times; the rest stay (UpdateScheduleConference)."""
    with session(ctx).client() as client:
        now = client.query_schedule_conference(schedule_id)
        client.update_schedule_conference(
            creator,
            schedule_id,
            title if title is not None else now.title,
            _ms(start, "--start") if start is not None else now.start_time,
            _ms(end, "--end") if end is not None else now.end_time,
        )
    stdout_console().print(f"Updated booking [bold]{schedule_id}[/]")


@app.command()
def cancel(ctx: typer.Context, schedule_id: ScheduleId, creator: Creator) -> None:
    """Cancel a booking; a meeting it opened is closed (CancelScheduleConference)."""
    with session(ctx).client() as client:
        client.cancel_schedule_conference(creator, schedule_id)
    stdout_console().print(f"Cancelled booking [bold]{schedule_id}[/]")
