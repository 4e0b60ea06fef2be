"""Checking a run against what the simulated gates really sent: each event by its identity."""

from __future__ import annotations

import asyncio

from gates.gateline import GatelineDecoder


def key(e) -> tuple:
    """What makes an event itself (the store keeps one row per key)."""
    return e.gate, e.seq, e.device_us, e.kind


def sent(session) -> list[tuple]:
    """Every event the gates of a session without link faults sent (garbage on the line is no event)."""
    return sorted(key(e) for e in GatelineDecoder().feed(session.capture()))


def drain(queue: asyncio.Queue) -> list:
    """What a subscriber's queue holds now."""
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out
