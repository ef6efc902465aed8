"""Wrong guest passwords per (room code, client) and per room, in windows (see
domain.guest_attempts): one count for every server process."""

from __future__ import annotations

from confplane.store.raw import Statement, Table

# The client key of a room's own count over every client.
ROOM = "*"

_COUNTS = Statement(
    "SELECT client, attempts FROM guest_attempts"
    " WHERE room_code = :room_code AND client IN (:client, :room)"
    " AND window_end > :now AND window_end <= :latest"
)
# The client's row and the room's in one upsert, always in this order (transactions that
# lock both rows lock them alike: no deadlock). A window that is over, or that lies beyond
# a fresh one (the clock was set back), starts again; SET expressions read the old row.
_COUNT_WRONG = Statement(
    "INSERT INTO guest_attempts (room_code, client, attempts, window_end)"
    " VALUES (:room_code, :client, 1, :until), (:room_code, :room, 1, :until)"
    " ON CONFLICT (room_code, client) DO UPDATE SET"
    " attempts = CASE WHEN guest_attempts.window_end <= :now"
    " OR guest_attempts.window_end > :until THEN 1 ELSE guest_attempts.attempts + 1 END,"
    " window_end = CASE WHEN guest_attempts.window_end <= :now"
    " OR guest_attempts.window_end > :until THEN :until ELSE guest_attempts.window_end END",
    postgres="INSERT INTO guest_attempts (room_code, client, attempts, window_end)"
    " VALUES (:room_code, :client, 1, CAST(:until AS BIGINT)),"
    " (:room_code, :room, 1, CAST(:until AS BIGINT))"
    " ON CONFLICT (room_code, client) DO UPDATE SET"
    " attempts = CASE WHEN guest_attempts.window_end <= CAST(:now AS BIGINT)"
    " OR guest_attempts.window_end > CAST(:until AS BIGINT) THEN 1"
    " ELSE guest_attempts.attempts + 1 END,"
    " window_end = CASE WHEN guest_attempts.window_end <= CAST(:now AS BIGINT)"
    " OR guest_attempts.window_end > CAST(:until AS BIGINT) THEN CAST(:until AS BIGINT)"
    " ELSE guest_attempts.window_end END",
)
# PostgreSQL: rows a count holds are skipped (pruned next time), so a prune never waits
# for a count, nor a count for it.
_PRUNE = Statement(
    "DELETE FROM guest_attempts WHERE window_end <= :now RETURNING 1",
    postgres="DELETE FROM guest_attempts WHERE (room_code, client) IN"
    " (SELECT room_code, client FROM guest_attempts WHERE window_end <= :now"
    " FOR UPDATE SKIP LOCKED) RETURNING 1",
)


class GuestAttemptTable(Table):
    """``GuestAttemptReads`` and ``GuestAttemptWrites`` over one connection."""

    __slots__ = ()

    async def wrong_counts(
        self, room_code: str, client: str, now: int, latest: int
    ) -> tuple[int, int]:
        rows = await self._rows(
            _COUNTS, room_code=room_code, client=client, room=ROOM, now=now, latest=latest
        )
        counts = {str(key): int(attempts) for key, attempts in rows}
        return counts.get(client, 0), counts.get(ROOM, 0)

    async def count_wrong(self, room_code: str, client: str, now: int, until: int) -> None:
        await self._rows(
            _COUNT_WRONG, room_code=room_code, client=client, room=ROOM, now=now, until=until
        )

    async def prune(self, now: int) -> int:
        return len(await self._rows(_PRUNE, now=now))
