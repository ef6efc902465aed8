"""How many guest passwords a client may try on a room, counted by every server process.

A meeting's password has four digits, so guesses must be scarce; but a limit that closes
the room to everyone would let anyone close a room by guessing. So wrong passwords are
counted per client (its address, see ``devices.peer``) and room code, in the store, where
every process sees one count:

- A client may give ``PER_CLIENT`` wrong passwords for a room in a window of
  ``WINDOW_MS``; then it is refused until its window ends. Other clients are not.
- A room has a ceiling of ``PER_ROOM`` wrong passwords per window from all clients
  together. Past it, a client that already gave this room a wrong password in its window
  is refused; a client that has not still gets its try. A guess then costs an attacker a
  fresh address, and no one can shut out a guest who types the right password.

A process lets one attempt per client and room run at a time (the others wait their
turn), so a burst of parallel joins cannot slip under the limit; with several processes
at most one per process runs at once. Unknown room codes are counted like real ones: the
answers must not tell which rooms exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from confplane.domain.clock import Clock
from confplane.domain.errors import DomainError, WrongMeetingPassword
from confplane.domain.storage import Store

PER_CLIENT = 10
PER_ROOM = 100
WINDOW_MS = 10 * 60 * 1000
# The longest key kept: a longer room code or client counts under its first part (no
# room code is that long, so nothing real is confused).
KEY_CHARS = 64
# Windows that ended are deleted at most this often (by the process that counts next).
PRUNE_EVERY_MS = 5 * 60 * 1000


class TooManyGuesses(DomainError):
    """This client gave this room too many wrong passwords lately."""


class _Turn:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class GuestAttempts:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        per_client: int = PER_CLIENT,
        per_room: int = PER_ROOM,
        window_ms: int = WINDOW_MS,
    ) -> None:
        self._store = store
        self._clock = clock
        self.per_client = per_client
        self.per_room = per_room
        self.window_ms = window_ms
        self._turns: dict[tuple[str, str], _Turn] = {}
        self._next_prune = 0

    @asynccontextmanager
    async def attempt(self, room_code: str, client: str) -> AsyncIterator[None]:
        """One guest join of ``client`` on ``room_code`` runs inside: ``TooManyGuesses``
        when the client may not try now; a ``WrongMeetingPassword`` raised inside is
        counted (and raised on)."""
        key = (room_code[:KEY_CHARS], client[:KEY_CHARS])
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                await self._check(*key)
                try:
                    yield
                except WrongMeetingPassword:
                    await self._count_wrong(*key)
                    raise
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[key]

    async def _check(self, room_code: str, client: str) -> None:
        now = self._clock.now_ms()
        async with self._store.read() as tx:
            mine, room = await tx.guest_attempts.wrong_counts(
                room_code, client, now, now + self.window_ms
            )
        if mine >= self.per_client or (room >= self.per_room and mine > 0):
            raise TooManyGuesses("too many wrong passwords for this room; try again later")

    async def _count_wrong(self, room_code: str, client: str) -> None:
        now = self._clock.now_ms()
        prune = now >= self._next_prune or now < self._next_prune - PRUNE_EVERY_MS
        if prune:
            self._next_prune = now + PRUNE_EVERY_MS
        async with self._store.write() as tx:
            await tx.guest_attempts.count_wrong(room_code, client, now, now + self.window_ms)
        if prune:
            async with self._store.write() as tx:
                await tx.guest_attempts.prune(now)
