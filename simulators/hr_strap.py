"""Simulated heart-rate chest straps: bumble peripherals serving the standard Heart Rate service.

Source: the Bluetooth SIG's Heart Rate service (0x180D) with Heart Rate Measurement (0x2A37, notify)
and Body Sensor Location (0x2A38, read), encoded by gates/heartrate.py; Battery and Device
Information as a strap has them. Like a real strap it advertises its name and the service, notifies
one measurement a second on its own crystal (its own rate and phase, so no two straps tick
together), sends nothing while nobody is connected (a strap keeps no history), reports lost skin
contact with 0 bpm, and `drop()` takes it out of range for a while.

`HrStraps` puts one strap per athlete of a simulated session on a link, fed by simulators/heart.py
from the same runs as the session's gates (its schedule, or, in a session made run by run, the runs
so far), so HR and times come from one truth.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from bumble import data_types, gatt
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.hci import HCI_CONNECTION_TIMEOUT_ERROR
from bumble.link import LocalLink
from bumble.profiles.battery_service import BatteryService
from bumble.profiles.device_information_service import DeviceInformationService

from gates.heartrate import (
    BODY_SENSOR_LOCATION_UUID, MEASUREMENT_UUID, SERVICE_UUID, BodySensorLocation, Contact, Measurement,
    encode_body_sensor_location, encode_measurement, rr_from_us,
)
from simulators.ble_backend import device_on_link
from simulators.heart import HeartSoFar, HeartTrace, heart_traces, heart_truth, hearts_so_far
from simulators.session import SimSession
from simulators.turns import TurnSession

STRAP_ADDRESS = "C0:FF:EE:00:10:{:02X}"
STRAP_DRIFT_PPM = 200.0  # a strap's cheap crystal
RR_PER_NOTIFICATION = 8  # more would not fit a default (23-byte) ATT MTU


class HrStrap:
    """One strap on the air. `reading()` is what it measures now; it is asked once per notification."""

    def __init__(self, link: LocalLink, address: str, name: str, reading: Callable[[], Measurement], *,
                 interval_s: float = 1.0, phase_s: float = 0.0,
                 location: BodySensorLocation = BodySensorLocation.CHEST, battery: int = 90,
                 advertising_interval_ms: float = 500.0) -> None:
        self.address = address
        self.name = name
        self.reading = reading
        self.interval_s = interval_s
        self.phase_s = phase_s
        self.device: Device = device_on_link(link, name, address)
        self.centrals: list[str] = []  # every central that ever connected, for the allow-list test
        self.sent = 0
        self._in_range = True
        self._task: asyncio.Task[None] | None = None
        self._advertising_interval_ms = advertising_interval_ms
        self.measurement_char = gatt.Characteristic(MEASUREMENT_UUID, gatt.Characteristic.Properties.NOTIFY,
                                                    gatt.Characteristic.Permissions(0), b"")
        location_char = gatt.Characteristic(BODY_SENSOR_LOCATION_UUID, gatt.Characteristic.Properties.READ,
                                            gatt.Characteristic.READABLE, encode_body_sensor_location(location))
        self.device.add_services([
            gatt.Service(SERVICE_UUID, [self.measurement_char, location_char]),
            BatteryService(lambda _conn: battery),
            DeviceInformationService(manufacturer_name="gates simulator", model_number="HR strap",
                                     serial_number=address),
        ])
        self.device.advertising_data = bytes(AdvertisingData([
            data_types.Flags(AdvertisingData.Flags.LE_GENERAL_DISCOVERABLE_MODE
                             | AdvertisingData.Flags.BR_EDR_NOT_SUPPORTED),
            data_types.CompleteListOf16BitServiceUUIDs([UUID.from_16_bits(0x180D)]),
            data_types.CompleteLocalName(name),
        ]))
        self.device.on(Device.EVENT_CONNECTION, self._on_connection)

    async def start(self) -> None:
        await self.device.power_on()
        await self._advertise()
        self._task = asyncio.create_task(self._notify(), name=f"{self.name} measurements")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._in_range = False
        await self.device.stop_advertising()
        for connection in list(self.device.connections.values()):
            await connection.disconnect()

    async def drop(self, seconds: float) -> None:
        """Out of range for `seconds`: the link times out, then it advertises again."""
        self._in_range = False
        await self.device.stop_advertising()
        for connection in list(self.device.connections.values()):
            await connection.disconnect(HCI_CONNECTION_TIMEOUT_ERROR)
        await asyncio.sleep(seconds)
        self._in_range = True
        await self._advertise()

    async def _advertise(self) -> None:
        await self.device.start_advertising(advertising_interval_min=self._advertising_interval_ms,
                                            advertising_interval_max=self._advertising_interval_ms)

    def _on_connection(self, connection: Connection) -> None:
        self.centrals.append(str(connection.peer_address).split("/")[0])
        connection.on(Connection.EVENT_DISCONNECTION, lambda _reason: self._lost())

    def _lost(self) -> None:
        if self._in_range:  # the host let go: be findable again
            asyncio.get_running_loop().create_task(self._advertise())

    async def _notify(self) -> None:
        """One measurement per tick of the strap's own clock, only to a connected host."""
        loop = asyncio.get_running_loop()
        next_at = loop.time() + self.phase_s
        while True:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += self.interval_s
            if self._in_range and self.device.connections:
                value = encode_measurement(self.reading())
                await self.device.notify_subscribers(self.measurement_char, value)
                self.sent += 1


def reader(trace: HeartTrace | HeartSoFar, now_s: Callable[[], float], period_s: float = 1.0) -> Callable[[], Measurement]:
    """A strap's measurement from the athlete's heart at session time now: its 1 Hz figure and the
    RR intervals of the beats since its last notification, or lost contact."""

    def read() -> Measurement:
        t = now_s()
        if not trace.in_contact(t):
            return Measurement(0, Contact.LOST)
        beats = trace.beats_between(t - period_s, t)[-RR_PER_NOTIFICATION:]
        rr = tuple(rr_from_us(round(trace.rr_before(b) * 1e6)) for b in beats)
        return Measurement(trace.reading(t), Contact.OK, None, rr)

    return read


class HrStraps:
    """A simulated session's athletes wearing straps: one per athlete (`straps[name]`), each fed by its
    heart trace at session time. Session time is `clock_us()` if given (share the gates' fleet clock,
    `BleGates.now_us`, so HR and gates run on one time line), else it starts with `start()`; it runs
    `speed` times the loop's. `truth` has each timed run's true HR figures for a session decided in
    advance (none for one made as it goes)."""

    def __init__(self, session: SimSession | TurnSession, link: LocalLink, *, speed: float = 1.0,
                 clock_us: Callable[[], float] | None = None, address: str = STRAP_ADDRESS) -> None:
        self.session = session
        self.speed = speed
        self._clock_us = clock_us
        self._t0: float | None = None
        self.traces: dict[str, HeartTrace] | dict[str, HeartSoFar]
        self.truth: list[dict] = []
        if isinstance(session, TurnSession):
            self.traces = hearts_so_far(session.config, lambda: session.runs)
        else:
            self.traces = heart_traces(session.config, session.end_us / 1e6)
            self.truth = heart_truth(session.config, self.traces)
        rng = random.Random(f"{session.config.seed}/straps")
        self.straps: dict[str, HrStrap] = {}
        for i, athlete in enumerate(session.config.athletes):
            drift = rng.uniform(-STRAP_DRIFT_PPM, STRAP_DRIFT_PPM) * 1e-6
            self.straps[athlete.name] = HrStrap(
                link, address.format(i + 1), f"Polar H10 {0xA0000001 + i:08X}",
                reader(self.traces[athlete.name], lambda: self.now_us() / 1e6),
                interval_s=(1.0 + drift) / speed, phase_s=rng.uniform(0.0, 1.0) / speed)

    def now_us(self) -> float:
        if self._clock_us is not None:
            return self._clock_us()
        return 0.0 if self._t0 is None else (asyncio.get_running_loop().time() - self._t0) * self.speed * 1e6

    def pairings(self) -> dict[str, str]:
        """Athlete -> the spec that pairs their strap (`--hr Ada=hr:C0:FF:EE:00:10:01`)."""
        return {name: f"hr:{strap.address}" for name, strap in self.straps.items()}

    async def start(self) -> None:
        for strap in self.straps.values():
            await strap.start()
        self._t0 = asyncio.get_running_loop().time()

    async def run(self) -> None:
        """Until the end of a session decided in advance."""
        assert isinstance(self.session, SimSession)
        await asyncio.sleep(max(0.0, (self.session.end_us - self.now_us()) / 1e6 / self.speed))

    async def stop(self) -> None:
        for strap in self.straps.values():
            await strap.stop()
