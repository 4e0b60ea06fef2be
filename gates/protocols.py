"""The wire formats we speak, by name: one entry holds everything the rest of gates knows of a format.

Each `Protocol` carries its decoder and encoder, where each event sits on a course and which id each
course gate has on the wire (both directions of the channel mapping), its serial defaults (baud, flow
control, a set-up string to send on opening the port), whether and how the device sends again what a
reconnect missed, and what the format can express (restores, heartbeats, a frame-start byte, clocks of
its own, one input for every gate, a time-of-day clock). Drivers, the simulator and the analyzer read
these facts from here; adding a format is one `Protocol(...)` entry plus its codec module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gates import alge, chronopic, gateline, microgate, wichro
from gates.codec import Decoder, Encoder
from gates.events import GateEvent


class UnknownProtocol(ValueError):
    """A protocol name we do not speak."""


def by_gate_id(event: GateEvent, gates: int) -> int | None:
    """Gate ids count from 1 at the start line: gate k stands at course position k-1."""
    index = event.gate - 1
    return index if 0 <= index < gates else None


def _from_one(index: int, gates: int) -> int:
    return index + 1


def _from_zero(index: int, gates: int) -> int:
    return index


def _one_input(index: int, gates: int) -> int:
    return chronopic.GATE


@dataclass(frozen=True, slots=True)
class Protocol:
    """A wire format.

    `course_index` maps an event to its gate position on an n-gate course (None: not on this course),
    and for a break it must depend on the event's gate alone (the assembler asks once per gate);
    `gate_id` is its inverse, (course index, gates on the course) -> the gate's id on the wire.
    `sequential` formats carry no gate identity, so breaks fill the course in order.
    `resend`: the device can send again what a reconnect missed. With a `resend_request` (ALGE `RSM`,
    the Microgate static request) the host sends those bytes after a reconnect and the decoder drops
    what it had already; without one (gateline) the host asks gate by gate from a sequence number.
    `decoder_options` names the keyword options `decoder()` takes (a source spec may set them).
    `start_numbers`: its events name the athlete (else reps go to the roster's rotation)."""

    name: str
    decoder_class: Callable[..., Decoder]
    encoder: Callable[[], Encoder]
    baud: int
    description: str
    course_index: Callable[[GateEvent, int], int | None] = by_gate_id
    gate_id: Callable[[int, int], int] = _from_one
    max_gates: int = 255
    resolution_us: int = 1000  # what its devices resolve
    sequential: bool = False
    resend: bool = False
    resend_request: bytes = b""
    rtscts: bool = False
    setup: bytes = b""  # sent each time the port is opened
    restores: bool = False
    heartbeats: bool = False
    frame_start: bytes | None = None
    own_clocks: bool = False  # gates may each run a clock of their own
    single_input: bool = False  # every gate wired to one input: position from order alone
    time_of_day: bool = False  # the clock reads the time of day
    decoder_options: tuple[str, ...] = ()
    start_numbers: bool = False

    @property
    def resends_by_seq(self) -> bool:
        return self.resend and not self.resend_request

    def decoder(self, **options: str) -> Decoder:
        return self.decoder_class(**options)


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol("gateline", gateline.GatelineDecoder, gateline.GatelineEncoder, gateline.BAUD,
                 "gates' own ASCII protocol (DIY and simulated gates)", resend=True, restores=True,
                 heartbeats=True, frame_start=b"$", own_clocks=True),
        Protocol("alge-timy", alge.AlgeDecoder, alge.AlgeEncoder, alge.BAUD,
                 "ALGE Timy / TdC 8001 RS-232 output lines", course_index=alge.course_index,
                 gate_id=alge.gate_id, max_gates=9, resolution_us=100, resend=True,
                 resend_request=alge.RESEND_REQUEST, time_of_day=True, decoder_options=("numbering",), start_numbers=True),
        Protocol("microgate", microgate.MicrogateDecoder, microgate.MicrogateEncoder, microgate.BAUD,
                 "Microgate Rei Pro / RT Pro / Rei2 serial lines", course_index=microgate.course_index,
                 gate_id=microgate.gate_id, resolution_us=microgate.TICK_US, resend=True,
                 resend_request=microgate.RESEND_REQUEST, rtscts=microgate.RTSCTS, setup=microgate.SETUP,
                 time_of_day=True, start_numbers=True),
        Protocol("chronopic", chronopic.ChronopicDecoder, chronopic.ChronopicEncoder, chronopic.BAUD,
                 "Chronojump Chronopic (one input, binary change frames)", gate_id=_one_input,
                 resolution_us=chronopic.TICK_US, sequential=True, restores=True, single_input=True),
        Protocol("wichro", wichro.WichroDecoder, wichro.WichroEncoder, wichro.BAUD,
                 "Chronojump Wichro wireless photocells", course_index=wichro.course_index, gate_id=_from_zero,
                 restores=True),
    )
}


def get(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise UnknownProtocol(
            f"unknown protocol {name!r} (known: {', '.join(sorted(PROTOCOLS))})") from None


def detect(sample: bytes) -> Protocol | None:
    """The format that decodes the most events and heartbeats from `sample` with the fewest bytes dropped."""
    best, best_score = None, 0.0
    for proto in PROTOCOLS.values():
        decoder = proto.decoder()
        events = decoder.feed(sample) + decoder.finish()
        decoded = len(events) + len(decoder.control)
        if not decoded:
            continue
        score = decoded / (1 + decoder.dropped_frames) - decoder.dropped_bytes / max(len(sample), 1)
        if score > best_score:
            best, best_score = proto, score
    return best
