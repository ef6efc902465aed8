"""Server processes sharing the database, their heartbeats, and the devices of dead ones
(see domain.nodes): the statements behind ``NodeWrites``."""

from __future__ import annotations

from collections.abc import Sequence

from confplane.store.raw import Statement, Table

_BEAT = Statement(
    "INSERT INTO server_nodes (node_id, started_at, heartbeat_at, claimed_until)"
    " VALUES (:node_id, :now, :now, 0)"
    " ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at"
)
# Which processes are dead and free to claim is asked again by the UPDATE itself: two
# claimers never both get a process. PostgreSQL skips rows another claimer holds.
_DEAD = (
    "heartbeat_at < :dead_before AND node_id <> :claimer"
    " AND (claimed_until <= :now OR claimed_by = :claimer)"
)
_CLAIM = Statement(
    f"UPDATE server_nodes SET claimed_by = :claimer, claimed_until = :until"
    f" WHERE {_DEAD} AND node_id IN (SELECT node_id FROM server_nodes WHERE {_DEAD}"
    f" ORDER BY heartbeat_at LIMIT :limit) RETURNING node_id",
    postgres=f"UPDATE server_nodes SET claimed_by = :claimer, claimed_until = :until"
    f" WHERE {_DEAD} AND node_id IN (SELECT node_id FROM server_nodes WHERE {_DEAD}"
    f" ORDER BY heartbeat_at LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING node_id",
)
_STRANDED = Statement(
    "SELECT participant_id, resume_hash FROM devices"
    " WHERE node_id IN (SELECT value FROM json_each(:node_ids)) AND active = TRUE"
    " AND resume_hash IS NOT NULL LIMIT :limit",
    postgres="SELECT participant_id, resume_hash FROM devices"
    " WHERE node_id = ANY(:node_ids) AND active = TRUE"
    " AND resume_hash IS NOT NULL LIMIT :limit",
)
_FORGET = Statement(
    "DELETE FROM server_nodes WHERE node_id IN (SELECT value FROM json_each(:node_ids))"
    " AND claimed_by = :claimer AND NOT EXISTS (SELECT 1 FROM devices"
    " WHERE devices.node_id = server_nodes.node_id AND devices.active = TRUE)"
    " RETURNING 1",
    postgres="DELETE FROM server_nodes WHERE node_id = ANY(:node_ids)"
    " AND claimed_by = :claimer AND NOT EXISTS (SELECT 1 FROM devices"
    " WHERE devices.node_id = server_nodes.node_id AND devices.active = TRUE)"
    " RETURNING 1",
)


class NodeTable(Table):
    """``NodeWrites`` over one connection of a transaction."""

    __slots__ = ()

    async def beat(self, node_id: str, now: int) -> None:
        await self._rows(_BEAT, node_id=node_id, now=now)

    async def claim_dead(
        self, claimer: str, dead_before: int, now: int, until: int, limit: int
    ) -> list[str]:
        rows = await self._rows(
            _CLAIM, claimer=claimer, dead_before=dead_before, now=now, until=until, limit=limit
        )
        return [str(row[0]) for row in rows]

    async def stranded(self, node_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        ids = self._dialect.list_param(node_ids)
        rows = await self._rows(_STRANDED, node_ids=ids, limit=limit)
        return [(str(pid), str(digest)) for pid, digest in rows]

    async def forget(self, claimer: str, node_ids: Sequence[str]) -> int:
        ids = self._dialect.list_param(node_ids)
        return len(await self._rows(_FORGET, claimer=claimer, node_ids=ids))
