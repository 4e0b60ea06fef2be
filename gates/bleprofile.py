"""The gate BLE profile: GATT UUIDs and the little-endian records a gate notifies and accepts.

Source: ../shared/DESIGN.md ("The gateline protocol", BLE paragraph) and docs/ble-gate-profile.md,
which publishes this for firmware authors. The fields are gateline's, packed:

    event   notify      <BHQB    gate, seq, device_us, kind (ASCII 'B' broken, 'R' restored)  12 bytes
    status  notify/read <BHQBB   gate, last_seq, device_us, battery %, beam ok (0/1)          13 bytes
    control write       <BBH     0x01 resend: gate, from_seq (buffered events from seq on)      4 bytes
                        <B       0x02 time sample: notify a status record now                  1 byte

An event notification may pack several whole records (a resend burst fills the MTU); a status
notification is one record. Sans-IO like every codec here: records in, events and statuses out,
anything malformed dropped and counted, never raised.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from gates.codec import Decoder, GateStatus, ResendRequest
from gates.events import GateEvent, Kind

PROTOCOL = "gate-ble"
SERVICE_UUID = "7eef0001-d111-4c2f-b9d1-fad9ab19e701"
EVENT_UUID = "7eef0002-d111-4c2f-b9d1-fad9ab19e701"
STATUS_UUID = "7eef0003-d111-4c2f-b9d1-fad9ab19e701"
CONTROL_UUID = "7eef0004-d111-4c2f-b9d1-fad9ab19e701"
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFORMATION_UUID = "0000180a-0000-1000-8000-00805f9b34fb"

EVENT = struct.Struct("<BHQB")
STATUS = struct.Struct("<BHQBB")
RESEND = struct.Struct("<BBH")
OP_RESEND = 0x01
OP_TIME_SAMPLE = 0x02
MAX_U64 = (1 << 64) - 1
_KIND_BYTES = {Kind.BREAK: ord("B"), Kind.RESTORE: ord("R")}
_KINDS = {code: kind for kind, code in _KIND_BYTES.items()}


@dataclass(frozen=True, slots=True)
class TimeSampleRequest:
    """Host to gate: notify a status record right away, so the host gets one more clock sample."""


def encode_event(gate: int, seq: int, device_us: int, kind: Kind = Kind.BREAK) -> bytes:
    _check(gate, device_us)
    if kind not in _KIND_BYTES:
        raise ValueError(f"the gate profile carries beam break/restore events only, not {kind!r}")
    return EVENT.pack(gate, seq & 0xFFFF, device_us, _KIND_BYTES[kind])


def encode_status(status: GateStatus) -> bytes:
    _check(status.gate, status.device_us)
    if not 0 <= status.battery_pct <= 100:
        raise ValueError(f"battery is 0-100 %, not {status.battery_pct}")
    return STATUS.pack(status.gate, status.last_seq & 0xFFFF, status.device_us, status.battery_pct,
                       1 if status.beam_ok else 0)


def encode_resend(gate: int, from_seq: int) -> bytes:
    _check(gate, 0)
    return RESEND.pack(OP_RESEND, gate, from_seq & 0xFFFF)


def encode_time_request() -> bytes:
    return bytes((OP_TIME_SAMPLE,))


def decode_control(data: bytes) -> ResendRequest | TimeSampleRequest:
    """What the host wrote to the control characteristic (the gate's side); ValueError if malformed."""
    if data[:1] == bytes((OP_RESEND,)) and len(data) == RESEND.size:
        _, gate, from_seq = RESEND.unpack(data)
        if gate:
            return ResendRequest(gate, from_seq)
    elif data == bytes((OP_TIME_SAMPLE,)):
        return TimeSampleRequest()
    raise ValueError(f"not a gate control write: {bytes(data).hex()}")


def _check(gate: int, device_us: int) -> None:
    if not 1 <= gate <= 255:
        raise ValueError(f"gate ids are 1-255, not {gate}")
    if not 0 <= device_us <= MAX_U64:
        raise ValueError(f"device_us is unsigned 64-bit, not {device_us}")


class ProfileDecoder(Decoder):
    """Decodes event notifications (`feed`) and status notifications or reads (`feed_status`).

    BLE delivers each notification whole, so there is no stream to resync: a notification that is
    not a whole number of records, or a record with gate 0 or an unknown kind, is dropped and counted.
    """

    protocol = PROTOCOL

    def feed(self, data: bytes, host_ns: int = 0) -> list[GateEvent]:
        if not data:
            return []
        if len(data) % EVENT.size:
            self._drop(len(data))
            return []
        events = []
        for offset in range(0, len(data), EVENT.size):
            gate, seq, device_us, code = EVENT.unpack_from(data, offset)
            if gate == 0 or code not in _KINDS:
                self._drop(EVENT.size)
                continue
            events.append(GateEvent(gate=gate, seq=seq, device_us=device_us, host_ns=host_ns,
                                    kind=_KINDS[code], raw=bytes(data[offset:offset + EVENT.size])))
        return events

    def feed_status(self, data: bytes, host_ns: int = 0) -> GateStatus | None:
        """One status record, or None (dropped and counted) if it is not one."""
        if len(data) != STATUS.size:
            self._drop(len(data))
            return None
        gate, last_seq, device_us, battery, beam = STATUS.unpack(data)
        if gate == 0 or battery > 100 or beam > 1:
            self._drop(len(data))
            return None
        return GateStatus(gate=gate, last_seq=last_seq, device_us=device_us, battery_pct=battery,
                          beam_ok=beam == 1, host_ns=host_ns)
