"""The one interface every event source offers, so nothing downstream cares where events come from.

    async with source:
        async for event in source.events():
            ...

and, beside it, `source.statuses()`: connected / reconnecting / error with a reason, last heartbeat,
battery and dropped counts (as python-can's `Bus` hides its interfaces).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from enum import StrEnum

from gates.events import GateEvent


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


class Source:
    """Base for sources: a bounded event queue and a status stream fed by the subclass's I/O task."""

    def __init__(self, name: str, queue_size: int = 65536) -> None:
        self.name = name
        self._events: asyncio.Queue[GateEvent | None] = asyncio.Queue(queue_size)
        self._statuses: asyncio.Queue[SourceStatus] = asyncio.Queue()
        self.status = SourceStatus(name, State.CONNECTING)

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

    async def statuses(self) -> AsyncIterator[SourceStatus]:
        while True:
            status = await self._statuses.get()
            yield status
            if status.state is State.CLOSED:
                return

    def _publish(self, **changes: object) -> None:
        self.status = replace(self.status, **changes)
        self._statuses.put_nowait(self.status)

    def _emit(self, event: GateEvent) -> None:
        self._events.put_nowait(event)

    def _finish(self) -> None:
        """No more events: end `events()` for its consumer."""
        self._events.put_nowait(None)
