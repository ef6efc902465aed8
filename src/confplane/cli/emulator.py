"""``confplane emulator``: drive a confplane server started with ``--emulator`` (app tests).

Reset it, inject faults, set DingTalk's rate limit, read the journal of the API calls it
answered and move its clock. The controls take the admin token; a server without
``--emulator`` answers them 404 (InvalidAction.NotFound).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from confplane.cli.errors import UsageProblem
from confplane.cli.options import JsonFlag, session
from confplane.cli.output import Columns, encode_json, stdout_console
from confplane.client.emulator import EmulatorClient
from confplane.emulator.faults import MAX_LATENCY_MS
from confplane.wire.errors import Op

# Options the fault rules and the journal filter share.
AppKeyOption = Annotated[
    str | None, typer.Option("--app-key", help="Only calls of this app (appKey).")
]
ConferenceIdOption = Annotated[
    str | None, typer.Option("--conference-id", help="Only calls about this meeting.")
]

app = typer.Typer(
    help="Control a confplane server started with --emulator: reset it, inject faults, "
    "set the rate limit, read the journal of API calls, move its clock (needs the admin "
    "token).",
    no_args_is_help=True,
)
faults = typer.Typer(
    help="Injected faults: rules that make matching API calls fail, wait or lose their connection.",
    no_args_is_help=True,
)
app.add_typer(faults, name="faults")


def _client(ctx: typer.Context) -> EmulatorClient:
    s = session(ctx)
    token = s.profile.admin_token
    if not token:
        raise UsageProblem(
            "no admin token: pass --admin-token, set CONFPLANE_ADMIN_TOKEN "
            "or put admin_token in a profile"
        )
    return EmulatorClient(s.endpoint, token, timeout=s.timeout)


# The operations the server journals and faults match, as the SDKs name them.
OPERATIONS = sorted(
    value
    for name, value in vars(Op).items()
    if name.isupper() and isinstance(value, str) and value != Op.ADMIN
)


def _operation(name: str | None, option: str) -> None:
    if name is not None and name not in OPERATIONS:
        raise UsageProblem(f"{option}: unknown operation {name!r}; one of {', '.join(OPERATIONS)}")


def _fields(pairs: Sequence[tuple[str, Any]]) -> None:
    out = stdout_console()
    for label, value in pairs:
        out.print(f"{label + ':':<14}{escape(str(value if value is not None else '-'))}")


# -- durations and instants ---------------------------------------------------------

_UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d))+")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")


def parse_duration(text: str) -> int:
    """Milliseconds of ``90s``, ``15m``, ``2h``, ``1d``, ``1500ms``, ``1h30m`` or plain
    milliseconds (``1500``); a leading ``-`` goes back."""
    raw = text.strip()
    sign = 1
    if raw.startswith(("-", "+")):
        sign = -1 if raw[0] == "-" else 1
        raw = raw[1:]
    if raw.isascii() and raw.isdigit():
        return sign * int(raw)
    if not _DURATION.fullmatch(raw):
        raise UsageProblem(
            f"--advance: unknown duration {text!r}: give e.g. 90s, 15m, 2h, 1d, 1500ms, "
            "1h30m or plain milliseconds"
        )
    total = sum(float(n) * _UNIT_MS[unit] for n, unit in _DURATION_PART.findall(raw))
    return sign * round(total)


def parse_instant(text: str) -> int:
    """Milliseconds since 1970 of ``1767225600000`` or an ISO time (local without an
    offset)."""
    raw = text.strip()
    if raw.isascii() and raw.isdigit():
        return int(raw)
    try:
        return round(datetime.fromisoformat(raw).timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        raise UsageProblem(
            f"--set: {text!r} is neither milliseconds since 1970 nor an ISO time "
            "such as 2026-03-01T09:00:00+08:00"
        ) from None


def format_duration(ms: int) -> str:
    """``+2h``, ``-1m30s``, ``+250ms``: signed, to the second past one second."""
    sign = "-" if ms < 0 else "+"
    ms = abs(ms)
    if ms < 1000:
        return f"{sign}{ms}ms"
    seconds = round(ms / 1000)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    units = ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s"))
    return sign + "".join(f"{value}{unit}" for value, unit in units if value)


def _time(ms: int) -> str:
    """The server's clock, as local time to the millisecond."""
    try:
        return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    except (ValueError, OverflowError, OSError):
        return str(ms)


# -- reset --------------------------------------------------------------------------


@app.command(
    help="Empty the server (or leave just the demo org).\n\n"
    "No orgs, meetings or devices are left, no faults, an empty journal, the "
    "configured rate limit and real time.",
)
def reset(
    ctx: typer.Context,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Then create the demo org (dingdemo), its app and five users; prints "
            "the app's appKey and appSecret.",
        ),
    ] = False,
    json: JsonFlag = False,
) -> None:
    with _client(ctx) as emulator:
        body = emulator.reset(demo=demo)
    if json:
        typer.echo(encode_json(body, indent=2))
        return
    out = stdout_console()
    out.print(f"Reset the server in {float(body['tookMs']):.1f} ms.")
    org = body.get("demo")
    if not demo:
        return
    if not org:
        out.print("The demo org was not created (the server still had orgs).")
        return
    out.print()
    _fields([("corpId", org["corpId"]), ("appKey", org["appKey"]), ("appSecret", org["appSecret"])])
    out.print()
    Columns(out, [("UNION ID", 16), ("NICK", None)]).add(
        [u["unionId"], u["nick"]] for u in org["users"]
    )


# -- faults -------------------------------------------------------------------------


def parse_error(spec: str) -> tuple[int, str] | tuple[int, str, str]:
    """``STATUS:CODE[:MESSAGE]`` (the message may hold colons)."""
    status, has_code, rest = spec.partition(":")
    code, _, message = rest.partition(":")
    status, code = status.strip(), code.strip()
    if not has_code or not code or not (status.isascii() and status.isdigit()):
        raise UsageProblem(
            f"--error {spec!r}: expected STATUS:CODE[:MESSAGE], e.g. 503:ServiceUnavailable "
            "or 400:paramsError:bad input"
        )
    number = int(status)
    if not 400 <= number <= 599:
        raise UsageProblem(f"--error {spec!r}: the status must be an HTTP error status, 400-599")
    return (number, code, message) if message else (number, code)


def _effect(fault: dict[str, Any]) -> str:
    parts: list[str] = []
    if fault.get("latencyMs"):
        parts.append(f"wait {fault['latencyMs']} ms")
    error = fault.get("error")
    if fault.get("kind") == "error" and error:
        said = f"answer {error['status']} {error['code']}"
        if error.get("message") and error["message"] != error["code"]:
            said += f": {error['message']}"
        parts.append(said)
    elif fault.get("kind") == "drop":
        parts.append("drop the connection")
    return ", then ".join(parts) or "-"


def _calls(fault: dict[str, Any]) -> str:
    """Which matching calls the rule hits."""
    times, fraction, seed = fault.get("times"), fault.get("fraction"), fault.get("seed")
    if fraction is not None:
        said = f"{fraction * 100:g}% of calls"
        if seed is not None:
            said += f", seed {seed}"
        return said + (f", at most {times}" if times is not None else "")
    if times is None:
        return "every call"
    return "the next call" if times == 1 else f"the next {times} calls"


def _hits(fault: dict[str, Any]) -> str:
    times = fault.get("times")
    return f"{fault['hits']}/{times}" if times is not None else str(fault["hits"])


@faults.command(
    "add",
    help="Add a fault: matching calls answer an error, wait or lose their connection.\n\n"
    "Give --error, --latency-ms or --drop; --latency-ms also goes with --error or "
    "--drop (the call waits, then fails).",
)
def add_fault(
    ctx: typer.Context,
    operation: Annotated[
        str,
        typer.Argument(
            metavar="OPERATION",
            help="The API operation as the SDKs name it: CreateVideoConference, "
            "MuteMembers, QueryConferenceMembers, GetAccessToken...",
        ),
    ],
    error: Annotated[
        str | None,
        typer.Option(
            "--error",
            metavar="STATUS:CODE[:MESSAGE]",
            help="Answer this DingTalk error, e.g. 503:ServiceUnavailable or "
            "400:paramsError:bad input (the message defaults to the code).",
        ),
    ] = None,
    latency_ms: Annotated[
        int | None,
        typer.Option(
            "--latency-ms",
            metavar="N",
            min=1,
            max=MAX_LATENCY_MS,
            help="Wait N ms first; alone, the call then runs as usual.",
        ),
    ] = None,
    drop: Annotated[
        bool, typer.Option("--drop", help="Close the connection without an answer.")
    ] = False,
    app_key: AppKeyOption = None,
    conference_id: ConferenceIdOption = None,
    times: Annotated[
        int | None,
        typer.Option(
            "--times",
            min=1,
            help="Hit the next N matching calls (default 1; with --fraction: no bound).",
        ),
    ] = None,
    fraction: Annotated[
        float | None,
        typer.Option(
            "--fraction",
            metavar="F",
            help="Hit each matching call with probability F (above 0, at most 1).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed the draws of --fraction, for repeatable runs."),
    ] = None,
    json: JsonFlag = False,
) -> None:
    if error is not None and drop:
        raise UsageProblem("give --error or --drop, not both (--latency-ms goes with either)")
    if error is None and not drop and latency_ms is None:
        raise UsageProblem(
            "say what the fault does: --error STATUS:CODE[:MESSAGE], --latency-ms N or --drop"
        )
    if fraction is not None and not 0.0 < fraction <= 1.0:
        raise UsageProblem(f"--fraction {fraction:g}: must be above 0 and at most 1")
    if seed is not None and fraction is None:
        raise UsageProblem("--seed goes with --fraction")
    _operation(operation, "OPERATION")
    answer = parse_error(error) if error is not None else None
    with _client(ctx) as emulator:
        fault = emulator.add_fault(
            operation,
            error=answer,
            latency_ms=latency_ms,
            drop=drop,
            app_key=app_key,
            conference_id=conference_id,
            times=times,
            fraction=fraction,
            seed=seed,
        )
    if json:
        typer.echo(encode_json(fault, indent=2))
        return
    _fields(
        [
            ("id", fault["id"]),
            ("operation", fault["operation"]),
            ("effect", _effect(fault)),
            ("calls", _calls(fault)),
            ("appKey", fault.get("appKey")),
            ("conferenceId", fault.get("conferenceId")),
        ]
    )


@faults.command(
    "list",
    help="List the faults, oldest first, with the calls each matched and hit.\n\n"
    "HITS is hits/times (just hits when unbounded); MATCHED counts every matching "
    "call.",
)
def list_faults(ctx: typer.Context, json: JsonFlag = False) -> None:
    with _client(ctx) as emulator:
        rules = emulator.faults()
    if json:
        typer.echo(encode_json(rules, indent=2))
        return
    out = stdout_console()
    if not rules:
        out.print("No faults.")
        return
    Columns(
        out,
        [
            ("ID", 12),
            ("OPERATION", 24),
            ("APP KEY", 20),
            ("CONFERENCE ID", 24),
            ("HITS", 7),
            ("MATCHED", 7),
            ("EFFECT", None),
        ],
    ).add(
        [
            f["id"],
            f["operation"],
            f.get("appKey") or "-",
            f.get("conferenceId") or "-",
            _hits(f),
            str(f["matched"]),
            _effect(f) + ("" if f.get("times") == 1 else f" ({_calls(f)})"),
        ]
        for f in rules
    )


@faults.command("delete")
def delete_fault(
    ctx: typer.Context,
    fault_id: Annotated[str, typer.Argument(metavar="ID", help="The fault's id (faults list).")],
) -> None:
    """Delete one fault."""
    with _client(ctx) as emulator:
        emulator.delete_fault(fault_id)
    stdout_console().print(f"Deleted fault {escape(fault_id)}.")


@faults.command("clear")
def clear_faults(ctx: typer.Context) -> None:
    """Delete every fault."""
    with _client(ctx) as emulator:
        emulator.clear_faults()
    stdout_console().print("Deleted every fault.")


# -- rate limit ---------------------------------------------------------------------


@app.command(
    "rate-limit",
    help="Show the rate limit, set it (QPS) or lift it (--off).\n\n"
    "Calls over it get HTTP 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi.",
)
def rate_limit(
    ctx: typer.Context,
    qps: Annotated[
        int | None,
        typer.Argument(
            metavar="QPS", min=1, help="Calls per second each app may make of each operation."
        ),
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="No limit.")] = False,
    json: JsonFlag = False,
) -> None:
    if qps is not None and off:
        raise UsageProblem("give a QPS or --off, not both")
    with _client(ctx) as emulator:
        if qps is not None or off:
            emulator.set_rate_limit(qps)
        current = emulator.rate_limit()
    if json:
        typer.echo(encode_json({"qps": current}))
        return
    stdout_console().print(
        "Rate limit: off."
        if current is None
        else f"Rate limit: {current} calls per second per app and operation."
    )


# -- journal ------------------------------------------------------------------------

_JOURNAL_COLUMNS: list[tuple[str, int | None]] = [
    ("TIME", 23),
    ("OPERATION", 24),
    ("APP KEY", 20),
    ("CONFERENCE ID", 24),
    ("STATUS", 6),
    ("LATENCY", 9),
    # Last, so a long code (Forbidden.AccessDenied.QpsLimitForAppkeyAndApi) is never cut.
    ("CODE", None),
]


def _journal_row(entry: dict[str, Any]) -> list[str]:
    return [
        _time(int(entry["time"])),
        str(entry["operation"]),
        entry.get("appKey") or "-",
        entry.get("conferenceId") or "-",
        str(entry["status"]),
        f"{float(entry['latencyMs']):.1f}ms",
        entry.get("code") or ("(dropped)" if entry["status"] == 0 else "-"),
    ]


@app.command(
    help="The API calls the server answered, oldest first; --clear empties the journal.\n\n"
    "Each call: the time (the server's clock), operation, app, meeting, HTTP status, "
    "latency and DingTalk's error code. With --follow the calls so far come first, "
    "then each new one. The emulator controls and the admin API are not journaled.",
)
def journal(
    ctx: typer.Context,
    operation: Annotated[
        str | None,
        typer.Option("--operation", help="Only calls of this operation (CreateVideoConference)."),
    ] = None,
    app_key: AppKeyOption = None,
    conference_id: ConferenceIdOption = None,
    since: Annotated[
        int | None,
        typer.Option(
            "--since",
            metavar="MS",
            min=0,
            help="Only calls at or after this instant of the server's clock (ms since 1970).",
        ),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            "-f",
            help="Then keep printing each new call as it is answered, until Ctrl-C.",
        ),
    ] = False,
    clear: Annotated[
        bool,
        typer.Option("--clear", help="Empty the journal instead (takes no other option)."),
    ] = False,
    json: Annotated[
        bool,
        typer.Option("--json", help="One JSON object a line, with the API's own field names."),
    ] = False,
) -> None:
    if clear:
        if follow or json or any(v is not None for v in (operation, app_key, conference_id, since)):
            raise UsageProblem("--clear empties the whole journal: it takes no other option")
        with _client(ctx) as emulator:
            emulator.clear_journal()
        stdout_console().print("Cleared the journal.")
        return
    _operation(operation, "--operation")
    out = stdout_console()
    table = Columns(out, _JOURNAL_COLUMNS)

    def show(entry: dict[str, Any]) -> None:
        if json:
            typer.echo(encode_json(entry))
        else:
            table.add([_journal_row(entry)])

    with _client(ctx) as emulator:
        if follow:
            try:
                for entry in emulator.follow_journal(
                    operation=operation, app_key=app_key, conference_id=conference_id, since=since
                ):
                    show(entry)
            except KeyboardInterrupt:
                pass  # Ctrl-C is how a follow ends
            return
        entries = emulator.journal(
            operation=operation, app_key=app_key, conference_id=conference_id, since=since
        )
    for entry in entries:
        show(entry)
    if not entries and not json:
        out.print("No calls.")


# -- clock --------------------------------------------------------------------------


@app.command(
    help="Show the server's clock, or move it (then show it).\n\n"
    "--set comes first, then --advance, then --freeze or --unfreeze. Token expiry, "
    "join tickets, device grace periods and meeting times follow this clock.",
)
def clock(
    ctx: typer.Context,
    set_to: Annotated[
        str | None,
        typer.Option(
            "--set",
            metavar="MS|TIME",
            help="Set the clock to this instant: ms since 1970 or an ISO time such as "
            "2026-03-01T09:00:00+08:00 (local time without an offset).",
        ),
    ] = None,
    advance: Annotated[
        str | None,
        typer.Option(
            "--advance",
            metavar="DURATION",
            help="Move the clock on by 90s, 15m, 2h, 1d, 1500ms, 1h30m or plain ms "
            "(-5m goes back).",
        ),
    ] = None,
    freeze: Annotated[
        bool, typer.Option("--freeze", help="Stop the clock at the instant it shows.")
    ] = False,
    unfreeze: Annotated[
        bool, typer.Option("--unfreeze", help="Let a frozen clock run on from there.")
    ] = False,
    real: Annotated[
        bool, typer.Option("--real", help="Back to real time (running, no offset).")
    ] = False,
    json: JsonFlag = False,
) -> None:
    if freeze and unfreeze:
        raise UsageProblem("give --freeze or --unfreeze, not both")
    if real and (set_to is not None or advance is not None or freeze or unfreeze):
        raise UsageProblem("--real goes back to real time: it takes no other option")
    at_ms = parse_instant(set_to) if set_to is not None else None
    advance_ms = parse_duration(advance) if advance is not None else None
    with _client(ctx) as emulator:
        if real:
            shown = emulator.real_clock()
        elif at_ms is not None or advance_ms is not None or freeze or unfreeze:
            shown = emulator.set_clock(
                at_ms=at_ms,
                advance_ms=advance_ms,
                freeze=True if freeze else (False if unfreeze else None),
            )
        else:
            shown = emulator.clock()
    if json:
        typer.echo(encode_json(shown, indent=2))
        return
    offset = int(shown["offsetMs"])
    _fields(
        [
            ("now", f"{_time(int(shown['now']))} ({shown['now']})"),
            ("frozen", "yes" if shown["frozen"] else "no"),
            ("offset", f"{format_duration(offset)} ({offset:+d} ms)"),
        ]
    )
