"""BleSource: gate events from Bluetooth LE gates, on bleak, each gate's clock aligned to the session's.

Opened by spec (DESIGN.md, "CLI contract"): `ble:AA:BB:CC:DD:EE:FF` or `ble:name=GATE-*` (a shell
pattern on the advertised name), several entries separated by commas; that is the allow-list, and a
device on no entry is never connected, however it advertises. Option `?samples=N`: clock samples
asked of each gate per second (default 10).

It scans with bleak's public API (`BleakScanner`, `BleakClient`, https://bleak.readthedocs.io), and
for every allowed gate it sees: connects, subscribes to the event and status characteristics of the
gate profile (gates/bleprofile.py, docs/ble-gate-profile.md), and decodes them. Each gate runs its
own clock, and BLE delivers late by a connection interval or more, so every peripheral's clock is
mapped onto the host's monotonic clock by ClockSync (gates/clocksync.py), fed by the status records
and by time samples the source asks for; events leave here with `device_us` on that session clock
(the gate's own reading stays in `raw`). A peripheral serving several gates is one clock.

When a gate drops, its status says `reconnecting`; the source reconnects with backoff when the gate
advertises again and asks it to resend from the last seq it had, dropping what comes twice and
holding events back until the holes are filled (drivers.recovery): zero events lost across a drop.
A gate that rebooted (its clock went back) starts a new clock epoch and a new seq baseline.
`radio` replaces the platform's Bluetooth stack (bleak's `backend=`), e.g. with the bumble
simulator's; it is powered on with the source and closed with it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, Protocol

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from drivers.recovery import Recovery
from drivers.registry import Spec
from drivers.source import Source, SourceStatus, State
from gates.bleprofile import (
    CONTROL_UUID, EVENT_UUID, SERVICE_UUID, STATUS_UUID, ProfileDecoder, encode_resend, encode_time_request,
)
from gates.clocksync import ClockState, ClockSync
from gates.codec import ResendRequest
from gates.events import GateEvent

OPTIONS = {"samples": "clock samples asked of each gate per second (0-50; default 10)"}
SAMPLES_PER_S = 10.0  # enough fast deliveries to pin each clock to well under a millisecond
FAST_START_S = 60.0  # a new clock is sampled faster for this long: its drift is not pinned yet
FAST_START_FACTOR = 2.5
BACKOFF_S = (0.25, 4.0)  # first retry, longest wait between retries
CONNECT_TIMEOUT_S = 10.0
TICK_S = 0.2  # how often open holes are looked at (asked again, given up)
REBOOT_BACK_US = 1_000_000  # a status this far behind the last one: the gate's clock restarted
STATUS_EVERY_NS = 1_000_000_000  # per-gate statuses at most this often (samples come at 10 Hz)
_ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


class Radio(Protocol):
    """What BleSource needs of a replacement Bluetooth stack (simulators.ble_backend.BumbleRadio)."""

    scanner_backend: type[BaseBleakScanner]
    client_backend: type[BaseBleakClient]

    async def power_on(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AllowList:
    """Which peripherals may be connected: exact addresses, or shell patterns on the advertised name."""

    addresses: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, target: str) -> AllowList:
        """`AA:BB:CC:DD:EE:FF`, `name=GATE-*`, or several of them separated by commas."""
        addresses, names = set(), []
        for entry in (e.strip() for e in target.split(",")):
            if entry.startswith("name="):
                pattern = entry[5:]
                if not pattern:
                    raise ValueError("name= needs a pattern, e.g. name=GATE-*")
                names.append(pattern)
            elif _ADDRESS.match(entry):
                addresses.add(entry.upper())
            else:
                raise ValueError(f"{entry!r} is neither a Bluetooth address (AA:BB:CC:DD:EE:FF) nor name=PATTERN")
        return cls(frozenset(addresses), tuple(names))

    def allows(self, address: str, name: str | None) -> bool:
        if address.upper() in self.addresses:
            return True
        return name is not None and any(fnmatchcase(name, pattern) for pattern in self.names)

    def __str__(self) -> str:
        return ", ".join(sorted(self.addresses) + [f"name={p}" for p in self.names])


class NotAGate(Exception):
    """An allowed peripheral that does not serve the gate profile."""


@dataclass(slots=True)
class _Link:
    """One peripheral: its connection's life, its gates' bookkeeping, its clock's last reading."""

    address: str
    name: str | None
    device: BLEDevice
    seen: asyncio.Event = field(default_factory=asyncio.Event)  # advertising again
    recovery: Recovery = field(default_factory=Recovery)
    gates: set[int] = field(default_factory=set)
    state: State = State.CONNECTING
    reason: str = ""
    last_clock_us: int | None = None  # the latest status's device time: a reboot goes back
    clock_since_ns: int | None = None  # host time of the first status of this clock (epoch)
    outbox: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    published_ns: dict[int, int] = field(default_factory=dict)
    task: asyncio.Task | None = None

    def label(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address


class BleSource(Source):
    def __init__(self, allow: AllowList | str, *, name: str | None = None, radio: Radio | None = None,
                 clock: Callable[[], int] = time.monotonic_ns, samples_per_s: float = SAMPLES_PER_S,
                 backoff_s: tuple[float, float] = BACKOFF_S, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.allow = AllowList.parse(allow) if isinstance(allow, str) else allow
        super().__init__(name or f"ble:{self.allow}")
        self.radio = radio
        self.clock = clock
        self.samples_per_s = samples_per_s
        self.backoff_s = backoff_s
        self.connect_timeout_s = connect_timeout_s
        self.clocks = ClockSync()
        self.decoder = ProfileDecoder()
        self.ignored: set[str] = set()  # addresses seen advertising that no entry allows
        self._links: dict[str, _Link] = {}
        self._resume: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}  # gate -> seen, baseline
        self._tasks: list[asyncio.Task] = []
        self._closing = False

    @classmethod
    def from_spec(cls, spec: Spec, *, radio: Radio | None = None) -> BleSource:
        """`radio`: the BLE stack to use instead of the system's (a simulated one, in tests and demos)."""
        options = spec.take(OPTIONS)
        try:
            allow = AllowList.parse(spec.target)
        except ValueError as err:
            raise spec.error(str(err)) from None
        samples = options.get("samples", str(SAMPLES_PER_S))
        try:
            rate = float(samples)
        except ValueError:
            rate = -1.0
        if not 0 <= rate <= 50:
            raise spec.error(f"samples must be a number from 0 to 50 per second, not {samples!r}")
        return cls(allow, name=spec.name, samples_per_s=rate, radio=radio)

    def resume(self, seen: Iterable[tuple[int, int]], baselines: Iterable[tuple[int, int]] = ()) -> None:
        """Applied to each gate when it is first heard: which peripheral serves it is not known before."""
        for gate, seq in seen:
            self._resume.setdefault(gate, ([], []))[0].append((gate, seq))
        for gate, seq in baselines:
            self._resume.setdefault(gate, ([], []))[1].append((gate, seq))

    def clock_state(self, gate: int) -> ClockState | None:
        """How well the gate's clock is pinned (for the dashboard's gate strip), once it has reported."""
        for link in self._links.values():
            if gate in link.gates and link.address in self.clocks.clocks():
                return self.clocks.state(link.address)
        return None

    # -- life cycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        self._closing = False
        self._publish(state=State.CONNECTING, reason=f"scanning for {self.allow}")
        self._tasks = [asyncio.create_task(self._scan(), name=f"{self.name} scan")]

    async def close(self) -> None:
        self._closing = True
        tasks = self._tasks + [link.task for link in self._links.values() if link.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        for link in self._links.values():
            self._pass_on(link.recovery.flush())
        if self.radio is not None:
            await self.radio.close()
        self._publish(state=State.CLOSED, reason="", **self._counts())
        self._finish()

    async def _scan(self) -> None:
        """Keep a scanner running (retrying if the adapter is missing) for as long as the source is open."""
        delay = self.backoff_s[0]
        powered = False
        while True:
            try:
                if self.radio is not None and not powered:
                    await self.radio.power_on()
                    powered = True
                scanner = BleakScanner(self._advertised, backend=self.radio.scanner_backend if self.radio else None)
                await scanner.start()
            except (BleakError, OSError) as err:
                reason = _no_bluetooth(err)
                if (State.ERROR, reason) != (self.status.state, self.status.reason):
                    self._publish(state=State.ERROR, reason=reason)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_s[1])
                continue
            try:
                await asyncio.Event().wait()  # until the source closes
            finally:
                await asyncio.shield(scanner.stop())

    def _advertised(self, device: BLEDevice, adv: AdvertisementData) -> None:
        address = device.address.upper()
        link = self._links.get(address)
        if link is None:
            if not self.allow.allows(address, adv.local_name):
                self.ignored.add(address)
                return
            self.ignored.discard(address)  # its name came later, in a scan response
            link = self._links[address] = _Link(address, adv.local_name, device)
            link.task = asyncio.create_task(self._keep(link), name=f"{self.name} {address}")
        link.device = device
        link.name = adv.local_name or link.name
        link.seen.set()

    # -- one peripheral ---------------------------------------------------------------------------

    async def _keep(self, link: _Link) -> None:
        await keep_connected(link, self._serve, self._set_state, self.backoff_s, NotAGate)

    async def _serve(self, link: _Link) -> None:
        lost = asyncio.Event()
        client = BleakClient(link.device, lambda _client: lost.set(), timeout=self.connect_timeout_s,
                             backend=self.radio.client_backend if self.radio else None)
        await client.connect()
        writer = None
        try:
            if client.services.get_service(SERVICE_UUID) is None:
                raise NotAGate(f"{link.label()} does not serve the gate profile; not using it")
            await client.start_notify(EVENT_UUID, lambda _c, data: self._event_data(link, data))
            await client.start_notify(STATUS_UUID, lambda _c, data: self._status_data(link, data))
            self._send(link, link.recovery.connected(self.clock()))
            self._status_data(link, await client.read_gatt_char(STATUS_UUID))
            writer = asyncio.create_task(self._write(link, client), name=f"{self.name} {link.address} writer")
            self._set_state(link, State.CONNECTED, "")
            await lost.wait()
        finally:
            if writer is not None:
                writer.cancel()
                await asyncio.gather(writer, return_exceptions=True)
            link.recovery.disconnected()
            while not link.outbox.empty():
                link.outbox.get_nowait()
            if client.is_connected:
                await asyncio.shield(client.disconnect())

    async def _write(self, link: _Link, client: BleakClient) -> None:
        """The one writer on a connection: resend requests as they come, time samples and the recovery
        tick on the clock. A clock heard for less than FAST_START_S is sampled faster."""
        sample = encode_time_request()
        next_tick = 0.0
        loop = asyncio.get_running_loop()
        while True:
            rate = self.samples_per_s
            if link.clock_since_ns is None or self.clock() - link.clock_since_ns < FAST_START_S * 1e9:
                rate *= FAST_START_FACTOR
            try:
                ask = await asyncio.wait_for(link.outbox.get(), 1.0 / rate if rate > 0 else TICK_S)
            except asyncio.TimeoutError:
                ask = None
            if ask is not None or rate > 0:
                try:  # a resend ask with response; a time sample without (one lost is no loss)
                    await client.write_gatt_char(CONTROL_UUID, ask or sample, response=ask is not None)
                except BleakError:
                    pass  # the link is going (its loss ends this task), or a write failed: asks are retried
            if loop.time() >= next_tick:
                next_tick = loop.time() + TICK_S
                released, asks = link.recovery.tick(self.clock())
                self._pass_on(released)
                self._send(link, asks)

    def _send(self, link: _Link, asks: list[ResendRequest]) -> None:
        for ask in asks:
            link.outbox.put_nowait(encode_resend(ask.gate, ask.from_seq))

    # -- records in -------------------------------------------------------------------------------

    def _event_data(self, link: _Link, data: bytearray) -> None:
        now = self.clock()
        for event in self.decoder.feed(bytes(data), now):
            released, asks = link.recovery.event(self.clocks.align(link.address, event), now)
            self._pass_on(released)
            self._send(link, asks)

    def _status_data(self, link: _Link, data: bytearray) -> None:
        now = self.clock()
        status = self.decoder.feed_status(bytes(data), now)
        if status is None:
            return
        if link.last_clock_us is not None and status.device_us < link.last_clock_us - REBOOT_BACK_US:
            self._rebooted(link)
        link.last_clock_us = status.device_us
        if link.clock_since_ns is None:
            link.clock_since_ns = now
        self.clocks.add(link.address, status.device_us, now)
        if status.gate not in link.gates:
            self._first_heard(link, status.gate, now)
        released, asks = link.recovery.heartbeat(status.gate, status.last_seq, now)
        self._pass_on(released)
        self._send(link, asks)
        if now - link.published_ns.get(status.gate, -STATUS_EVERY_NS) >= STATUS_EVERY_NS:
            link.published_ns[status.gate] = now
            self._gate_status(link, status.gate, last_heartbeat_ns=now, battery_pct=status.battery_pct,
                              last_seq=status.last_seq)

    def _first_heard(self, link: _Link, gate: int, now: int) -> None:
        """A gate this link had not reported yet: in a resumed session, ask it for what we missed."""
        link.gates.add(gate)
        resumed = self._resume.pop(gate, None)
        if resumed is not None:
            seen, baselines = resumed
            link.recovery.seed(seen, baselines)
            self._send(link, [a for a in link.recovery.connected(now) if a.gate == gate])

    def _rebooted(self, link: _Link) -> None:
        """Its clock went back: a reboot. Its buffer and seq numbering started over."""
        self._pass_on(link.recovery.flush())
        lost = link.recovery.lost
        link.recovery = Recovery()
        link.recovery.lost = lost
        link.gates.clear()
        link.clock_since_ns = None
        self._set_state(link, State.CONNECTED, f"{link.label()} restarted: its clock and seq start over")

    def _pass_on(self, events: list[GateEvent]) -> None:
        for event in events:
            self._emit(event)

    # -- statuses ---------------------------------------------------------------------------------

    def _set_state(self, link: _Link, state: State, reason: str) -> None:
        if self._closing:
            return
        link.state, link.reason = state, reason
        for gate in sorted(link.gates):
            self._gate_status(link, gate)
        links = list(self._links.values())
        up = sum(1 for x in links if x.state is State.CONNECTED)
        summary = f"{up} of {len(links)} gate{'s' if len(links) != 1 else ''} connected"
        if reason:
            summary += f"; {link.label()}: {reason}"
        overall = State.CONNECTED if up else (State.ERROR if all(x.state is State.ERROR for x in links)
                                              else State.RECONNECTING)
        self._publish(state=overall, reason=summary, **self._counts())

    def _gate_status(self, link: _Link, gate: int, **changes: Any) -> None:
        base = self.gate_status.get(gate) or SourceStatus(self.name, link.state, gate=gate)
        status = replace(base, **changes, **self._counts(), state=link.state, reason=link.reason or link.label())
        self.gate_status[gate] = status
        self._put_status(status)

    def _counts(self) -> dict[str, int]:
        return {"dropped_bytes": self.decoder.dropped_bytes, "dropped_frames": self.decoder.dropped_frames,
                "lost_events": sum(link.recovery.lost for link in self._links.values())}


def _no_bluetooth(err: BaseException) -> str:
    """Why scanning could not start, in words a coach can act on."""
    if isinstance(err, OSError):  # bleak on Linux talks to BlueZ over the system D-Bus
        return (f"cannot reach the system's Bluetooth service (is bluetoothd running?): "
                f"{err.strerror or err}; retrying")
    return f"no Bluetooth: {err or type(err).__name__}; retrying"


async def keep_connected(link: Any, serve: Callable[[Any], Any], set_state: Callable[[Any, State, str], None],
                         backoff_s: tuple[float, float], wrong_device: type[Exception]) -> None:
    """A peripheral (a gate, a strap) connected whenever it is in range: at each advertisement
    (`link.seen`) connect and `serve` it; after a drop, back off and retry. `wrong_device` (it serves
    nothing of ours) ends it for good, as an ERROR."""
    delay = backoff_s[0]
    while True:
        await link.seen.wait()
        link.seen.clear()
        try:
            await serve(link)
            delay = backoff_s[0]
            set_state(link, State.RECONNECTING, "link lost; reconnecting")
        except wrong_device as err:
            set_state(link, State.ERROR, str(err))
            return
        except (BleakError, asyncio.TimeoutError, OSError) as err:
            set_state(link, State.RECONNECTING, f"{err or type(err).__name__}; retrying")
        await asyncio.sleep(delay)
        delay = min(delay * 2, backoff_s[1])
