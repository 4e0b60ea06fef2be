"""The Bluetooth Heart Rate profile: what every chest strap notifies, and the sample the host keeps.

Source: the Bluetooth SIG's characteristic definitions of Heart Rate Measurement (0x2A37) and Body
Sensor Location (0x2A38) in the Heart Rate service (0x180D). The measurement is little-endian:

    flags   uint8   bit 0: bpm is uint16 (else uint8)
                    bits 1-2: sensor contact: 0/1 not supported, 2 supported but no contact, 3 contact
                    bit 3: Energy Expended present (uint16, kJ, accumulated since the strap's reset)
                    bit 4: RR-Intervals present (uint16 each, 1/1024 s, as many as fit, oldest first)
                    bits 5-7: reserved (ignored)
    bpm     uint8 | uint16
    energy  uint16           (if bit 3)
    rr      uint16 * n       (if bit 4)

Body Sensor Location is one byte: 0 other, 1 chest, 2 wrist, 3 finger, 4 hand, 5 ear lobe, 6 foot.

Sans-IO like every codec here: BLE delivers each notification whole, so there is no stream to resync;
a notification that is not as long as its flags say is dropped and counted, never raised. The host
stamps each measurement on its own monotonic clock: heart rate is not a split, and a strap has no
clock to report anyway.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum, StrEnum

PROTOCOL = "ble-heart-rate"
SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION_UUID = "00002a38-0000-1000-8000-00805f9b34fb"

WIDE_BPM = 0x01
CONTACT_SUPPORTED = 0x04
CONTACT_DETECTED = 0x02
ENERGY_PRESENT = 0x08
RR_PRESENT = 0x10
RR_PER_SECOND = 1024
MAX_U16 = 0xFFFF
_U16 = struct.Struct("<H")


class Contact(StrEnum):
    """Whether the strap touches skin. A strap that cannot tell says UNSUPPORTED; its bpm is taken."""

    UNSUPPORTED = "unsupported"
    LOST = "lost"
    OK = "ok"


class BodySensorLocation(IntEnum):
    OTHER = 0
    CHEST = 1
    WRIST = 2
    FINGER = 3
    HAND = 4
    EAR_LOBE = 5
    FOOT = 6


@dataclass(frozen=True, slots=True)
class Measurement:
    """One Heart Rate Measurement notification, as the strap sent it."""

    bpm: int
    contact: Contact = Contact.UNSUPPORTED
    energy_kj: int | None = None
    rr_1024: tuple[int, ...] = ()  # beat-to-beat intervals in 1/1024 s, oldest first


@dataclass(frozen=True, slots=True)
class HrSample:
    """A measurement as the host keeps it: which strap (its Bluetooth address), when it arrived on the
    host's monotonic clock (ns), and what it said. RR intervals stay in the strap's 1/1024 s units."""

    strap: str
    host_ns: int
    bpm: int
    contact: Contact = Contact.UNSUPPORTED
    rr_1024: tuple[int, ...] = ()
    energy_kj: int | None = None

    @property
    def rr_us(self) -> tuple[int, ...]:
        return tuple(rr_to_us(rr) for rr in self.rr_1024)


def rr_to_us(rr_1024: int) -> int:
    return (rr_1024 * 1_000_000 + RR_PER_SECOND // 2) // RR_PER_SECOND


def rr_from_us(rr_us: int) -> int:
    return (rr_us * RR_PER_SECOND + 500_000) // 1_000_000


def encode_measurement(m: Measurement, *, wide: bool = False) -> bytes:
    """The notification a strap sends for `m`; bpm over 255 (or `wide`) goes as uint16."""
    values = [m.bpm] + ([] if m.energy_kj is None else [m.energy_kj]) + list(m.rr_1024)
    if any(not 0 <= v <= MAX_U16 for v in values):
        raise ValueError(f"heart rate fields are unsigned 16-bit: {m}")
    flags = 0
    if wide or m.bpm > 0xFF:
        flags |= WIDE_BPM
        out = bytearray(_U16.pack(m.bpm))
    else:
        out = bytearray((m.bpm,))
    if m.contact is not Contact.UNSUPPORTED:
        flags |= CONTACT_SUPPORTED | (CONTACT_DETECTED if m.contact is Contact.OK else 0)
    if m.energy_kj is not None:
        flags |= ENERGY_PRESENT
        out += _U16.pack(m.energy_kj)
    if m.rr_1024:
        flags |= RR_PRESENT
        for rr in m.rr_1024:
            out += _U16.pack(rr)
    return bytes((flags,)) + bytes(out)


def decode_measurement(data: bytes) -> Measurement | None:
    """The measurement in one notification, or None if it is not as long as its flags say."""
    if len(data) < 2:
        return None
    flags = data[0]
    offset = 1
    if flags & WIDE_BPM:
        if len(data) < 3:
            return None
        (bpm,) = _U16.unpack_from(data, 1)
        offset = 3
    else:
        bpm = data[1]
        offset = 2
    if not flags & CONTACT_SUPPORTED:
        contact = Contact.UNSUPPORTED
    else:
        contact = Contact.OK if flags & CONTACT_DETECTED else Contact.LOST
    energy = None
    if flags & ENERGY_PRESENT:
        if len(data) < offset + 2:
            return None
        (energy,) = _U16.unpack_from(data, offset)
        offset += 2
    trailing = len(data) - offset
    if trailing % 2 or (trailing and not flags & RR_PRESENT):
        return None
    rr = tuple(_U16.unpack_from(data, i)[0] for i in range(offset, len(data), 2))
    return Measurement(bpm, contact, energy, rr)


def encode_body_sensor_location(location: BodySensorLocation) -> bytes:
    return bytes((int(location),))


def decode_body_sensor_location(data: bytes) -> BodySensorLocation | None:
    """Where the sensor sits, or None for a reserved value or a read that is not one byte."""
    if len(data) != 1 or data[0] > max(BodySensorLocation):
        return None
    return BodySensorLocation(data[0])


class MeasurementDecoder:
    """Turns one strap's notifications into samples stamped with the host's receive time, and counts
    what it had to drop (as gates.codec.Decoder does for gate formats)."""

    protocol = PROTOCOL

    def __init__(self, strap: str) -> None:
        self.strap = strap
        self.dropped_bytes = 0
        self.dropped_frames = 0

    def feed(self, data: bytes, host_ns: int) -> HrSample | None:
        m = decode_measurement(bytes(data))
        if m is None:
            self.dropped_bytes += len(data)
            self.dropped_frames += 1
            return None
        return HrSample(self.strap, host_ns, m.bpm, m.contact, m.rr_1024, m.energy_kj)
