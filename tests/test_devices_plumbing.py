"""The lean stand-ins for asyncio.Queue and asyncio.Event under uvicorn's WebSocket
protocol (confplane.devices.uvicorn_ws) behave as uvicorn needs."""

from __future__ import annotations

import asyncio

from confplane.devices.uvicorn_ws import PROTOCOL, Flag, Inbox
from confplane.server import _uvicorn_options


async def test_inbox_hands_out_items_in_order_and_wakes_a_waiting_reader() -> None:
    inbox = Inbox()
    assert inbox.empty()
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert (await inbox.get(), inbox.qsize()) == (1, 1)
    assert await inbox.get() == 2
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put_nowait(3)
    assert await reader == 3 and inbox.empty()


async def test_an_inbox_reader_can_be_cancelled_and_the_inbox_still_works() -> None:
    inbox = Inbox()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    inbox.put_nowait("after")
    assert await inbox.get() == "after"


async def test_flag_waits_until_set_and_passes_while_set() -> None:
    flag = Flag(True)
    assert flag.is_set() and await flag.wait()
    flag.clear()
    waiters = [asyncio.create_task(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    assert await asyncio.gather(*waiters) == [True, True, True]


def test_the_server_runs_devices_on_the_lean_protocol() -> None:
    from confplane.config import Settings

    options = _uvicorn_options(Settings(), "warning")
    assert PROTOCOL is not None and options["ws"] == PROTOCOL
    assert options["ws_per_message_deflate"] is False
