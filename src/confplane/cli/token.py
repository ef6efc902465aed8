"""``confplane token``: an access token for scripts and for the official SDKs."""

from __future__ import annotations

import typer

from confplane.cli.errors import UsageProblem
from confplane.cli.options import JsonFlag, session
from confplane.cli.output import encode_json
from confplane.client.dingtalk import StaticToken


def token(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Print an access token of the app (GetAccessToken or GetCorpAccessToken)."""
    current = session(ctx)
    creds = current.credentials()
    if isinstance(creds, StaticToken):
        raise UsageProblem("--access-token is already a token; give app credentials")
    with current.client() as client:
        answer = client.call(creds.token_call())
    if json:
        typer.echo(encode_json(answer, indent=2))
    else:
        typer.echo(answer.access_token)
