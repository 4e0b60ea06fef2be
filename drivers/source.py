"""The one interface every event source offers, so nothing downstream cares where events come from.

    async with source:
        async for event in source.events():
            ...

and, beside it, `source.statuses()`: connected / reconnecting / error with a reason, last heartbeat,
battery and dropped counts (as python-can's `Bus` hides its interfaces). A source that reads
heart-rate straps (drivers.hr_source) yields its samples from `source.samples()`; every other source
has none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from gates.clocksync import ClockState
from gates.events import GateEvent
from gates.heartrate import HrSample
from gates.protocols import Protocol


class State(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ERROR = "error"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What a source says about its link (and, per gate, about each gate it hears)."""

    source: str
    state: State
    reason: str = ""
    gate: int | None = None
    last_heartbeat_ns: int | None = None
    battery_pct: int | None = None
    dropped_bytes: int = 0
    dropped_frames: int = 0
    lost_events: int = 0  # events the source knows it missed and could not recover
    gaps: int = 0  # link outages whose events a format without resend cannot recover
    last_seq: int | None = None  # per gate: the seq of its latest event, as its heartbeat says
    strap: str | None = None  # per heart-rate strap: its Bluetooth address


class Source:
    """Base for sources: a bounded event queue and a status stream fed by the subclass's I/O task.

    The status stream is bounded too and keeps the newest: a status is a state, so a consumer that
    fell behind needs the latest, not the whole history.

    Optional capabilities are declared here with their defaults, so callers ask every source the
    same way: `protocol` (the wire format whose events it delivers; None: gate ids as they come, the
    gateline way), `numbering` (how reps read the timer's number field: alge-timy's `?numbering=`,
    start numbers, its impulse count, or "auto" to tell), `clock_state` (how well a gate's own clock is pinned; None for shared clocks) and
    `samples()` (heart-rate readings; none for a gate source)."""

    protocol: Protocol | None = None
    numbering: str = "auto"

    def __init__(self, name: str, queue_size: int = 65536, status_queue_size: int = 1024) -> None:
        self.name = name
        self._events: asyncio.Queue[GateEvent | None] = asyncio.Queue(queue_size)
        self._statuses: asyncio.Queue[SourceStatus] = asyncio.Queue(status_queue_size)
        self.status = SourceStatus(name, State.CONNECTING)
        self.gate_status: dict[int, SourceStatus] = {}

    def resume(self, seen: Iterable[tuple[int, int]], baselines: Iterable[tuple[int, int]] = ()) -> None:
        """Before `open`: the (gate, seq) of events a resumed session already stored, and where each
        gate's part of the session began, so a source whose gates can resend asks for what it missed
        while nobody was listening. Sources that cannot resend have nothing to do with it."""

    def clock_state(self, gate: int) -> ClockState | None:
        """How well `gate`'s own clock is tied to the session clock; None where the gates share one."""
        return None

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Source:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def events(self) -> AsyncIterator[GateEvent]:
        """Events in arrival order; ends when the source is closed or exhausted."""
        while (event := await self._events.get()) is not None:
            yield event

    async def batches(self, limit: int = 1024) -> AsyncIterator[list[GateEvent]]:
        """Events in arrival order, as many at a time as have arrived (at most `limit`): a consumer
        that commits to storage pays one commit per batch, not per event."""
        queue = self._events
        while (event := await queue.get()) is not None:
            batch = [event]
            while len(batch) < limit and not queue.empty():
                event = queue.get_nowait()
                if event is None:
                    yield batch
                    return
                batch.append(event)
            yield batch

    async def samples(self) -> AsyncIterator[HrSample]:
        """Heart-rate samples in arrival order; ends when the source closes. None here: only a source
        that reads straps has them."""
        return
        yield

    async def statuses(self) -> AsyncIterator[SourceStatus]:
        while True:
            status = await self._statuses.get()
            yield status
            if status.state is State.CLOSED:
                return

    def _publish(self, **changes: object) -> None:
        self.status = replace(self.status, **changes)
        self._put_status(self.status)

    def _publish_gate(self, gate: int, **changes: object) -> None:
        """What one gate reported (heartbeat, battery): the link's status with that gate's fields."""
        base = self.gate_status.get(gate) or replace(self.status, gate=gate)
        status = replace(base, **changes, state=self.status.state, reason=self.status.reason)
        self.gate_status[gate] = status
        self._put_status(status)

    def _put_status(self, status: SourceStatus) -> None:
        if self._statuses.full():
            self._statuses.get_nowait()
        self._statuses.put_nowait(status)

    def _emit(self, event: GateEvent) -> None:
        self._events.put_nowait(event)

    def _finish(self) -> None:
        """No more events: end `events()` for its consumer."""
        self._events.put_nowait(None)
