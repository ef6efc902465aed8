"""Options several commands share, and the session the root command resolved."""

from __future__ import annotations

from typing import Annotated

import typer

from confplane.cli.session import Session, SessionSource

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print JSON with the API's own field names.")
]
Limit = Annotated[
    int | None, typer.Option("--limit", min=0, help="Stop after this many (default: all).")
]
PageSize = Annotated[
    int, typer.Option("--page-size", min=1, max=1000, help="Items asked for per request.")
]
DEFAULT_PAGE_SIZE = 100


def session(ctx: typer.Context) -> Session:
    source = ctx.find_object(SessionSource)
    assert source is not None, "the root callback stores the session source"
    return source.get()
