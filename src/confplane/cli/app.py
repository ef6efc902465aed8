"""The ``confplane`` command: global options, then its sub-commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from confplane.cli import admin, emulator, events, meetings, schedule
from confplane.cli.errors import run_guarded
from confplane.cli.join import join
from confplane.cli.profile import Profile
from confplane.cli.serve import serve
from confplane.cli.session import SessionSource
from confplane.cli.token import token

app = typer.Typer(
    help="confplane: a meeting control plane speaking DingTalk's conference API.\n\n"
    "Connection settings come from flags, then CONFPLANE_* variables, then a profile "
    "(~/.config/confplane/config.toml). Exit codes: 0 ok, 1 API error, 2 usage error, "
    "3 server unreachable.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would include secrets
)

_CONN = "Connection"
_SUITE = "Third-party app (instead of an app key)"


@app.callback()
def _root(
    ctx: typer.Context,
    endpoint: Annotated[
        str | None,
        typer.Option(
            envvar="CONFPLANE_ENDPOINT",
            help="Server URL: http://127.0.0.1:8080 (default) or https://api.dingtalk.com.",
            rich_help_panel=_CONN,
        ),
    ] = None,
    app_key: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_APP_KEY", rich_help_panel=_CONN)
    ] = None,
    app_secret: Annotated[
        str | None,
        typer.Option(envvar="CONFPLANE_APP_SECRET", rich_help_panel=_CONN),
    ] = None,
    access_token: Annotated[
        str | None,
        typer.Option(
            envvar="CONFPLANE_ACCESS_TOKEN",
            help="Use this token instead of fetching one.",
            rich_help_panel=_CONN,
        ),
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option(
            envvar="CONFPLANE_ADMIN_TOKEN",
            help="confplane's admin token (admin commands).",
            rich_help_panel=_CONN,
        ),
    ] = None,
    suite_key: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_SUITE_KEY", rich_help_panel=_SUITE)
    ] = None,
    suite_secret: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_SUITE_SECRET", rich_help_panel=_SUITE)
    ] = None,
    auth_corp_id: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_AUTH_CORP_ID", rich_help_panel=_SUITE)
    ] = None,
    suite_ticket: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_SUITE_TICKET", rich_help_panel=_SUITE)
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            envvar="CONFPLANE_TIMEOUT",
            min=0.1,
            help="Seconds per request (default 10).",
            rich_help_panel=_CONN,
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            envvar="CONFPLANE_PROFILE",
            help="Profile to use (default: the profile named default, if any).",
            rich_help_panel=_CONN,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            envvar="CONFPLANE_CONFIG",
            help="Profile file.",
            dir_okay=False,
            rich_help_panel=_CONN,
        ),
    ] = None,
) -> None:
    given = Profile(
        endpoint=endpoint,
        app_key=app_key,
        app_secret=app_secret,
        access_token=access_token,
        admin_token=admin_token,
        suite_key=suite_key,
        suite_secret=suite_secret,
        auth_corp_id=auth_corp_id,
        suite_ticket=suite_ticket,
        timeout=timeout,
    )
    # Resolved on first use, so `serve` never reads (or trips on) a profile file.
    ctx.obj = SessionSource(given, config, profile)


app.command()(serve)
app.command()(token)
app.command()(join)
app.add_typer(meetings.app, name="meetings")
app.add_typer(schedule.app, name="schedule")
app.add_typer(admin.app, name="admin")
app.add_typer(emulator.app, name="emulator")
app.add_typer(events.events, name="events")
app.add_typer(events.webhooks, name="webhooks")


def main() -> None:
    run_guarded(app)
