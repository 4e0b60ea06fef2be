"""Which wire formats the simulator speaks, each through its codec's own encoders in gates/.

The simulator never formats a frame by hand: a `Wire` adapts a codec's encoders to the simulator's
messages and says what the format can express:
- which id a course gate has on the wire (the codec's `course_index`, inverted);
- whether it carries beam restores, heartbeats, a resend buffer, a frame-start byte to resync on;
- whether gates can have clocks of their own (only gateline: ALGE and Microgate are one timer with
  wired channels; Wichro photocells and a Chronopic report on one clock);
- whether it has one input for every gate (Chronopic: photocells wired in parallel, so the course
  position of a break comes from order alone);
- whether its clock is the time of day (ALGE, Microgate), so the session is placed in daytime.
Start numbers are not sent: athletes are named by the roster rotation, as for gateline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gates import alge, chronopic, gateline, microgate, wichro
from gates.codec import GateStatus
from gates.events import GateEvent, Kind


class Encoder:
    """Messages to bytes for one session (a stateful format, like Chronopic's, keeps its state here)."""

    def event(self, e: GateEvent) -> bytes:
        raise NotImplementedError

    def status(self, s: GateStatus) -> bytes | None:
        return None


class _Gateline(Encoder):
    def event(self, e: GateEvent) -> bytes:
        return gateline.encode_event(e.gate, e.seq, e.device_us, e.kind)

    def status(self, s: GateStatus) -> bytes | None:
        return gateline.encode_status(s)


class _Alge(Encoder):
    def event(self, e: GateEvent) -> bytes:
        return alge.encode_impulse(None, f"C{e.gate}", e.device_us)


class _Microgate(Encoder):
    def event(self, e: GateEvent) -> bytes:
        return microgate.encode_event(e.gate, e.device_us)


class _Wichro(Encoder):
    def event(self, e: GateEvent) -> bytes:
        return wichro.encode_event(e.gate, e.device_us, e.kind)


class _Chronopic(Encoder):
    def __init__(self) -> None:
        self._edges = chronopic.ChronopicEncoder()

    def event(self, e: GateEvent) -> bytes:
        return self._edges.edge(1 if e.kind is Kind.BREAK else 0, e.device_us)


def _alge_channel(index: int, gates: int) -> int:
    """C0 start, C1 finish, C2..C8 the intermediates in order."""
    return 0 if index == 0 else 1 if index == gates - 1 else index + 1


def _microgate_channel(index: int, gates: int) -> int:
    """Logical channel 000 start, 255 finish, k the k-th intermediate."""
    return microgate.FINISH if index == gates - 1 else index


@dataclass(frozen=True, slots=True)
class Wire:
    protocol: str
    encoder: Callable[[], Encoder]
    gate_id: Callable[[int, int], int]  # (course index, gates on the course) -> the gate's id on the wire
    max_gates: int
    resolution_us: int  # what its devices resolve
    restores: bool = False
    heartbeats: bool = False
    resend: bool = False
    frame_start: bytes | None = None
    own_clocks: bool = False
    single_input: bool = False
    time_of_day: bool = False


WIRES: dict[str, Wire] = {w.protocol: w for w in (
    Wire("gateline", _Gateline, lambda index, gates: index + 1, 255, 1000, restores=True, heartbeats=True,
         resend=True, frame_start=b"$", own_clocks=True),
    Wire("alge-timy", _Alge, _alge_channel, 9, 100, time_of_day=True),  # 1/10,000 s
    Wire("microgate", _Microgate, _microgate_channel, 255, microgate.TICK_US, time_of_day=True),
    Wire("wichro", _Wichro, lambda index, gates: index, 255, 1000, restores=True),
    Wire("chronopic", _Chronopic, lambda index, gates: chronopic.GATE, 255, chronopic.TICK_US, restores=True,
         single_input=True),
)}


def get_wire(name: str) -> Wire:
    try:
        return WIRES[name]
    except KeyError:
        raise ValueError(f"the simulator cannot speak protocol {name!r} (it speaks: {', '.join(WIRES)})") from None
