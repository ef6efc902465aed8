"""Writing results: rich text for people, JSON for programs, progress only on a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.text import Text

# Far wider than any row, so a pipe gets whole lines rather than 80 cut columns.
_PIPE_WIDTH = 10_000


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=_PIPE_WIDTH)
    return console


def encode_json(value: Any, *, indent: int = 0) -> str:
    raw = msgspec.json.encode(value)
    return (msgspec.json.format(raw, indent=indent) if indent else raw).decode()


class JsonArray:
    """A JSON array written item by item, so a long listing streams and stays valid JSON."""

    def __init__(self) -> None:
        self._count = 0

    def add(self, items: Iterable[Any]) -> None:
        for item in items:
            typer.echo(("[\n  " if self._count == 0 else ",\n  ") + encode_json(item), nl=False)
            self._count += 1

    def close(self) -> None:
        typer.echo("[]" if self._count == 0 else "\n]")


class Columns:
    """Rows printed as they come, so a listing streams page by page. On a terminal: fixed-
    width columns (the last one is free) and lines without trailing blanks. Elsewhere (a
    pipe, a file): whole values, tab-separated, a header line first, one row a line, for
    ``cut``, ``awk`` and the like."""

    def __init__(self, console: Console, columns: Sequence[tuple[str, int | None]]) -> None:
        self._console = console
        self._widths = [width for _, width in columns]
        self._titles = [title for title, _ in columns]
        self._header = True
        self._tabs = not console.is_terminal

    def _tab_line(self, cells: Sequence[str | Text]) -> str:
        # A tab or newline inside a value would split it: they become spaces.
        plain = (cell.plain if isinstance(cell, Text) else cell for cell in cells)
        return "\t".join(" ".join(value.split()) if value else "" for value in plain)

    def _line(self, cells: Sequence[str | Text], style: str = "") -> Text:
        parts: list[Text] = []
        for cell, width in zip(cells, self._widths, strict=True):
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            if width is not None:
                text.truncate(width, overflow="ellipsis", pad=True)
            parts.append(text)
        line = Text("  ").join(parts)
        line.rstrip()
        if style:
            line.stylize(style)
        return line

    def add(self, rows: Iterable[Sequence[str | Text]]) -> None:
        if self._tabs:
            lines = [self._tab_line(row) for row in rows]
            if lines and self._header:
                lines.insert(0, self._tab_line(self._titles))
                self._header = False
            if lines:
                typer.echo("\n".join(lines))
            return
        for row in rows:
            if self._header:
                self._console.print(self._line(self._titles, "bold"), no_wrap=True)
                self._header = False
            self._console.print(self._line(row), no_wrap=True, overflow="ignore")


def print_listing(
    items: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, int | None]],
    row: Callable[[dict[str, Any]], Sequence[str | Text]],
    json: bool,
) -> None:
    """A whole listing: a JSON array (``--json``), else a table of a row an item, or
    "None." when there is none."""
    if json:
        array = JsonArray()
        array.add(items)
        array.close()
        return
    Columns(stdout_console(), columns).add(row(item) for item in items)
    if not items:
        stdout_console().print("None.")


class Tracker:
    """Advances a progress bar; does nothing when there is no terminal to draw on."""

    def __init__(self, progress: Progress | None = None, description: str = "") -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=None) if progress else None

    def update(self, done: int, total: int | None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, total=total, refresh=True)


@contextmanager
def progress(description: str, out: Console) -> Iterator[Tracker]:
    """A progress bar while a listing streams, drawn only on a terminal: on ``out`` (where
    the rows go, so rich keeps the bar below them) or else on stderr; none in a pipe."""
    console = out if out.is_terminal else Console(stderr=True)
    if not console.is_terminal:
        yield Tracker()
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        # typer.echo output (JSON) goes above the bar too, when it shares the terminal.
        redirect_stdout=console is out,
        redirect_stderr=False,
    )
    tracker = Tracker(bar, description)
    with bar:
        yield tracker
