"""Which wire formats the simulator can speak, each through its codec's own encoders in gates/.

The simulator never formats a frame by hand: a `Wire` only adapts a codec's encoders to the
simulator's messages and says what the format can carry (restore events, heartbeats, a resend
buffer, a frame-start byte that lets a decoder resync after line noise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gates import gateline
from gates.codec import GateStatus
from gates.events import GateEvent


@dataclass(frozen=True, slots=True)
class Wire:
    protocol: str
    encode_event: Callable[[GateEvent], bytes]
    encode_status: Callable[[GateStatus], bytes] | None  # None: the format has no heartbeat
    resolution_us: int  # the resolution its devices usually have
    restores: bool  # carries beam-restored events
    resend: bool  # the device answers a resend request
    frame_start: bytes | None  # the byte every frame begins with, if any
    max_gates: int = 255

    def encode(self, message: GateEvent | GateStatus) -> bytes | None:
        if isinstance(message, GateStatus):
            return self.encode_status(message) if self.encode_status else None
        return self.encode_event(message)


WIRES: dict[str, Wire] = {
    "gateline": Wire(
        "gateline", lambda e: gateline.encode_event(e.gate, e.seq, e.device_us, e.kind), gateline.encode_status,
        resolution_us=1000, restores=True, resend=True, frame_start=b"$"),
}


def get_wire(name: str) -> Wire:
    try:
        return WIRES[name]
    except KeyError:
        raise ValueError(f"the simulator cannot speak protocol {name!r} (it speaks: {', '.join(WIRES)})") from None
