"""A simulated BLE timing gate: a bumble peripheral serving the gate profile, Battery and Device
Information, fed by whatever models the gate (its clock, its beam events) -- the simulator's gate
devices for a whole session (`BleGates`), or a test's own calls to `beam()`.

Source: docs/ble-gate-profile.md (the published profile) and gates/bleprofile.py (its codec, used
here on the encoding side). It behaves as the profile asks a firmware to: it advertises its name and
the gate service, notifies each event as it happens and a status heartbeat every second, keeps its
last 1,024 events and resends them from a seq when the host writes a resend request, and notifies a
status record at once when the host asks for a time sample. `drop()` takes it out of range for a
while: the link is lost, events are only buffered, and it advertises again afterwards; `reboot()`
restarts its clock and seq.

A whole session on the air: `BleGates` (the gates, on a link), `BleSimulation` (plus the host's radio
and clock, in-process at any speed: `gates demo --ble`) and `serve` (`gates simulate --ble`: the
host's side of the radio served as HCI on a unix socket for another process). The gates play either
a session decided in advance (`run`, a SimSession) or one made run by run (`take_turns`, a
TurnSession: whoever the host's rotation says is up runs next, simulators/turns.py).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from bumble import data_types, gatt
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.hci import HCI_CONNECTION_TIMEOUT_ERROR
from bumble.link import LocalLink
from bumble.profiles.battery_service import BatteryService
from bumble.profiles.device_information_service import DeviceInformationService

from gates.bleprofile import (
    CONTROL_UUID, EVENT, EVENT_UUID, SERVICE_UUID, STATUS_UUID, TimeSampleRequest, decode_control, encode_event,
    encode_status,
)
from gates.codec import GateStatus
from gates.events import GateEvent, Kind
from gates.gateline import GatelineDecoder
from simulators.ble_backend import (
    HCI_ENV, BumbleRadio, JitteryLink, LinkTiming, RadioServer, device_on_link, quiet_bumble,
)
from simulators.gate_device import DeviceClock
from simulators.link import Frame
from simulators.session import SessionConfig, SimSession
from simulators.turns import TurnSession, Up, turn_frames

BUFFER_EVENTS = 1024
NO_EVENT_YET = 0xFFFF  # last_seq before the first event: the next one is seq 0
# how often a session taking turns looks whether the host has taken everything in: the start it then
# sends is stamped when it asked, so a late look only delays the notification, not the time
SETTLE_S = 0.005


class BleGate:
    """One gate on the air. `clock()` reads the gate's own clock (device µs) now."""

    def __init__(self, link: LocalLink, gate: int, address: str, clock: Callable[[], int], *,
                 name: str | None = None, battery: Callable[[], int] = lambda: 100,
                 beam_ok: Callable[[], bool] = lambda: True, heartbeat_s: float = 1.0,
                 advertising_interval_ms: float = 100.0) -> None:
        self.gate = gate
        self.name = name or f"GATE-{gate:02d}"
        self.address = address
        self.clock = clock
        self.battery = battery
        self.beam_ok = beam_ok
        self.heartbeat_s = heartbeat_s
        self.device: Device = device_on_link(link, self.name, address)
        self.centrals: list[str] = []  # every central that ever connected, for the allow-list test
        self.buffer: OrderedDict[int, bytes] = OrderedDict()  # seq -> event record, last 1,024
        self.last_seq = NO_EVENT_YET
        self._next_seq = 0
        self._in_range = True
        self._outbox: asyncio.Queue[tuple[gatt.Characteristic, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._advertising_interval_ms = advertising_interval_ms
        self.event_char = gatt.Characteristic(EVENT_UUID, gatt.Characteristic.Properties.NOTIFY,
                                              gatt.Characteristic.READABLE, b"")
        self.status_char = gatt.Characteristic(
            STATUS_UUID, gatt.Characteristic.Properties.READ | gatt.Characteristic.Properties.NOTIFY,
            gatt.Characteristic.READABLE, gatt.CharacteristicValue(read=lambda _conn: self.status_record()))
        self.control_char = gatt.Characteristic(
            CONTROL_UUID,
            gatt.Characteristic.Properties.WRITE | gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            gatt.Characteristic.WRITEABLE, gatt.CharacteristicValue(write=self._on_control))
        self.device.add_services([
            gatt.Service(SERVICE_UUID, [self.event_char, self.status_char, self.control_char]),
            BatteryService(lambda _conn: self.battery()),
            DeviceInformationService(manufacturer_name="gates simulator", model_number="BLE gate",
                                     serial_number=address, firmware_revision="gate-profile 1"),
        ])
        self.device.advertising_data = bytes(AdvertisingData([
            data_types.Flags(AdvertisingData.Flags.LE_GENERAL_DISCOVERABLE_MODE
                             | AdvertisingData.Flags.BR_EDR_NOT_SUPPORTED),
            data_types.CompleteListOf128BitServiceUUIDs([UUID(SERVICE_UUID)]),
            data_types.CompleteLocalName(self.name),
        ]))
        self.device.on(Device.EVENT_CONNECTION, self._on_connection)

    # -- life --------------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.device.power_on()
        await self._advertise()
        self._tasks = [asyncio.create_task(self._send(), name=f"{self.name} outbox"),
                       asyncio.create_task(self._heartbeat(), name=f"{self.name} heartbeat")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        ended = await asyncio.gather(*self._tasks, return_exceptions=True)
        failed = [e for e in ended if isinstance(e, Exception)]
        if failed:  # a model that fed the gate something it cannot send: say so, do not hide it
            raise failed[0]
        self._in_range = False
        await self.device.stop_advertising()
        for connection in list(self.device.connections.values()):
            await connection.disconnect()

    async def drop(self, seconds: float) -> None:
        """Out of range for `seconds`: the link times out, events are kept, then it advertises again."""
        self._in_range = False
        await self.device.stop_advertising()
        for connection in list(self.device.connections.values()):
            await connection.disconnect(HCI_CONNECTION_TIMEOUT_ERROR)
        self._clear_outbox()
        await asyncio.sleep(seconds)
        self._in_range = True
        await self._advertise()

    async def reboot(self, clock: Callable[[], int], down_s: float = 2.0) -> None:
        """Power-cycled: off the air for `down_s`, then back with a restarted clock, an empty buffer and
        its seq numbering from 0."""
        self.clock = clock
        self.buffer.clear()
        self.last_seq, self._next_seq = NO_EVENT_YET, 0
        await self.drop(down_s)

    async def _advertise(self) -> None:
        await self.device.start_advertising(advertising_interval_min=self._advertising_interval_ms,
                                            advertising_interval_max=self._advertising_interval_ms)

    def _on_connection(self, connection: Connection) -> None:
        self.centrals.append(str(connection.peer_address).split("/")[0])
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)

    def _on_disconnection(self, reason: int) -> None:
        self._clear_outbox()
        if self._in_range:  # the host let go: be findable again
            asyncio.get_running_loop().create_task(self._advertise())

    # -- what the gate sees ---------------------------------------------------------------------

    def beam(self, kind: Kind = Kind.BREAK) -> GateEvent:
        """The beam changed now: stamp it on the gate's clock, number it, keep it, notify it."""
        event = GateEvent(self.gate, self._next_seq, self.clock(), kind=kind)
        self.push(event)
        return event

    def push(self, event: GateEvent) -> None:
        """An event the gate's model made (its own seq and device time): keep it, notify it."""
        record = encode_event(self.gate, event.seq, event.device_us, event.kind)
        self.buffer[event.seq] = record
        self.buffer.move_to_end(event.seq)
        while len(self.buffer) > BUFFER_EVENTS:
            self.buffer.popitem(last=False)
        self.last_seq = event.seq
        self._next_seq = (event.seq + 1) & 0xFFFF
        self._notify(self.event_char, record)

    def status_record(self) -> bytes:
        return encode_status(GateStatus(self.gate, self.last_seq, self.clock(), self.battery(), self.beam_ok()))

    # -- the radio side -----------------------------------------------------------------------

    def _notify(self, characteristic: gatt.Characteristic, value: bytes) -> None:
        if self._in_range and self.device.connections:
            self._outbox.put_nowait((characteristic, value))

    def _clear_outbox(self) -> None:
        while not self._outbox.empty():
            self._outbox.get_nowait()

    async def _send(self) -> None:
        while True:
            characteristic, value = await self._outbox.get()
            if characteristic is self.status_char:
                value = self.status_record()  # the clock is read as the record goes out
            await self.device.notify_subscribers(characteristic, value)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            self._notify(self.status_char, b"")

    def _on_control(self, connection: Connection, value: bytes) -> None:
        try:
            request = decode_control(bytes(value))
        except ValueError:
            return  # a gate ignores writes it does not understand
        if isinstance(request, TimeSampleRequest):
            self._notify(self.status_char, b"")
        elif request.gate == self.gate:
            self._resend(request.from_seq)

    def _resend(self, from_seq: int) -> None:
        """Every buffered event from `from_seq` on, oldest first, packed to fill the ATT MTU."""
        connection = next(iter(self.device.connections.values()), None)
        if connection is None:
            return
        per_notification = max(1, (connection.att_mtu - 3) // EVENT.size)
        newest = self.last_seq
        wanted = [record for seq, record in self.buffer.items()
                  if (seq - from_seq) & 0xFFFF <= (newest - from_seq) & 0xFFFF]
        for start in range(0, len(wanted), per_notification):
            self._notify(self.event_char, b"".join(wanted[start:start + per_notification]))


def ble_config(config: SessionConfig) -> SessionConfig:
    """A session for BLE gates: each gate its own microsecond clock (an ESP32's timer) unless the
    config says otherwise, gateline events (what the profile carries), and no serial-link faults (the
    radio link brings its own)."""
    faults = replace(config.faults, noise=0.0, corrupt=0.0, drop=0.0, latency=0.0, jitter=0.0, link=0.0)
    return replace(config, protocol="gateline", shared_clock=False, faults=faults,
                   resolution_us=config.resolution_us or 1)


def gate_timelines(session: SimSession) -> dict[int, list[tuple[float, GateEvent | GateStatus]]]:
    """Each gate's events and heartbeats at the session time it emits them (µs), from the session's
    frames: with no link faults a frame arrives the moment its gate sends it."""
    decoder = GatelineDecoder()
    timelines: dict[int, list[tuple[float, GateEvent | GateStatus]]] = {d.gate: [] for d in session.devices}
    for frame in session.frames:
        for message in [*decoder.feed(frame.data), *decoder.pop_control()]:
            if isinstance(message, (GateEvent, GateStatus)):
                timelines[message.gate].append((float(frame.arrival_us), message))
    return timelines


class BleGates:
    """A simulated session's gates on the air: a BleGate per course gate on the simulator's clock
    for that gate, each event pushed at its session time. Session time runs `speed` times the loop's
    (a VirtualTimeLoop runs the loop itself faster than real time); the host's clock must follow the
    session's, as `BleSimulation.clock_ns` does. `sent` counts the events pushed so far."""

    def __init__(self, session: SimSession | TurnSession, link: LocalLink,
                 address: str = "C0:FF:EE:00:00:{:02X}", speed: float = 1.0) -> None:
        if session.config.shared_clock or session.config.protocol != "gateline":
            raise ValueError("BLE gates each run their own clock: simulate with ble_config(config)")
        self.session = session
        self.speed = speed
        self.sent = 0
        self._decoder = GatelineDecoder()
        self._t0: float | None = None
        self._battery = {d.gate: 100 for d in session.devices}
        self.gates = {d.gate: BleGate(link, d.gate, address.format(d.gate), self._clock(d.clock),
                                      battery=self._battery_of(d.gate), heartbeat_s=1.0 / speed)
                      for d in session.devices}

    def now_us(self) -> float:
        """Session time (µs) now."""
        return 0.0 if self._t0 is None else (asyncio.get_running_loop().time() - self._t0) * self.speed * 1e6

    async def _until(self, t_us: float) -> None:
        await asyncio.sleep(max(0.0, (t_us - self.now_us()) / 1e6 / self.speed))

    def _clock(self, clock: DeviceClock) -> Callable[[], int]:
        return lambda: clock.read(self.now_us())

    def _battery_of(self, gate: int) -> Callable[[], int]:
        return lambda: self._battery[gate]

    async def start(self) -> None:
        for gate in self.gates.values():
            await gate.start()
        self._t0 = asyncio.get_running_loop().time()

    async def run(self) -> None:
        """Play a session decided in advance: every gate's events at their times, until its end."""
        assert isinstance(self.session, SimSession)
        timelines = gate_timelines(self.session)
        await asyncio.gather(*(self._play(g, timelines[g]) for g in self.gates))
        await self._until(self.session.end_us)

    async def _play(self, gate: int, timeline: list[tuple[float, GateEvent | GateStatus]]) -> None:
        for t_us, message in timeline:
            await self._until(t_us)
            self._emit(message)

    def _emit(self, message: GateEvent | GateStatus) -> None:
        if isinstance(message, GateStatus):
            self._battery[message.gate] = message.battery_pct
        else:
            self.gates[message.gate].push(message)
            self.sent += 1

    async def take_turns(self, up: Callable[[], Up | None], settled: Callable[[], bool] = lambda: True) -> None:
        """Play a session taking turns: whenever the course is clear, whoever `up()` says is up runs.
        It asks only once `settled()` (the host has taken in all the gates sent, so the answer
        counts the rep just finished). The first run waits for that too, as a coach waits for the
        gates to be set up; until then nobody runs. Returns when nobody is up or the plan is done;
        the gates go on with their heartbeats until `stop()`."""
        session = self.session
        assert isinstance(session, TurnSession)

        async def settle() -> None:
            while not settled():
                await asyncio.sleep(SETTLE_S)

        async def ask(t_us: float) -> Up | None:
            await self._until(t_us)
            await settle()
            return up()

        await settle()  # the host has every gate: the session runs from now, its warm-up counted from 0
        for frame in session.idle(self.now_us()):
            self._deliver(frame)
        async for frame in turn_frames(session, ask):
            await self._until(frame.arrival_us)
            self._deliver(frame)

    def _deliver(self, frame: Frame) -> None:
        for message in [*self._decoder.feed(frame.data), *self._decoder.pop_control()]:
            if isinstance(message, (GateEvent, GateStatus)):
                self._emit(message)

    async def stop(self) -> None:
        for gate in self.gates.values():
            await gate.stop()


class BleSimulation:
    """A simulated session on the air in one process, `speed` times faster than real time: the gates,
    the radio link (its delays scaled to session time), and what a BleSource needs to listen -- the
    host's radio and a host clock on session time (`gates demo --ble`)."""

    def __init__(self, session: SimSession | TurnSession, speed: float = 1.0, timing: LinkTiming = LinkTiming()) -> None:
        self.link = JitteryLink(timing.scaled(1.0 / speed), seed=session.config.seed)
        self.gates = BleGates(session, self.link, speed=speed)
        self.radio = BumbleRadio.on_link(self.link)
        self._base_ns = 0

    def clock_ns(self) -> int:
        """The host's clock on session time, from the host's monotonic reading at the start (so at
        speed 1 it is the monotonic clock): what a BleSource stamps arrivals with."""
        return self._base_ns + round(self.gates.now_us() * 1000)

    async def start(self) -> None:
        self._base_ns = time.monotonic_ns()
        await self.gates.start()

    async def run(self) -> None:
        await self.gates.run()

    async def take_turns(self, up: Callable[[], Up | None], settled: Callable[[], bool] = lambda: True) -> None:
        await self.gates.take_turns(up, settled)

    async def stop(self) -> None:
        await self.gates.stop()


async def serve(session: SimSession, socket_path: str | None = None,
                say: Callable[..., None] = print, hearts: bool = False) -> None:
    """`gates simulate --ble`: the session's gates on a simulated radio, in real time, with the host's
    side of the radio served over HCI on a unix socket for `gates monitor` in another process; with
    `hearts`, every athlete wears a heart-rate strap on the same radio (simulators/hr_strap.py)."""
    socket_path = socket_path or os.path.join(tempfile.gettempdir(), f"gates-ble-{os.getpid()}.sock")
    quiet_bumble()
    link = JitteryLink(seed=session.config.seed)
    server = await RadioServer.serve(link, socket_path)
    fleet = BleGates(session, link)
    await fleet.start()
    straps = None
    if hearts:
        from simulators.hr_strap import HrStraps

        straps = HrStraps(session, link, clock_us=fleet.now_us)
        await straps.start()
    names = [gate.name for gate in fleet.gates.values()]
    pairs = "".join(f" --hr {name}={spec}" for name, spec in straps.pairings().items()) if straps else ""
    say(f"BLE gates {names[0]}..{names[-1]} advertising on a simulated radio, HCI at {socket_path}; monitor them with\n"
        f"  {HCI_ENV}=unix:{socket_path} gates monitor --source 'ble:name=GATE-*' "
        f"--course {','.join(f'{d:g}' for d in session.config.course.distances_m)}{pairs}", flush=True)
    try:
        await fleet.run()
    finally:
        await fleet.stop()
        if straps is not None:
            await straps.stop()
        await server.close()
        if os.path.exists(socket_path):
            os.unlink(socket_path)
