"""``confplane events`` and ``confplane webhooks``: the event log and where apps get
their events (docs/events.md); both need the admin token."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Annotated, Any

import typer

from confplane.cli.options import JsonFlag, session
from confplane.cli.output import Columns, encode_json, print_listing, stdout_console

events = typer.Typer(help="The events of meetings apps receive.", no_args_is_help=True)
webhooks = typer.Typer(
    help="Webhooks: where an app's events are POSTed, signed.", no_args_is_help=True
)

AppKey = Annotated[str, typer.Argument(metavar="APP_KEY", help="The app's appKey.")]

_EVENT_COLUMNS = [("ID", 8), ("TIME", 23), ("TYPE", 34), ("CONFERENCE", 34), ("WHO", None)]


def _event_row(event: dict[str, Any]) -> list[str]:
    born = datetime.datetime.fromtimestamp(event["eventBornTime"] / 1000, datetime.UTC)
    data = event.get("data") or {}
    return [
        str(event["id"]),
        born.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        event["eventType"],
        event["conferenceId"],
        str(data.get("unionId") or "-"),
    ]


_WEBHOOK_COLUMNS = [("ID", 6), ("ATTEMPTS", 8), ("TYPES", 30), ("URL", None)]
_DEAD_LETTER_COLUMNS = [
    ("ID", 8),
    ("WEBHOOK", 7),
    ("EVENT", 44),
    ("TRIES", 5),
    ("LAST ERROR", None),
]


def _webhook_row(hook: dict[str, Any]) -> list[str]:
    return [
        str(hook["id"]),
        str(hook["maxAttempts"]),
        ",".join(hook.get("eventTypes") or []) or "all",
        hook["url"],
    ]


def _dead_letter_row(letter: dict[str, Any]) -> list[str]:
    return [
        str(letter["id"]),
        str(letter["webhookId"]),
        letter["event"]["eventId"],
        str(letter["attempts"]),
        letter["lastError"],
    ]


def _print_events(items: Iterable[dict[str, Any]], json: bool) -> None:
    if json:
        for item in items:
            typer.echo(encode_json(item))
        return
    table = Columns(stdout_console(), _EVENT_COLUMNS)
    for item in items:
        table.add([_event_row(item)])


@events.command("tail")
def tail(
    ctx: typer.Context,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Go on printing new events as they come.")
    ] = False,
    corp_id: Annotated[str | None, typer.Option("--corp-id", help="Only this org's.")] = None,
    conference_id: Annotated[
        str | None, typer.Option("--conference-id", help="Only this meeting's.")
    ] = None,
    after: Annotated[int, typer.Option("--after", min=0, help="After this event id.")] = 0,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many (without -f).")
    ] = 100,
    json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line, the API's field names.")
    ] = False,
) -> None:
    """Print the event log, oldest first."""
    with session(ctx).admin() as admin:
        if follow:
            _print_events(admin.follow_events(after, corp_id, conference_id), json)
            return
        page = admin.events(after, limit, corp_id, conference_id)
    _print_events(page["items"], json)


@webhooks.command("add")
def add(
    ctx: typer.Context,
    app_key: AppKey,
    url: Annotated[str, typer.Argument(metavar="URL", help="Where events are POSTed.")],
    event_type: Annotated[
        list[str] | None,
        typer.Option("--event-type", help="Only this type (repeatable; default: every type)."),
    ] = None,
    max_attempts: Annotated[
        int | None,
        typer.Option("--max-attempts", min=1, help="Attempts before a dead letter (default 8)."),
    ] = None,
    secret: Annotated[
        str | None, typer.Option("--secret", help="Sign with this (default: made up).")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Add a webhook to an app; prints its id and signing secret (shown only now)."""
    with session(ctx).admin() as admin:
        hook = admin.add_webhook(
            app_key, url, secret=secret, event_types=event_type, max_attempts=max_attempts
        )
    if json:
        typer.echo(encode_json(hook, indent=2))
        return
    out = stdout_console()
    for key in ("id", "url", "secret", "maxAttempts"):
        out.print(f"{key + ':':<13}{hook.get(key)}", highlight=False)
    out.print(f"{'eventTypes:':<13}{','.join(hook.get('eventTypes') or []) or 'all'}")


@webhooks.command("list")
def list_webhooks(ctx: typer.Context, app_key: AppKey, json: JsonFlag = False) -> None:
    """List an app's webhooks (secrets are never shown again)."""
    with session(ctx).admin() as admin:
        hooks = admin.list_webhooks(app_key)
    print_listing(hooks, _WEBHOOK_COLUMNS, _webhook_row, json)


@webhooks.command("remove")
def remove(
    ctx: typer.Context,
    app_key: AppKey,
    webhook_id: Annotated[int, typer.Argument(metavar="ID", help="The webhook's id.")],
) -> None:
    """Remove a webhook; its undelivered events go with it."""
    with session(ctx).admin() as admin:
        admin.remove_webhook(app_key, webhook_id)


@webhooks.command("dead-letters")
def dead_letters(ctx: typer.Context, app_key: AppKey, json: JsonFlag = False) -> None:
    """Events that were not delivered after their last attempt."""
    with session(ctx).admin() as admin:
        letters = admin.dead_letters(app_key)
    print_listing(letters, _DEAD_LETTER_COLUMNS, _dead_letter_row, json)


@webhooks.command("replay")
def replay(
    ctx: typer.Context,
    app_key: AppKey,
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only this dead letter (repeatable).")
    ] = None,
) -> None:
    """Deliver an app's dead letters again, from their first attempt."""
    with session(ctx).admin() as admin:
        count = admin.replay(app_key, ids)
    stdout_console().print(f"{count} replayed", highlight=False)
