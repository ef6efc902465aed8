"""This process's live devices, grouped by meeting, and delivery of commands to them.

Order: every command carries its meeting's sequence number. A channel (one meeting's
devices here) delivers seq N only after N-1; a notification that skips ahead makes the
channel read the gap from the command log (the database is the truth, notifications only
say "meeting X changed, seq N"). Each connection remembers the last seq it was sent, so a
command is never sent twice, and a device that joins or resumes while commands are in
flight gets them from the log in order before any newer one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Coroutine, Iterable, Sequence
from typing import Any

from confplane.devices import protocol
from confplane.devices.connection import REFILL_S, Connection
from confplane.devices.grace import GraceTimers
from confplane.devices.observer import HubObserver, Unobserved
from confplane.devices.protocol import Close
from confplane.domain.clock import Clock, now_ms
from confplane.domain.commands import REPLAY_SLICE, CommandLog
from confplane.domain.errors import DomainError
from confplane.domain.events import Command
from confplane.domain.presence import Joined, PresenceService

log = logging.getLogger("confplane.devices")

DEFAULT_HEARTBEAT_S = 15.0
DEFAULT_GRACE_S = 30.0
JOIN_TIMEOUT_S = 10.0
# A close the peer does not let us send (it is not reading) is forced after this.
CLOSE_TIMEOUT_S = 5.0
STUCK_LIMIT_S = 10.0
PRUNE_EVERY_S = 300.0
SWEEP_SLICE = 500
THAW_EVERY_S = 3600.0


def command_frame(command: Command) -> str:
    return protocol.encode(
        protocol.Command(
            seq=command.seq,
            kind=command.kind,
            conference_id=command.conference_id,
            data=protocol.camel(command.data),
        )
    )


def _targets(command: Command, participant_id: str) -> bool:
    return command.participant_ids is None or participant_id in command.participant_ids


class Channel:
    """The devices of one meeting connected to this process."""

    __slots__ = ("catching_up", "conference_id", "conns", "pk", "seq", "wanted")

    def __init__(self, pk: int, conference_id: str, seq: int) -> None:
        self.pk = pk
        self.conference_id = conference_id
        # Every command up to seq has been delivered to this channel's devices.
        self.seq = seq
        self.wanted = seq
        self.catching_up = False
        self.conns: dict[str, Connection] = {}


class Hub:
    def __init__(
        self,
        presence: PresenceService,
        commands: CommandLog,
        *,
        heartbeat_s: float = DEFAULT_HEARTBEAT_S,
        grace_s: float = DEFAULT_GRACE_S,
        join_timeout_s: float | None = None,
        clock: Clock | None = None,
        observer: HubObserver | None = None,
    ) -> None:
        self.presence = presence
        self.observer: HubObserver = observer or Unobserved()
        self.commands = commands
        self.heartbeat_s = heartbeat_s
        self.grace_s = grace_s
        # A connection must join within this (short heartbeats make it short too).
        self.join_timeout_s = (
            min(JOIN_TIMEOUT_S, heartbeat_s * 3) if join_timeout_s is None else join_timeout_s
        )
        # A device whose writer is stuck this long stopped reading: as long as it may be
        # silent, at most STUCK_LIMIT_S.
        self.stuck_s = min(STUCK_LIMIT_S, heartbeat_s * 3)
        self.channels: dict[int, Channel] = {}
        self.devices: dict[str, Connection] = {}
        self.unjoined: set[Connection] = set()
        self._grace = GraceTimers(clock or Clock(), self._expire)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._stopping = False
        self._attached_since_freeze = 0
        self._thawed_at = 0.0
        # participant id -> (when, frame allowance) of its last connection: a device that
        # comes back (resume) does not get a fresh burst by reconnecting.
        self._allowances: dict[str, tuple[float, float]] = {}

    # -- life cycle --------------------------------------------------------------

    async def start(self, *, sole_process: bool = False) -> None:
        """Start the sweeper. ``sole_process``: no other process can hold devices (SQLite),
        so devices the database shows connected were left by an earlier run of this
        server; they get a grace period to resume here, then leave."""
        if sole_process:
            for pid, digest in await self.presence.resumable_devices():
                self._grace.start(pid, digest, self.grace_s)
        self._thawed_at = self.now()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        """Stop timers and background work. Devices keep their place in the meeting: they
        resume when the server is back (or on another process)."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        self._grace.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def reset(self) -> None:
        """Forget every device (the store was emptied): their sessions end for good."""
        self._grace.clear()
        for conn in [*self.devices.values(), *self.unjoined]:
            conn.end(Close.GONE, "the server was reset", final=True)
        self.devices.clear()
        self.observer.devices_connected(0)
        self.channels.clear()
        self.unjoined.clear()
        self._allowances.clear()

    def resume_all(self, reason: str) -> None:
        """Close every device's connection as a restart does (1012): each resumes (here
        or elsewhere) or learns that its stay has ended."""
        for conn in list(self.devices.values()):
            conn.end(Close.RESTART, reason)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    # -- connections -------------------------------------------------------------

    def opened(self, conn: Connection) -> None:
        self.unjoined.add(conn)

    def attach(self, conn: Connection, joined: Joined, from_seq: int, resumed: bool) -> None:
        """A device joined (or resumed) on ``conn``; send it commands from ``from_seq`` on."""
        pid = joined.device.participant_id
        allowance = self._allowances.pop(pid, None)
        if allowance is not None:
            conn.inherit_allowance(*allowance)
        old = self.devices.get(pid)
        if old is not None and old is not conn:
            # The device came back while its old connection still looked alive.
            self._unregister(old)
            old.end(Close.REPLACED, "the device connected again", final=True)
        self._grace.cancel(pid)
        self.unjoined.discard(conn)
        conference = joined.conference
        conn.participant_id = pid
        conn.conference_pk = conference.id
        conn.conference_id = conference.conference_id
        # A device cannot have seen past the meeting's current seq; trusting a larger
        # lastSeq would only make it skip commands.
        conn.seq = max(0, min(from_seq, joined.seq))
        self.devices[pid] = conn
        self.observer.devices_connected(len(self.devices))
        self._attached_since_freeze += 1
        channel = self.channels.get(conference.id)
        if channel is None:
            channel = self.channels[conference.id] = Channel(
                conference.id, conference.conference_id, joined.seq
            )
            # Commands published before this channel existed were dropped here: look.
            self._catch_up(channel, joined.seq)
        elif channel.seq < joined.seq:
            self._catch_up(channel, joined.seq)
        channel.conns[pid] = conn
        if resumed or channel.seq > conn.seq:
            self._replay(conn)

    def detach(self, conn: Connection) -> None:
        """The connection is gone. Unless its session ended for good, the device keeps its
        place for the grace period and leaves if it has not resumed by then."""
        self.unjoined.discard(conn)
        pid = conn.participant_id
        if pid is None or self.devices.get(pid) is not conn:
            return
        self._allowances[pid] = (conn.last_seen, conn.tokens)
        self._unregister(conn)
        if conn.final or self._stopping:
            return
        self._grace.start(pid, conn.digest, self.grace_s)

    def _unregister(self, conn: Connection) -> None:
        pid = conn.participant_id
        assert pid is not None
        if self.devices.get(pid) is conn:
            del self.devices[pid]
            self.observer.devices_connected(len(self.devices))
        channel = self.channels.get(conn.conference_pk)
        if channel is not None and channel.conns.get(pid) is conn:
            del channel.conns[pid]
            if not channel.conns:
                del self.channels[channel.pk]

    def _expire(self, participant_id: str, digest: str | None) -> None:
        async def leave() -> None:
            # Already gone (kicked, closed, left) is fine.
            with contextlib.suppress(DomainError):
                await self.presence.leave(participant_id, resume_token_digest=digest)

        self._spawn(leave())

    # -- delivery ----------------------------------------------------------------

    def notify(self, conference_pk: int, seq: int, commands: Sequence[Command] = ()) -> None:
        """Meeting ``conference_pk`` has committed commands up to ``seq``. ``commands`` are
        those commands when the caller has them (this process made the change)."""
        channel = self.channels.get(conference_pk)
        if channel is None or seq <= channel.seq:
            return
        for command in commands:
            if command.seq == channel.seq + 1:
                self._deliver(channel, command)
        if channel.seq < seq:
            self._catch_up(channel, seq)

    def publish_local(self, commands: Sequence[Command]) -> None:
        by_meeting: dict[int, list[Command]] = {}
        for command in commands:
            by_meeting.setdefault(command.conference_pk, []).append(command)
        for pk, group in by_meeting.items():
            group.sort(key=lambda c: c.seq)
            self.notify(pk, group[-1].seq, group)

    def refresh_all(self) -> None:
        """Read every meeting's latest commands from the log (after a fan-out outage)."""
        for channel in list(self.channels.values()):
            self._catch_up(channel, channel.seq)

    def _deliver(self, channel: Channel, command: Command) -> None:
        frame = command_frame(command)
        if command.participant_ids is None:
            targets = list(channel.conns.values())
        else:
            targets = [channel.conns[p] for p in command.participant_ids if p in channel.conns]
        channel.seq = command.seq
        sent = 0
        for conn in targets:
            sent += conn.push(command, frame)
        observer = self.observer
        if sent:
            observer.commands_delivered(command.kind, sent)
        if command.created_at:
            observer.fanout_lag(max(0, now_ms() - command.created_at) / 1000)

    def _catch_up(self, channel: Channel, wanted: int) -> None:
        channel.wanted = max(channel.wanted, wanted)
        if not channel.catching_up:
            channel.catching_up = True
            self._spawn(self._run_catch_up(channel))

    async def _run_catch_up(self, channel: Channel) -> None:
        try:
            while True:
                rows = await self.commands.after(channel.pk, channel.conference_id, channel.seq)
                for command in rows:
                    if command.seq > channel.seq:
                        self._deliver(channel, command)
                if len(rows) < REPLAY_SLICE and channel.seq >= channel.wanted:
                    return
                if not rows:
                    return  # notified of more than the log holds: nothing to send
        except Exception:
            log.exception("catching up meeting %s failed", channel.conference_id)
        finally:
            channel.catching_up = False

    def _replay(self, conn: Connection) -> None:
        """Send ``conn`` its commands after conn.seq from the log, then what arrived live
        meanwhile, in seq order."""
        conn.replaying = True
        conn.held = []
        self._spawn(self._run_replay(conn))

    async def _run_replay(self, conn: Connection) -> None:
        pid = conn.participant_id
        assert pid is not None
        try:
            after = conn.seq
            while True:
                rows = await self.commands.after(conn.conference_pk, conn.conference_id, after)
                for command in rows:
                    after = command.seq
                    if _targets(command, pid) and command.seq > conn.seq:
                        conn.take(command, command_frame(command))
                        self.observer.commands_delivered(command.kind, 1)
                if len(rows) < REPLAY_SLICE:
                    break
        except Exception:
            log.exception("replay to device %s failed", pid)
        finally:
            held, conn.held, conn.replaying = conn.held or [], None, False
            for command, frame in held:
                if conn.push(command, frame):
                    self.observer.commands_delivered(command.kind, 1)

    async def replay_to_gone(
        self, conn: Connection, participant_id: str, pk: int, conference_id: str, after: int
    ) -> bool:
        """A device that may not resume gets what it missed (its kick, the close) before
        it is told; True when one of those commands ended its session."""
        conn.participant_id = participant_id
        conn.seq = max(0, after)
        while True:
            rows = await self.commands.after(pk, conference_id, after)
            for command in rows:
                after = command.seq
                if _targets(command, participant_id):
                    conn.take(command, command_frame(command))
                    self.observer.commands_delivered(command.kind, 1)
            if len(rows) < REPLAY_SLICE:
                break
        conn.participant_id = None
        return conn.closing is not None

    # -- housekeeping ------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        interval = max(0.05, min(self.heartbeat_s / 2, 5.0))
        next_prune = self.now() + PRUNE_EVERY_S
        while True:
            await asyncio.sleep(interval)
            try:
                # In slices, so ten thousand devices never hold the loop for long.
                devices = list(self.devices.values())
                for start in range(0, len(devices), SWEEP_SLICE):
                    self.sweep(self.now(), devices[start : start + SWEEP_SLICE], ())
                    await asyncio.sleep(0)
                self.sweep(self.now(), (), list(self.unjoined))
                now = self.now()
                for pid, (seen, _) in list(self._allowances.items()):
                    if now - seen >= REFILL_S:  # refilled by now: nothing to remember
                        del self._allowances[pid]
                self._freeze_new_devices()
                if self.now() >= next_prune:
                    next_prune = self.now() + PRUNE_EVERY_S
                    await self.commands.prune()
            except Exception:
                log.exception("device sweep failed")

    def _freeze_new_devices(self) -> None:
        """Move the objects of newly attached devices out of the garbage collector's sight.

        Each connection is a hundred-odd long-lived objects; with ten thousand devices a
        full collection walks a million of them and stops the loop for half a second
        (measured), which is every command's latency at that moment. Frozen objects are
        still freed by reference counting when their device goes; only reference cycles
        among them would outlive it. A young collection first clears the cycles made
        since the last freeze, and once an hour everything is thawed and collected in
        full, so the rest cannot pile up (one such pause an hour, not one a minute).
        """
        now = self.now()
        if now - self._thawed_at >= THAW_EVERY_S:
            self._thawed_at = now
            gc.unfreeze()
            gc.collect()
            self._attached_since_freeze = 1
        if self._attached_since_freeze:
            self._attached_since_freeze = 0
            gc.collect(1)
            gc.freeze()

    def sweep(
        self,
        now: float,
        devices: Iterable[Connection] | None = None,
        unjoined: Iterable[Connection] | None = None,
    ) -> None:
        """Close silent devices, connections that never joined, and closes that hang
        (all of them, or the ones given)."""
        silent = now - self.heartbeat_s * 3
        for conn in list(self.devices.values()) if devices is None else devices:
            if conn.stuck_for(now) > self.stuck_s:
                conn.kill()  # not reading: its frames go nowhere
            elif conn.closing is not None:
                if now - conn.closing_at > CLOSE_TIMEOUT_S:
                    conn.kill()
            elif conn.last_seen < silent:
                conn.error("heartbeat_timeout", "no frame for too long", close=Close.TIMEOUT)
        late = now - self.join_timeout_s
        for conn in list(self.unjoined) if unjoined is None else unjoined:
            if conn.closing is not None:
                if now - conn.closing_at > CLOSE_TIMEOUT_S:
                    conn.kill()
            elif conn.opened_at < late:
                conn.final = True
                conn.error("join_timeout", "no join frame in time", close=Close.TIMEOUT)
