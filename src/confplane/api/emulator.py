"""The emulator controls under /confplane/v1/emulator (admin token; ``--emulator`` only)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TypeVar

from starlette.responses import Response, StreamingResponse

from confplane.api import responses
from confplane.api.endpoint import Call
from confplane.api.query_values import integer
from confplane.demo import seed_demo
from confplane.domain.errors import InvalidParams, NotFound
from confplane.emulator.controls import Emulator
from confplane.emulator.faults import Fault, FaultKind, new_fault
from confplane.emulator.journal import Entry, Filter
from confplane.wire import codec
from confplane.wire import emulator as w
from confplane.wire.errors import Op
from confplane.wire.models import SuccessResponse


def _emulator(call: Call) -> Emulator:
    emulator = call.services.watch.emulator
    assert emulator is not None  # the routes exist only with --emulator
    return emulator


T = TypeVar("T")


async def _optional_body(call: Call, into: type[T], default: T) -> T:
    return codec.decode(raw, into) if (raw := await call.raw()).strip() else default


# -- reset -------------------------------------------------------------------------


async def reset(call: Call) -> w.ResetBody:
    """Back to an empty server (or one holding just the demo org): no orgs, meetings or
    devices, no faults, an empty journal, the configured rate limit, real time."""
    req = await _optional_body(call, w.ResetRequest, w.ResetRequest())
    started = time.perf_counter()
    services = call.services
    services.hub.reset()
    await services.store.reset()
    services.auth.forget_all()
    _emulator(call).reset()
    services.watch.reset_rate_limit()
    demo = await seed_demo(services.directory) if req.demo else None
    took_ms = round((time.perf_counter() - started) * 1000, 3)
    if demo is None:
        return w.ResetBody(took_ms=took_ms)
    users = [w.DemoUserBody(union_id=u.union_id, nick=u.nick) for u in demo.users]
    body = w.DemoBody(
        corp_id=demo.corp_id, app_key=demo.app_key, app_secret=demo.app_secret, users=users
    )
    return w.ResetBody(took_ms=took_ms, demo=body)


# -- faults ------------------------------------------------------------------------


def _fault(fault: Fault) -> w.FaultBody:
    error = (
        w.FaultErrorBody(status=fault.status, code=fault.code, message=fault.message)
        if fault.kind is FaultKind.ERROR
        else None
    )
    return w.FaultBody(
        id=fault.id,
        operation=fault.operation,
        kind=fault.kind.value,
        app_key=fault.app_key,
        conference_id=fault.conference_id,
        error=error,
        latency_ms=fault.latency_ms,
        times=fault.times,
        fraction=fault.fraction,
        seed=fault.seed,
        matched=fault.matched,
        hits=fault.hits,
    )


# The DingTalk operations this server answers: what a fault can match.
OPERATIONS = frozenset(
    value for name, value in vars(Op).items() if name.isupper() and value != Op.ADMIN
)


async def add_fault(call: Call) -> w.FaultBody:
    req = await call.body(w.FaultRequest)
    if req.operation and req.operation not in OPERATIONS:
        raise InvalidParams(f"operation must be one of {', '.join(sorted(OPERATIONS))}")
    if (req.error is not None) + req.drop > 1:
        raise InvalidParams("a fault either answers an error or drops the connection, not both")
    if req.error is not None:
        kind = FaultKind.ERROR
    elif req.drop:
        kind = FaultKind.DROP
    else:
        kind = FaultKind.LATENCY
    fault = new_fault(
        operation=req.operation,
        kind=kind,
        app_key=req.app_key,
        conference_id=req.conference_id,
        status=req.error.status if req.error else None,
        code=req.error.code if req.error else None,
        message=req.error.message if req.error else None,
        latency_ms=req.latency_ms,
        times=req.times,
        fraction=req.fraction,
        seed=req.seed,
    )
    return _fault(_emulator(call).faults.add(fault))


async def list_faults(call: Call) -> w.FaultList:
    return w.FaultList(faults=[_fault(f) for f in _emulator(call).faults.list()])


async def clear_faults(call: Call) -> SuccessResponse:
    _emulator(call).faults.clear()
    return SuccessResponse(success=True)


async def delete_fault(call: Call) -> SuccessResponse:
    fault_id = call.path("faultId")
    if not _emulator(call).faults.delete(fault_id):
        raise NotFound(f"fault {fault_id} does not exist")
    return SuccessResponse(success=True)


# -- rate limit --------------------------------------------------------------------


async def get_rate_limit(call: Call) -> w.RateLimitBody:
    return w.RateLimitBody(qps=call.services.watch.rate_limit.qps)


async def set_rate_limit(call: Call) -> w.RateLimitBody:
    req = await call.body(w.RateLimitBody)
    call.services.watch.set_rate_limit(req.qps)
    return w.RateLimitBody(qps=call.services.watch.rate_limit.qps)


# -- journal -----------------------------------------------------------------------


def _entry(entry: Entry) -> w.JournalEntryBody:
    return w.JournalEntryBody(
        seq=entry.seq,
        time=entry.time,
        operation=entry.operation,
        app_key=entry.app_key,
        corp_id=entry.corp_id,
        conference_id=entry.conference_ids[0] if entry.conference_ids else None,
        conference_ids=list(entry.conference_ids) if len(entry.conference_ids) > 1 else None,
        method=entry.method,
        path=entry.path,
        query=entry.query,
        request=entry.request,
        status=entry.status,
        code=entry.code,
        request_id=entry.request_id,
        latency_ms=entry.latency_ms,
        detail=entry.detail,
    )


def _journal_filter(call: Call) -> Filter:
    return Filter(
        operation=call.query("operation") or None,
        app_key=call.query("appKey") or None,
        conference_id=call.query("conferenceId") or None,
        since=integer("since", call.query("since")),
        after_seq=integer("afterSeq", call.query("afterSeq")) or 0,
    )


async def journal(call: Call) -> Response | w.JournalBody:
    """The calls answered (filtered); with ``follow=true`` a stream of them, one JSON
    object a line, that goes on with every new call until the client hangs up."""
    where = _journal_filter(call)
    follow = call.query("follow")
    if follow not in (None, "", "true", "false", "1", "0"):
        raise InvalidParams("follow must be true or false")
    if follow in ("true", "1"):
        return StreamingResponse(
            _follow(_emulator(call), where),
            media_type="application/x-ndjson",
            headers=responses.headers(call.request_id),
        )
    return w.JournalBody(entries=[_entry(e) for e in _emulator(call).journal.entries(where)])


async def _follow(emulator: Emulator, where: Filter) -> AsyncIterator[bytes]:
    async for entry in emulator.journal.follow(where):
        yield codec.encode(_entry(entry)) + b"\n"


async def clear_journal(call: Call) -> SuccessResponse:
    _emulator(call).journal.clear()
    return SuccessResponse(success=True)


# -- clock -------------------------------------------------------------------------


def _clock(call: Call) -> w.ClockBody:
    clock = call.services.clock
    return w.ClockBody(now=clock.now_ms(), frozen=clock.frozen, offset_ms=clock.offset_ms)


async def get_clock(call: Call) -> w.ClockBody:
    return _clock(call)


async def set_clock(call: Call) -> w.ClockBody:
    """``set`` (ms since the epoch), then ``advanceMs``, then ``freeze`` (true: stop the
    clock at the instant it shows; false: let it run on from there)."""
    req = await call.body(w.ClockRequest)
    if req.set is None and req.advance_ms is None and req.freeze is None:
        raise InvalidParams("give set, advanceMs or freeze")
    if req.set is not None and not 0 <= req.set < 2**53:
        raise InvalidParams("set must be milliseconds since 1970 (0 to 2^53)")
    if req.advance_ms is not None and not -(2**40) < req.advance_ms < 2**40:
        raise InvalidParams("advanceMs is out of range")
    clock = call.services.clock
    if req.freeze is True:
        # Stopped first, so that the instant set or reached is exactly the one it shows
        # (a running clock moves between the two steps).
        clock.freeze()
    if req.set is not None:
        clock.set(req.set)
    if req.advance_ms is not None:
        clock.advance(req.advance_ms)
    if req.freeze is False:
        clock.unfreeze()
    # Scheduled meetings whose times the jump passed open or close before the answer.
    await call.services.schedules.catch_up()
    return _clock(call)


async def reset_clock(call: Call) -> w.ClockBody:
    call.services.clock.reset()
    await call.services.schedules.catch_up()
    return _clock(call)
