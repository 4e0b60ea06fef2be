"""The wire formats we speak, by name: decoder, serial defaults, and where each event sits on a course.

Lookups are lazy (module paths, imported on first use) so that start-up only pays for the format in
use. Adding a format is one `Protocol(...)` line here plus its codec module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from gates.alge import course_index as alge_course_index
from gates.codec import Decoder
from gates.events import GateEvent
from gates.microgate import course_index as microgate_course_index
from gates.wichro import course_index as wichro_course_index


class UnknownProtocol(ValueError):
    """A protocol name we do not speak."""


def by_gate_id(event: GateEvent, gates: int) -> int | None:
    """Gate ids count from 1 at the start line: gate k stands at course position k-1."""
    index = event.gate - 1
    return index if 0 <= index < gates else None


@dataclass(frozen=True, slots=True)
class Protocol:
    """A wire format. `course_index` maps an event to its gate position on an n-gate course (None:
    not on this course), and for a break it must depend on the event's gate alone (the assembler asks
    once per gate); `sequential` formats carry no gate identity, so breaks fill the course in
    order. `resend` says whether the device answers a resend request after a reconnect;
    `start_numbers` whether its events name the athlete (else reps go to the roster's rotation)."""

    name: str
    module: str
    decoder_class: str
    baud: int
    resend: bool = False
    course_index: Callable[[GateEvent, int], int | None] = by_gate_id
    sequential: bool = False
    description: str = ""
    start_numbers: bool = False

    def decoder(self) -> Decoder:
        return getattr(importlib.import_module(self.module), self.decoder_class)()


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol("gateline", "gates.gateline", "GatelineDecoder", 115200, resend=True,
                 description="gates' own ASCII protocol (DIY and simulated gates)"),
        Protocol("alge-timy", "gates.alge", "AlgeDecoder", 9600, resend=False, course_index=alge_course_index, start_numbers=True,
                 description="ALGE Timy / TdC 8001 RS-232 output lines"),
        Protocol("microgate", "gates.microgate", "MicrogateDecoder", 115200, resend=False,
                 course_index=microgate_course_index, start_numbers=True, description="Microgate Rei Pro / RT Pro / Rei2 serial lines"),
        Protocol("chronopic", "gates.chronopic", "ChronopicDecoder", 9600, resend=False, sequential=True,
                 description="Chronojump Chronopic (one input, binary change frames)"),
        Protocol("wichro", "gates.wichro", "WichroDecoder", 115200, resend=False,
                 course_index=wichro_course_index, description="Chronojump Wichro wireless photocells"),
    )
}


def get(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise UnknownProtocol(
            f"unknown protocol {name!r} (known: {', '.join(sorted(PROTOCOLS))})") from None


def detect(sample: bytes) -> Protocol | None:
    """The format that decodes the most events from `sample` with the fewest bytes dropped."""
    best, best_score = None, 0.0
    for proto in PROTOCOLS.values():
        decoder = proto.decoder()
        events = decoder.feed(sample)
        decoded = len(events) + len(decoder.control)
        if not decoded:
            continue
        score = decoded / (1 + decoder.dropped_frames) - decoder.dropped_bytes / max(len(sample), 1)
        if score > best_score:
            best, best_score = proto, score
    return best
