"""Tie a restarted gate's new clock to the clock it had, through the host's clock (sans-IO).

Gateline gates on one serial line report on clocks the splits can compare (one timer, or gates
kept in step). A gate that restarts comes back on a clock starting near 0 that no other gate shares,
so its times would fall outside every rep. The host still has one clock common to both: each
heartbeat and event arrives at a host time, and ClockSync (gates/clocksync.py) fits each epoch of
the gate's clock to it on the fastest deliveries. Composing the new epoch's fit with the old one's,
frozen at the restart, maps a new reading onto the old clock. That is only as good as the two fits,
so a reading is mapped only while their estimated errors add up to `max_error_us`; until then (or on
a link whose host times cannot pin a clock: a simulator running faster than real time) it stays as
the gate sent it, and its split is left empty rather than wrong.
"""

from __future__ import annotations

from gates.clocksync import ClockSync

MAX_ERROR_US = 2_000  # what a split through a bridged gate may be off by


class ClockBridge:
    def __init__(self, max_error_us: int = MAX_ERROR_US) -> None:
        self.max_error_us = max_error_us
        self.sync = ClockSync()
        self._epochs: dict[int, int] = {}  # gate -> restarts so far

    def epoch(self, gate: int) -> int:
        return self._epochs.get(gate, 0)

    def restarted(self, gate: int) -> None:
        self._epochs[gate] = self.epoch(gate) + 1  # the old epoch's fit is no longer fed: frozen

    def sample(self, gate: int, device_us: int, host_ns: int, *, fresh: bool) -> None:
        """A reading of the gate's current clock as it arrived (`fresh`: a heartbeat, read as sent)."""
        self.sync.add((gate, self.epoch(gate)), device_us, host_ns, fresh=fresh)

    def to_first(self, gate: int, epoch: int, device_us: int) -> int | None:
        """`device_us`, read in `epoch` of the gate's clock, on its first clock; None if the host
        cannot pin both clocks to `max_error_us` (yet)."""
        if epoch == 0:
            return device_us
        old, new = (gate, 0), (gate, epoch)
        if old not in self.sync.clocks() or new not in self.sync.clocks():
            return None
        if self.sync.state(old).error_us + self.sync.state(new).error_us > self.max_error_us:
            return None
        host_us = self.sync.session_us(new, device_us)
        x = device_us
        for _ in range(3):  # invert the old fit (its slope is 1 within a crystal's drift)
            x += host_us - self.sync.session_us(old, x)
        return x
