"""HrSource: heart-rate samples from Bluetooth LE chest straps (the standard Heart Rate profile), on bleak.

Opened by spec: `hr:AA:BB:CC:DD:EE:FF` or `hr:name=Polar*` (a shell pattern on the advertised name),
several entries separated by commas: that is the allow-list, and a strap on no entry is never
connected, however it advertises. A strap is paired to an athlete by `ATHLETE=SPEC`
(`--hr Ada=hr:name=Polar*`, `parse_pairings`); a paired source takes the first allowed strap that
serves heart rate and leaves any other that matches alone, so one pattern never gives an athlete two
hearts.

For every allowed strap it sees it connects, reads the Body Sensor Location if the strap has one,
subscribes to Heart Rate Measurement (gates/heartrate.py) and stamps each notification on the host's
monotonic clock as it arrives: heart rate is not a split, and a strap has no clock to align. Samples
come out of `samples()`; `events()` has none. When a strap drops, its status says `reconnecting` and
the source reconnects with backoff when it advertises again; a strap keeps no history, so the
samples of the outage are simply not there. `radio` replaces the platform's Bluetooth stack as for
drivers.ble_source.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from drivers.ble_source import BACKOFF_S, CONNECT_TIMEOUT_S, AllowList, Radio, _no_bluetooth, keep_connected
from drivers.registry import Spec, SpecError, parse
from drivers.source import Source, SourceStatus, State
from gates.heartrate import (
    BODY_SENSOR_LOCATION_UUID, MEASUREMENT_UUID, SERVICE_UUID, BodySensorLocation, HrSample, MeasurementDecoder,
    decode_body_sensor_location,
)

SCHEME = "hr"


class PairingError(SpecError):
    """A pairing of an athlete with a strap we cannot use; the message names it and what is wrong."""


@dataclass(frozen=True, slots=True)
class Pairing:
    athlete: str
    spec: Spec

    def source(self, **kwargs: object) -> HrSource:
        """The source for this athlete's strap: one strap, whatever else matches."""
        return HrSource.from_spec(self.spec, one_strap=True, **kwargs)


def parse_pairing(text: str) -> Pairing:
    """`Ada=hr:name=Polar*` or `Ada=hr:AA:BB:CC:DD:EE:FF`."""
    athlete, equals, spec_text = text.partition("=")
    athlete = athlete.strip()
    if not equals or not athlete or ":" in athlete:
        raise PairingError(f"{text!r} is not a pairing: expected ATHLETE=hr:..., e.g. Ada=hr:name=Polar*")
    try:
        spec = parse(spec_text.strip())
    except SpecError as err:
        raise PairingError(f"{text!r}: {err}") from None
    if spec.scheme != SCHEME:
        raise PairingError(f"{text!r}: a strap is paired by an hr: spec, not {spec.scheme}:")
    try:
        _allow(spec)
    except SpecError as err:
        raise PairingError(f"{text!r}: {err}") from None
    return Pairing(athlete, spec)


def parse_pairings(texts: Iterable[str], roster: Iterable[str] | None = None) -> list[Pairing]:
    """Every `--hr` pairing, checked together: one strap per athlete, one athlete per strap, and (given
    the roster) only athletes of the group."""
    pairings: list[Pairing] = []
    names = None if roster is None else list(roster)
    for text in texts:
        pairing = parse_pairing(text)
        if names is not None and pairing.athlete not in names:
            raise PairingError(f"{text!r}: no athlete {pairing.athlete!r} in the group ({', '.join(names)})")
        for other in pairings:
            if other.athlete == pairing.athlete:
                raise PairingError(f"{text!r}: {pairing.athlete} already has a strap ({other.spec.text})")
            if other.spec.name == pairing.spec.name:
                raise PairingError(f"{text!r}: that strap is already {other.athlete}'s")
        pairings.append(pairing)
    return pairings


def _allow(spec: Spec) -> AllowList:
    spec.take({})
    try:
        return AllowList.parse(spec.target)
    except ValueError as err:
        raise spec.error(str(err)) from None


class NotAStrap(Exception):
    """An allowed peripheral that does not serve the Heart Rate service."""


@dataclass(slots=True)
class _Strap:
    address: str
    name: str | None
    device: BLEDevice
    decoder: MeasurementDecoder
    seen: asyncio.Event = field(default_factory=asyncio.Event)
    state: State = State.CONNECTING
    reason: str = ""
    task: asyncio.Task | None = None

    def label(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address


class HrSource(Source):
    def __init__(self, allow: AllowList | str, *, name: str | None = None, radio: Radio | None = None,
                 clock: Callable[[], int] = time.monotonic_ns, one_strap: bool = False,
                 backoff_s: tuple[float, float] = BACKOFF_S, connect_timeout_s: float = CONNECT_TIMEOUT_S,
                 queue_size: int = 65536, close_radio: bool = True) -> None:
        self.allow = AllowList.parse(allow) if isinstance(allow, str) else allow
        super().__init__(name or f"{SCHEME}:{self.allow}")
        self.radio = radio
        self.close_radio = close_radio  # False: the radio is shared (the gates' too), its owner closes it
        self.clock = clock
        self.one_strap = one_strap
        self.backoff_s = backoff_s
        self.connect_timeout_s = connect_timeout_s
        self.ignored: set[str] = set()  # addresses seen advertising that no entry allows
        self.locations: dict[str, BodySensorLocation | None] = {}  # per strap, once read
        self.strap_status: dict[str, SourceStatus] = {}
        self.lost_samples = 0  # arrived while the consumer was a whole queue behind
        self._samples: asyncio.Queue[HrSample | None] = asyncio.Queue(queue_size)
        self._straps: dict[str, _Strap] = {}
        self._tasks: list[asyncio.Task] = []
        self._closing = False

    @classmethod
    def from_spec(cls, spec: Spec, **kwargs: object) -> HrSource:
        return cls(_allow(spec), name=spec.name, **kwargs)

    async def samples(self) -> AsyncIterator[HrSample]:
        while (sample := await self._samples.get()) is not None:
            yield sample

    # -- life cycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        self._closing = False
        self._publish(state=State.CONNECTING, reason=f"scanning for heart-rate straps {self.allow}")
        self._tasks = [asyncio.create_task(self._scan(), name=f"{self.name} scan")]

    async def close(self) -> None:
        self._closing = True
        tasks = self._tasks + [s.task for s in self._straps.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        if self.radio is not None and self.close_radio:
            await self.radio.close()
        self._publish(state=State.CLOSED, reason="", **self._counts())
        self._samples.put_nowait(None)
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
        strap = self._straps.get(address)
        if strap is None:
            taken = self.one_strap and any(s.state is not State.ERROR for s in self._straps.values())
            if taken or not self.allow.allows(address, adv.local_name):
                self.ignored.add(address)
                return
            self.ignored.discard(address)  # its name came later, in a scan response
            strap = self._straps[address] = _Strap(address, adv.local_name, device, MeasurementDecoder(address))
            strap.task = asyncio.create_task(self._keep(strap), name=f"{self.name} {address}")
        strap.device = device
        strap.name = adv.local_name or strap.name
        strap.seen.set()

    # -- one strap ----------------------------------------------------------------------------------

    async def _keep(self, strap: _Strap) -> None:
        await keep_connected(strap, self._serve, self._set_state, self.backoff_s, NotAStrap)

    async def _serve(self, strap: _Strap) -> None:
        lost = asyncio.Event()
        client = BleakClient(strap.device, lambda _client: lost.set(), timeout=self.connect_timeout_s,
                             backend=self.radio.client_backend if self.radio else None)
        await client.connect()
        try:
            service = client.services.get_service(SERVICE_UUID)
            if service is None or service.get_characteristic(MEASUREMENT_UUID) is None:
                raise NotAStrap(f"{strap.label()} does not serve the Heart Rate service; not using it")
            if service.get_characteristic(BODY_SENSOR_LOCATION_UUID) is not None:
                self.locations[strap.address] = decode_body_sensor_location(
                    bytes(await client.read_gatt_char(BODY_SENSOR_LOCATION_UUID)))
            await client.start_notify(MEASUREMENT_UUID, lambda _c, data: self._measured(strap, data))
            self._set_state(strap, State.CONNECTED, "")
            await lost.wait()
        finally:
            if client.is_connected:
                await asyncio.shield(client.disconnect())

    def _measured(self, strap: _Strap, data: bytearray) -> None:
        sample = strap.decoder.feed(bytes(data), self.clock())
        if sample is None:
            return
        if self._samples.full():
            self.lost_samples += 1
        else:
            self._samples.put_nowait(sample)

    # -- statuses ---------------------------------------------------------------------------------

    def _set_state(self, strap: _Strap, state: State, reason: str) -> None:
        if self._closing:
            return
        strap.state, strap.reason = state, reason
        base = self.strap_status.get(strap.address) or SourceStatus(self.name, state, strap=strap.address)
        status = replace(base, state=state, reason=reason or strap.label(), dropped_bytes=strap.decoder.dropped_bytes,
                         dropped_frames=strap.decoder.dropped_frames)
        self.strap_status[strap.address] = status
        self._put_status(status)
        straps = list(self._straps.values())
        up = sum(1 for s in straps if s.state is State.CONNECTED)
        summary = f"{up} of {len(straps)} strap{'s' if len(straps) != 1 else ''} connected"
        if reason:
            summary += f"; {strap.label()}: {reason}"
        overall = State.CONNECTED if up else (State.ERROR if all(s.state is State.ERROR for s in straps)
                                              else State.RECONNECTING)
        self._publish(state=overall, reason=summary, **self._counts())

    def _counts(self) -> dict[str, int]:
        return {"lost_events": self.lost_samples,
                "dropped_bytes": sum(s.decoder.dropped_bytes for s in self._straps.values()),
                "dropped_frames": sum(s.decoder.dropped_frames for s in self._straps.values())}
