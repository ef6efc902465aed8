"""``confplane admin``: orgs, apps and users of a confplane server (its admin API)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from confplane.cli.errors import UsageProblem
from confplane.cli.options import JsonFlag, session
from confplane.cli.output import Columns, JsonArray, encode_json, print_listing, stdout_console
from confplane.client import seed as seeding

app = typer.Typer(
    help="Manage a confplane server's orgs, apps and users (needs the admin token).",
    no_args_is_help=True,
)
orgs = typer.Typer(help="Orgs (DingTalk corps).", no_args_is_help=True)
apps = typer.Typer(help="Internal apps: an appKey and appSecret per app.", no_args_is_help=True)
users = typer.Typer(help="Users of an org.", no_args_is_help=True)
app.add_typer(orgs, name="orgs")
app.add_typer(apps, name="apps")
app.add_typer(apps, name="app", hidden=True)  # the singular, as people type it
app.add_typer(users, name="users")

CorpId = Annotated[str, typer.Argument(metavar="CORP_ID", help="The org's corpId.")]


def _show(record: dict[str, Any], fields: Sequence[tuple[str, str]], json: bool) -> None:
    if json:
        typer.echo(encode_json(record, indent=2))
        return
    out = stdout_console()
    for label, key in fields:
        value = record.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "-"
        out.print(f"{label + ':':<13}{escape(str(value if value is not None else '-'))}")


def _list(
    items: list[dict[str, Any]], columns: Sequence[tuple[str, str, int | None]], json: bool
) -> None:
    print_listing(
        items,
        [(title, width) for title, _, width in columns],
        lambda item: [_cell(item.get(key)) for _, key, _ in columns],
        json,
    )


def _cell(value: Any) -> str:
    if isinstance(value, list):
        # Permissions, shortened: VideoConference.Conference.Read -> read.
        return ",".join(str(v).removeprefix(_SCOPE_PREFIX).lower() for v in value) or "-"
    return "-" if value is None else str(value)


_SCOPE_PREFIX = "VideoConference.Conference."


_ORG_FIELDS = (("corpId", "corpId"), ("name", "name"))
_APP_FIELDS = (
    ("appKey", "appKey"),
    ("appSecret", "appSecret"),
    ("name", "name"),
    ("kind", "kind"),
    ("corpId", "corpId"),
    ("permissions", "permissions"),
)
_USER_FIELDS = (
    ("unionId", "unionId"),
    ("userId", "userId"),
    ("nick", "nick"),
    ("corpId", "corpId"),
    ("jobNumber", "jobNumber"),
)


# -- orgs -------------------------------------------------------------------------


@orgs.command("create")
def create_org(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name for people.")],
    corp_id: Annotated[
        str | None, typer.Option("--corp-id", help="Choose the corpId (default: made up).")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Create an org."""
    with session(ctx).admin() as admin:
        _show(admin.create_org(name, corp_id), _ORG_FIELDS, json)


@orgs.command("list")
def list_orgs(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List every org."""
    with session(ctx).admin() as admin:
        _list(admin.list_orgs(), [("CORP ID", "corpId", 24), ("NAME", "name", None)], json)


@orgs.command("show")
def show_org(ctx: typer.Context, corp_id: CorpId, json: JsonFlag = False) -> None:
    """Show one org."""
    with session(ctx).admin() as admin:
        _show(admin.get_org(corp_id), _ORG_FIELDS, json)


# -- apps -------------------------------------------------------------------------


@apps.command("create")
def create_app(
    ctx: typer.Context,
    corp_id: CorpId,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name for people.")],
    permission: Annotated[
        list[str] | None,
        typer.Option(
            "--permission",
            help="Grant only this (repeatable), e.g. VideoConference.Conference.Read "
            "(default: read and write).",
        ),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Create an internal app of an org; prints its appKey and appSecret."""
    with session(ctx).admin() as admin:
        created = admin.create_app(corp_id, name, permission)
    _show(created, _APP_FIELDS, json)
    out = stdout_console()
    if not json and out.is_terminal:
        out.print("[dim]The appSecret is shown only now; keep it.[/]")


@apps.command("list")
def list_apps(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List every app (secrets are never shown again)."""
    with session(ctx).admin() as admin:
        _list(
            admin.list_apps(),
            [
                ("APP KEY", "appKey", 24),
                ("KIND", "kind", 8),
                ("CORP ID", "corpId", 18),
                ("PERMISSIONS", "permissions", 11),
                ("NAME", "name", None),
            ],
            json,
        )


@apps.command("show")
def show_app(
    ctx: typer.Context,
    app_key: Annotated[str, typer.Argument(metavar="APP_KEY", help="The app's appKey.")],
    json: JsonFlag = False,
) -> None:
    """Show one app."""
    with session(ctx).admin() as admin:
        _show(admin.get_app(app_key), [f for f in _APP_FIELDS if f[1] != "appSecret"], json)


@apps.command("rotate-secret")
def rotate_secret(
    ctx: typer.Context,
    app_key: Annotated[str, typer.Argument(metavar="APP_KEY", help="The app's appKey.")],
    json: JsonFlag = False,
) -> None:
    """Give an app a new appSecret and print it; the old secret stops working at once,
    tokens already issued work until they expire."""
    with session(ctx).admin() as admin:
        rotated = admin.rotate_secret(app_key)
    _show(rotated, _APP_FIELDS, json)
    out = stdout_console()
    if not json and out.is_terminal:
        out.print("[dim]The new appSecret is shown only now; keep it.[/]")


# -- users ------------------------------------------------------------------------


@users.command("create")
def create_user(
    ctx: typer.Context,
    corp_id: CorpId,
    nick: Annotated[str, typer.Argument(metavar="NICK", help="The name shown in meetings.")],
    union_id: Annotated[
        str | None, typer.Option("--union-id", help="Choose the unionId (default: made up).")
    ] = None,
    user_id: Annotated[
        str | None, typer.Option("--user-id", help="Choose the userId (default: made up).")
    ] = None,
    job_number: Annotated[str | None, typer.Option("--job-number")] = None,
    json: JsonFlag = False,
) -> None:
    """Create a user in an org."""
    with session(ctx).admin() as admin:
        created = admin.create_user(
            corp_id, nick, union_id=union_id, user_id=user_id, job_number=job_number
        )
    _show(created, _USER_FIELDS, json)


@users.command("list")
def list_users(ctx: typer.Context, corp_id: CorpId, json: JsonFlag = False) -> None:
    """List the users of an org."""
    with session(ctx).admin() as admin:
        _list(
            admin.list_users(corp_id),
            [
                ("UNION ID", "unionId", 28),
                ("USER ID", "userId", 14),
                ("JOB NUMBER", "jobNumber", 10),
                ("NICK", "nick", None),
            ],
            json,
        )


@users.command("show")
def show_user(
    ctx: typer.Context,
    union_id: Annotated[str, typer.Argument(metavar="UNION_ID", help="The user's unionId.")],
    json: JsonFlag = False,
) -> None:
    """Show one user."""
    with session(ctx).admin() as admin:
        _show(admin.get_user(union_id), _USER_FIELDS, json)


# -- seed -------------------------------------------------------------------------


@app.command()
def seed(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="A .toml or .json file of orgs, their apps and users."),
    ],
    json: JsonFlag = False,
) -> None:
    """Create the orgs, apps and users a file describes; existing ones are kept."""
    try:
        plan = seeding.load(file)
    except seeding.SeedError as exc:
        raise UsageProblem(str(exc)) from None
    with session(ctx).admin() as admin:
        records = seeding.apply(admin, plan)
    if json:
        array = JsonArray()
        array.add(records)
        array.close()
        return
    Columns(
        stdout_console(),
        [("KIND", 4), ("OUTCOME", 7), ("ID", 28), ("NAME", 20), ("APP SECRET", None)],
    ).add([r.kind, r.outcome, r.id, r.name, r.app_secret or ""] for r in records)
