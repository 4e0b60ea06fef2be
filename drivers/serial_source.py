"""SerialSource: gate events from a serial port, surviving a pulled cable without losing an event.

Opened by spec (DESIGN.md, "CLI contract"): `serial:/dev/ttyUSB0?protocol=alge-timy&baud=9600`; the
protocol defaults to gateline and the baud rate to the protocol's own (gates.protocols). The port is
read with pyserial-asyncio-fast (https://github.com/home-assistant-libs/pyserial-asyncio-fast): the
event loop wakes on readable bytes, no polling thread.

If the port goes away (cable pulled: EIO, the device node vanishes, the port is closed under us) the
source reports `reconnecting` and reopens it with backoff. On reopening a gateline port it asks each
gate to resend from the last seq it saw (`$GR`), drops what arrives twice and holds events back until
the holes are filled (drivers.recovery), so nothing downstream sees a gap or a reordering; a gate
that restarts (its seq and clock from 0) is taken up on its new numbering, the status says so, and its
new clock is tied to its old one through the host's (drivers.clock_bridge). A timer that keeps its
impulses in memory (ALGE, Microgate) is sent the protocol's resend request instead (`RSM`, the static
request): the decoder drops what it had already and what was missed arrives late. A reader that fell
behind (the loop busy for seconds) loses nothing: each read is taken frame by frame in the order the
gates sent it, and no hole ages while bytes wait unread, as the answer may be among them. A format
without resend cannot get back what was sent while the cable was out: the source counts that gap
and says so. Flow control and a set-up string to send on opening come from the protocol too. A port that does not exist, is busy or may not be opened is a status with a plain
reason, never an exception; the source keeps trying, as the coach may plug the adapter in late.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial

import serial
import serial_asyncio_fast

from drivers.clock_bridge import ClockBridge
from drivers.port_errors import diagnose, strerror
from drivers.recovery import Recovery
from drivers.registry import Spec, decoder_options
from drivers.source import Source, State
from gates import gateline, protocols
from gates.codec import GateStatus, ResendRequest
from gates.events import GateEvent

OPTIONS = {"protocol": f"wire format: {', '.join(sorted(protocols.PROTOCOLS))}; default gateline",
           "baud": "bits per second; default the protocol's own",
           "numbering": "alge-timy: start (start numbers), impulse (the timer's running count) or auto; default auto"}
BACKOFF_S = (0.1, 1.0)  # first retry, longest wait between retries
TICK_S = 0.2  # how often open holes are looked at (asked again, given up)
STATUS_EVERY_NS = 250_000_000  # the fastest a changing dropped-bytes count is republished


class SerialSource(Source):
    def __init__(self, port: str, *, protocol: str = "gateline", baud: int | None = None,
                 name: str | None = None, backoff_s: tuple[float, float] = BACKOFF_S,
                 decoder_options: dict[str, str] | None = None,
                 clock: Callable[[], int] = time.monotonic_ns) -> None:
        """`clock` is the host clock arrivals are stamped with, in ns (the monotonic clock; a test passes
        one on its simulation's time)."""
        super().__init__(name or f"serial:{port}")
        self._clock = clock
        self.port = port
        self.protocol = protocols.get(protocol)
        self.baud = baud or self.protocol.baud
        self.backoff_s = backoff_s
        self._decoder = self.protocol.decoder(**(decoder_options or {}))
        self.numbering = (decoder_options or {}).get("numbering", self.numbering)
        self._recovery = Recovery(restarts=True) if self.protocol.resends_by_seq else None
        self._bridge = ClockBridge()
        self._epoch_of: dict[int, int] = {}  # id() of an event Recovery holds -> its gate's clock epoch
        self._transport: asyncio.Transport | None = None
        self._down = asyncio.Event()
        self._down_since: int | None = None  # monotonic ns the link was lost, while it is
        self._was_connected = False
        self._closing = False
        self._tasks: list[asyncio.Task] = []
        self._published_ns = 0

    @classmethod
    def from_spec(cls, spec: Spec) -> SerialSource:
        options = spec.take(OPTIONS)
        protocol = options.get("protocol", "gateline")
        try:
            protocols.get(protocol)
        except protocols.UnknownProtocol as err:
            raise spec.error(str(err)) from None
        baud = options.get("baud")
        if baud is not None and not (baud.isdigit() and int(baud) > 0):
            raise spec.error(f"baud must be a positive whole number, not {baud!r}")
        return cls(spec.target, protocol=protocol, baud=int(baud) if baud else None, name=spec.name,
                   decoder_options=decoder_options(spec, protocols.get(protocol), options))

    def resume(self, seen: Iterable[tuple[int, int]], baselines: Iterable[tuple[int, int]] = ()) -> None:
        if self._recovery is not None:
            self._recovery.seed(seen, baselines)

    # -- life cycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Try the port once (the status says how it went), then keep the link up in the background."""
        self._closing = False
        await self._connect()
        self._tasks = [asyncio.create_task(self._supervise(), name=f"{self.name} link")]
        if self._recovery is not None:
            self._tasks.append(asyncio.create_task(self._tick(), name=f"{self.name} recovery"))

    async def close(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        transport = self._transport
        if transport is not None:
            transport.abort()
            await self._down.wait()  # the port is closed: it can be opened again at once
        if self._recovery is not None:
            self._pass_on(self._recovery.flush())
        self._publish(state=State.CLOSED, reason="", **self._counts())
        self._finish()

    async def _supervise(self) -> None:
        delay = self.backoff_s[0]
        while True:
            if self._transport is not None:
                await self._down.wait()
                delay = self.backoff_s[0]
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_s[1])
            await self._connect()

    async def _connect(self) -> bool:
        loop = asyncio.get_running_loop()
        opening = loop.run_in_executor(None, partial(serial.serial_for_url, self.port, baudrate=self.baud,
                                                     exclusive=True, rtscts=self.protocol.rtscts))
        try:
            port = await asyncio.shield(opening)
        except asyncio.CancelledError:  # closed while the port was opening: do not leak it
            opening.add_done_callback(lambda f: f.cancelled() or f.exception() or f.result().close())
            raise
        except (serial.SerialException, OSError, ValueError) as err:
            state, reason = diagnose(self.port, err, self._was_connected)
            if (state, reason) != (self.status.state, self.status.reason):
                self._publish(state=state, reason=reason)
            return False
        transport, _ = await serial_asyncio_fast.connection_for_serial(loop, lambda: _Link(self), port)
        self._transport = transport
        if self.protocol.setup:
            transport.write(self.protocol.setup)
        self._down.clear()
        self._up(self._clock())
        return True

    def _up(self, now: int) -> None:
        reason = ""
        gaps = self.status.gaps
        if self._was_connected and self._down_since is not None:
            outage = f"{(now - self._down_since) / 1e9:.1f} s"
            if self._recovery is not None:
                reason = f"reconnected after {outage}; asking the gates to resend"
            elif self.protocol.resend_request:
                reason = f"reconnected after {outage}; asking the timer for what it stored"
            else:
                gaps += 1
                reason = (f"reconnected after {outage}; {self.protocol.name} cannot resend, so events in "
                          "that time are lost")
        asks_memory = self._was_connected and self._down_since is not None and bool(self.protocol.resend_request)
        self._was_connected = True
        self._down_since = None
        self._publish(state=State.CONNECTED, reason=reason, gaps=gaps, **self._counts())
        if self._recovery is not None:
            self._send(self._recovery.connected(now))
        elif asks_memory and self._transport is not None:
            self._transport.write(self.protocol.resend_request)

    def _link_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._down.set()
        now = self._clock()
        self._frames(self._decoder.finish(now), now)  # a line cut off ends here
        if self._closing:
            return
        self._down_since = self._clock()
        if self._recovery is not None:
            self._recovery.disconnected()
        why = strerror(exc) if exc is not None else "closed"
        self._publish(state=State.RECONNECTING, reason=f"port lost ({why}); reconnecting")

    # -- bytes in -------------------------------------------------------------------------------

    def _bytes(self, data: bytes) -> None:
        """One read, frame by frame as the gates sent them: a read may hold seconds of gate time (the
        loop was busy), and a heartbeat taken after events sent later would look like a restart."""
        now = self._clock()
        self._frames(self._decoder.feed_in_order(data, now), now)

    def _frames(self, frames: list, now: int) -> None:
        recovery = self._recovery
        restarts = len(recovery.restarted) if recovery is not None else 0
        behind: bool | None = None  # whether more waits unread: asked of the port once, at a heartbeat
        for frame in frames:
            if isinstance(frame, GateEvent):
                if recovery is None:
                    self._emit(frame)
                else:
                    self._event(frame, now)
            elif isinstance(frame, GateStatus):
                if behind is None:
                    behind = self._behind()
                self._heartbeat(frame, now, fresh=not behind)
        if recovery is not None and len(recovery.restarted) != restarts:
            self._publish(reason=f"gate {recovery.restarted[-1]} restarted: its seq and clock start over",
                          **self._counts())
        if (self._decoder.dropped_bytes != self.status.dropped_bytes
                and now - self._published_ns >= STATUS_EVERY_NS):
            self._publish_counts(now)

    def _event(self, event: GateEvent, now: int) -> None:
        recovery = self._recovery
        assert recovery is not None
        restarted, duplicates = len(recovery.restarted), recovery.duplicates
        released, asks = recovery.event(event, now)
        if len(recovery.restarted) != restarted:
            self._bridge.restarted(event.gate)
        if recovery.duplicates == duplicates:  # held or passed on: remember which clock it is on
            self._epoch_of[id(event)] = self._bridge.epoch(event.gate)
            self._bridge.sample(event.gate, event.device_us, now, fresh=False)
        self._pass_on(released)
        self._send(asks)

    def _heartbeat(self, status: GateStatus, now: int, fresh: bool) -> None:
        """`fresh`: read as it was sent (nothing waits unread), so its clock may pin the gate's."""
        if self._recovery is not None:
            restarted = len(self._recovery.restarted)
            released, asks = self._recovery.heartbeat(status.gate, status.last_seq, now, status.device_us)
            if len(self._recovery.restarted) != restarted:
                self._bridge.restarted(status.gate)
            self._bridge.sample(status.gate, status.device_us, now, fresh=fresh)
            self._pass_on(released)
            self._send(asks)
        self._publish_gate(status.gate, last_heartbeat_ns=now, battery_pct=status.battery_pct,
                           last_seq=status.last_seq, **self._counts())

    def _behind(self) -> bool:
        """Bytes wait unread in the port: what has been read is not what the gates send now."""
        port = self._transport.serial if self._transport is not None else None
        try:
            return port is not None and port.in_waiting > 0
        except (serial.SerialException, OSError):
            return False  # the port is going away: its loss is reported by the transport

    async def _tick(self) -> None:
        recovery = self._recovery
        assert recovery is not None
        while True:
            await asyncio.sleep(TICK_S)
            if self._transport is None or self._behind():
                continue  # answers to what was asked may be among the bytes not read yet: no hole ages
            lost = recovery.lost
            released, asks = recovery.tick(self._clock())
            self._pass_on(released)
            self._send(asks)
            if recovery.lost != lost:
                self._publish_counts(self._clock())

    def _pass_on(self, events: list[GateEvent]) -> None:
        for event in events:
            epoch = self._epoch_of.pop(id(event), 0)
            if epoch:  # from a gate that restarted: on its first clock, if the host can tell where that is
                mapped = self._bridge.to_first(event.gate, epoch, event.device_us)
                if mapped is not None:
                    event = replace(event, device_us=mapped)
            self._emit(event)

    def _send(self, asks: list[ResendRequest]) -> None:
        transport = self._transport
        if transport is None or not asks:
            return
        transport.write(b"".join(gateline.encode_resend(a.gate, a.from_seq) for a in asks))

    def _counts(self) -> dict[str, int]:
        lost = self._recovery.lost if self._recovery is not None else self.status.lost_events
        return {"dropped_bytes": self._decoder.dropped_bytes, "dropped_frames": self._decoder.dropped_frames,
                "lost_events": lost}

    def _publish_counts(self, now: int) -> None:
        self._published_ns = now
        self._publish(**self._counts())


class _Link(asyncio.Protocol):
    """The asyncio side of the port: hands bytes and the loss of the port to the source."""

    def __init__(self, source: SerialSource) -> None:
        self._source = source

    def data_received(self, data: bytes) -> None:
        self._source._bytes(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._source._link_lost(exc)
