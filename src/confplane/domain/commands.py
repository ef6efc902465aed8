"""The command log: every command gets the meeting's next sequence number in the
transaction that made the change, so devices see commands in commit order and a device
that reconnects can be sent exactly what it missed."""

from __future__ import annotations

from confplane.domain.clock import now_ms
from confplane.domain.events import Command
from confplane.domain.model import Conference
from confplane.domain.storage import Store, Writes

# Commands older than this are pruned; a device must resume within it (and the grace
# period is far shorter).
RETENTION_MS = 3_600_000
REPLAY_SLICE = 500


async def record(
    tx: Writes,
    conference: Conference,
    kind: str,
    participant_ids: tuple[str, ...] | None = None,
    data: dict[str, object] | None = None,
) -> Command:
    """Log one command inside the caller's transaction; publish it after the commit."""
    data = data or {}
    created_at = now_ms()
    seq = await tx.commands.append(conference.id, kind, participant_ids, data, created_at)
    return Command(
        kind=kind,
        conference_pk=conference.id,
        conference_id=conference.conference_id,
        participant_ids=participant_ids,
        data=data,
        seq=seq,
        created_at=created_at,
    )


class CommandLog:
    """Reads of the log for the device hub: catch-up and replay."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def after(
        self, conference_pk: int, conference_id: str, after_seq: int, limit: int = REPLAY_SLICE
    ) -> list[Command]:
        async with self._store.read() as tx:
            return await tx.commands.after(conference_pk, conference_id, after_seq, limit)

    async def prune(self, retention_ms: int = RETENTION_MS) -> int:
        async with self._store.write() as tx:
            return await tx.commands.prune(now_ms() - retention_ms)
