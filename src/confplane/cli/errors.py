"""Exit codes, and failures printed as one or two lines on stderr, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import IntEnum

import httpx
from rich.console import Console
from rich.markup import escape

from confplane.cli.profile import ProfileError
from confplane.client.admin import AdminError
from confplane.client.device import DeviceError
from confplane.client.dingtalk import DingTalkError
from confplane.client.dingtalk.errors import INVALID_AUTHENTICATION


class ExitCode(IntEnum):
    OK = 0
    API_ERROR = 1  # the server answered with an error (DingTalk code and message)
    USAGE = 2  # bad flags or arguments, missing credentials (Typer's own code)
    CONNECTION = 3  # the server could not be reached or did not answer in time
    INTERRUPTED = 130  # Ctrl-C (Typer's own code)


class UsageProblem(Exception):
    """Something the user must give or fix before a command can run."""


class NotFound(Exception):
    """A lookup the server answered with nothing (a meeting not in progress, say)."""


ADMIN_TOKEN_HELP = (
    "  The admin token is wrong or missing: it is the server's --admin-token, or else the "
    "admin-token file in its data directory (serve prints where). Pass --admin-token, "
    "set CONFPLANE_ADMIN_TOKEN or put admin_token in a profile."
)


def describe_api_error(err: DingTalkError) -> list[str]:
    if isinstance(err, AdminError) and err.code == INVALID_AUTHENTICATION:
        return [
            f"[bold red]Error:[/] {escape(err.code)}: the admin token is wrong",
            escape(ADMIN_TOKEN_HELP),
        ]
    lines = [f"[bold red]Error:[/] {escape(err.code)}: {escape(err.message)}"]
    if err.detail and err.detail != err.message:
        # The server's reason (which unionId, which field): DingTalk's message is fixed.
        lines.append(f"  {escape(err.detail)}")
    detail = f"  HTTP {err.status}"
    if err.request_id:
        detail += f", request id {escape(err.request_id)}"
    lines.append(detail)
    if err.required_scopes:
        lines.append(f"  required permission: {escape(', '.join(err.required_scopes))}")
    return lines


def describe_transport_error(err: httpx.TransportError) -> str:
    where = ""
    try:
        url = err.request.url
        where = f" at {url.scheme}://{url.netloc.decode()}"
    except RuntimeError:  # no request attached
        pass
    if isinstance(err, httpx.TimeoutException):
        what = "did not answer in time"
    else:
        what = f"cannot be reached ({type(err).__name__}: {err})"
    line = f"[bold red]Error:[/] the server{escape(where)} {escape(what)}"
    if where.startswith(" at https://") and "SSL" in str(err):
        # A server without TLS (a local confplane) was spoken to as https.
        line += (
            "\n  It does not speak https: for a server without TLS write the scheme, "
            "--endpoint http://HOST:PORT"
        )
    return line


def run_guarded(command: Callable[[], object]) -> None:
    """Run the command line; the failures every command shares become exit codes."""
    stderr = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        command()
    except DingTalkError as err:
        for line in describe_api_error(err):
            stderr.print(line)
        sys.exit(ExitCode.API_ERROR)
    except DeviceError as err:
        # The device channel refused (a locked meeting, a bad ticket): same exit as the API.
        stderr.print(f"[bold red]Error:[/] {escape(err.code)}: {escape(err.message)}")
        sys.exit(ExitCode.API_ERROR)
    except NotFound as err:
        stderr.print(f"[bold red]Error:[/] {escape(str(err))}")
        sys.exit(ExitCode.API_ERROR)
    except httpx.TransportError as err:
        stderr.print(describe_transport_error(err))
        sys.exit(ExitCode.CONNECTION)
    except (UsageProblem, ProfileError) as err:
        stderr.print(f"[bold red]Error:[/] {escape(str(err))}")
        stderr.print("Try 'confplane --help' for help.")
        sys.exit(ExitCode.USAGE)
