"""Never lose an event on a link whose gates can resend: per-gate sequence bookkeeping (sans-IO).

Source: DESIGN.md, "The gateline protocol": every event carries a 16-bit per-gate seq; a heartbeat
repeats the seq of the gate's latest event; a gate keeps its last 1,024 events and resends them from
a seq on `$GR`. So a reader can tell what it missed (a jump in seq, or a heartbeat ahead of what it
saw) and ask for it again, and must drop what it receives twice.

`Recovery` does that bookkeeping and nothing else: it is told about events, heartbeats, (re)connects
and the time, and answers with the resend requests to send and the events to pass on. While a hole
is being filled, or right after a (re)connect until every known gate has reported where it stands,
events are held back and then released in device-time order, so that everything downstream sees one
gate's events in order. A hole the gate cannot fill (it fell out of the gate's buffer, or no answer
came within `give_up_ns` of connected time) is counted in `lost` and released past.

A gate that restarts (power cycle, brown-out) numbers its events from 0 again on a clock that starts
near 0, with an empty buffer, while the other gates carry on. Left alone its new events would look
like ones already had and be dropped, or open a hole of thousands; so with `restarts=True` (gates
whose device times are their raw clocks: serial gateline) an event that is neither new by seq nor a
hole being filled (or given up on), nor a copy of one we had, and whose clock is behind the gate's
latest, starts the gate over (as does a heartbeat whose clock is behind one the gate read before
sending it): its unfillable holes are lost, and its new numbering is taken from 0, asking for what of
it did not arrive. That needs events and heartbeats in the order each gate sent them: a reader that
fell behind reads seconds of gate time at once, and a heartbeat taken after events sent later would
look like its clock going back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gates.codec import ResendRequest
from gates.events import GateEvent

WINDOW = 1024  # events a gateline gate keeps for resending
SEQ_MOD = 1 << 16
RETRY_NS = 1_000_000_000  # ask again if a hole is still open after a heartbeat period
RESTART_BACK_US = 1_000_000  # a heartbeat clock this far behind the gate's previous one: it restarted
GIVE_UP_NS = 5_000_000_000  # connected time after which an unfilled hole is lost


def unwrap(seq: int, near: int) -> int:
    """The unbounded sequence number closest to `near` whose low 16 bits are `seq`."""
    delta = (seq - near) % SEQ_MOD
    return near + delta if delta < SEQ_MOD // 2 else near + delta - SEQ_MOD


@dataclass(slots=True)
class _Gate:
    top: int  # highest (unwrapped) seq known to exist: seen, or announced by a heartbeat
    seen: dict[int, int | None] = field(default_factory=dict)  # seq -> device_us (None: from a resumed store)
    holes: set[int] = field(default_factory=set)
    gone: set[int] = field(default_factory=set)  # holes given up on: one arriving after all is late, not new
    synced: bool = True  # has reported where it stands since the last connect
    asked: tuple[int, int] | None = None  # (from seq, at ns) of the last resend request
    holes_since: int = 0  # connected-time clock when the current holes opened
    newest_us: int | None = None  # device time of the event at `top`, where seen live
    clock_us: int | None = None  # device time of the latest heartbeat
    rank: int = 0  # added to device times to order this gate's held events: each restart sorts after


class Recovery:
    """Dedupe, find holes, ask for them, and hold events back until they are in order again."""

    def __init__(self, window: int = WINDOW, retry_ns: int = RETRY_NS, give_up_ns: int = GIVE_UP_NS,
                 restarts: bool = False) -> None:
        self.window = window
        self.restarts = restarts
        self.retry_ns = retry_ns
        self.give_up_ns = give_up_ns
        self.gates: dict[int, _Gate] = {}
        self.lost = 0  # events known to be missing for good
        self.duplicates = 0  # events received again (answers to resend requests) and dropped
        self.restarted: list[int] = []  # the gate of each restart seen, in order
        self._held: list[tuple[int, GateEvent]] = []  # (order key, event)
        self._syncing_since: int | None = None  # a connect whose gates have not all reported yet

    # -- what we already have -------------------------------------------------------------------

    def seed(self, seen: Iterable[tuple[int, int]], baselines: Iterable[tuple[int, int]] = ()) -> None:
        """What a resumed session had: each gate's baseline (gate, seq), then the (gate, seq) of its
        stored events in arrival order. The next connect asks every gate from there."""
        for gate, seq in baselines:
            self.baseline(gate, seq, 0)
        for gate, seq in seen:
            self._note(gate, seq, None, 0)

    def baseline(self, gate: int, seq: int, now_ns: int) -> None:
        """Gate `gate` is known from `seq` on: events up to it are not this session's."""
        if gate not in self.gates:
            self.gates[gate] = _Gate(top=seq, holes_since=now_ns)

    @property
    def missing(self) -> int:
        """Events known to exist that have not arrived yet."""
        return sum(len(g.holes) for g in self.gates.values())

    @property
    def holding(self) -> bool:
        return self._syncing_since is not None or any(g.holes for g in self.gates.values())

    # -- link events ----------------------------------------------------------------------------

    def connected(self, now_ns: int) -> list[ResendRequest]:
        """The link is (back) up: ask every known gate for what came after the last event we have."""
        requests = []
        for gate, g in self.gates.items():
            g.synced = False
            g.holes_since = now_ns
            start = min(g.holes) if g.holes else g.top + 1
            g.asked = (start, now_ns)
            requests.append(ResendRequest(gate, start % SEQ_MOD))
        self._syncing_since = now_ns if self.gates else None
        return requests

    def event(self, event: GateEvent, now_ns: int) -> tuple[list[GateEvent], list[ResendRequest]]:
        """One decoded event: returns the events now due downstream and the resend requests to send."""
        if self.restarts and self._restarted(event):
            self._restart(event.gate, event.device_us, now_ns)
        fresh = self._note(event.gate, event.seq, event.device_us, now_ns)
        if fresh is None:
            self.duplicates += 1
            return [], []
        requests = self._ask(event.gate, now_ns) if fresh else []
        self._held.append((event.device_us + self.gates[event.gate].rank, event))
        return self._release(), requests

    def heartbeat(self, gate: int, last_seq: int, now_ns: int,
                  device_us: int | None = None) -> tuple[list[GateEvent], list[ResendRequest]]:
        """A gate said its latest event is `last_seq` (65535, the seq before 0, if it has sent none)
        at `device_us` on its clock. A gate heard of for the first time sets its baseline there: its
        earlier events belong to before this session."""
        g = self.gates.get(gate)
        if g is None:
            self.baseline(gate, last_seq, now_ns)
            self.gates[gate].clock_us = device_us
            return self._release(), []
        if self.restarts and device_us is not None and self._went_back(g, last_seq, device_us):
            g = self._restart(gate, device_us, now_ns)
        g.clock_us = device_us if device_us is not None else g.clock_us
        g.synced = True
        requests = []
        if self._open_holes(g, unwrap(last_seq, g.top), now_ns):
            requests = self._ask(gate, now_ns)
        return self._release(), requests

    def tick(self, now_ns: int) -> tuple[list[GateEvent], list[ResendRequest]]:
        """Time passes (while connected): ask again for open holes, give up on old ones."""
        requests = []
        if self._syncing_since is not None and now_ns - self._syncing_since > self.give_up_ns:
            self._syncing_since = None  # a gate that never reported: nothing more to wait for
        for gate, g in self.gates.items():
            if not g.holes:
                continue
            if now_ns - g.holes_since > self.give_up_ns:
                self.lost += len(g.holes)
                g.gone |= g.holes
                g.holes.clear()
            elif g.asked is None or now_ns - g.asked[1] >= self.retry_ns:
                requests += self._ask(gate, now_ns, force=True)
        return self._release(), requests

    def flush(self) -> list[GateEvent]:
        """The stream ends: whatever was held back, in order; holes still open are lost."""
        self.lost += self.missing
        for g in self.gates.values():
            g.holes.clear()
        self._syncing_since = None
        return self._release()

    def disconnected(self) -> None:
        """The link is down: nothing can arrive, so no hole ages until it is back."""
        self._syncing_since = None

    # -- restarts -------------------------------------------------------------------------------

    def _went_back(self, g: _Gate, last_seq: int, device_us: int) -> bool:
        """A heartbeat's clock behind one the gate had read before it sent the heartbeat: that of its
        previous heartbeat, and that of the event it names as its latest where we have it, else of our
        newest. Events after the one it names may have been sent after it, however early they came (a
        resend answer can overtake what is still on its way), so their clocks say nothing about it."""
        named = g.seen.get(unwrap(last_seq, g.top))
        if named is None:
            named = g.newest_us
        known = [us for us in (g.clock_us, named) if us is not None]
        return bool(known) and device_us < max(known) - RESTART_BACK_US

    def _restarted(self, event: GateEvent) -> bool:
        """Not new, not a hole being filled (or given up on), not a copy of one we had, and behind
        the gate's clock."""
        g = self.gates.get(event.gate)
        if g is None or g.newest_us is None or event.device_us >= g.newest_us:
            return False
        u = unwrap(event.seq, g.top)
        if u in g.holes or u in g.gone:
            return False
        return u not in g.seen or g.seen[u] not in (None, event.device_us)

    def _restart(self, gate: int, device_us: int, now_ns: int) -> _Gate:
        """The gate started over: its old holes cannot be filled; its numbering begins at 0 again."""
        old = self.gates[gate]
        self.lost += len(old.holes)
        self.restarted.append(gate)
        rank = old.rank + max(0, (old.newest_us or 0) + 1 - device_us)  # after all it sent before
        g = self.gates[gate] = _Gate(top=-1, holes_since=now_ns, rank=rank)
        return g

    # -- bookkeeping ----------------------------------------------------------------------------

    def _note(self, gate: int, seq: int, device_us: int | None, now_ns: int) -> bool | None:
        """Record an event: None if already had (or from before the gate's baseline), else whether it
        opened new holes."""
        g = self.gates.get(gate)
        if g is None:
            self.gates[gate] = _Gate(top=seq, seen={seq: device_us}, holes_since=now_ns, newest_us=device_us)
            return False
        u = unwrap(seq, g.top) if g.top >= 0 else seq  # a restarted gate counts from 0 again
        if u in g.seen or u <= g.top - self.window:
            return None
        opened = False
        if u > g.top:
            opened = self._open_holes(g, u - 1, now_ns)
            g.top = u
            g.newest_us = device_us
        elif u in g.holes:
            g.holes.discard(u)
        else:
            return None  # older than anything this session knew the gate for
        g.seen[u] = device_us
        if len(g.seen) > 2 * self.window:
            floor = g.top - self.window
            g.seen = {s: us for s, us in g.seen.items() if s > floor}
            g.gone = {s for s in g.gone if s > floor}
        return opened

    def _open_holes(self, g: _Gate, upto: int, now_ns: int) -> bool:
        """Everything after `g.top` up to `upto` exists but has not arrived."""
        if upto <= g.top:
            return False
        floor = upto - self.window  # older than that the gate has already forgotten
        first = g.top + 1
        if first <= floor:
            self.lost += floor - first + 1
            first = floor + 1
        if not g.holes:
            g.holes_since = now_ns
        g.holes.update(range(first, upto + 1))
        g.top = max(g.top, upto)
        floor = g.top - self.window
        stale = {h for h in g.holes if h <= floor}
        if stale:
            self.lost += len(stale)
            g.holes -= stale
        return bool(g.holes)

    def _ask(self, gate: int, now_ns: int, force: bool = False) -> list[ResendRequest]:
        g = self.gates[gate]
        if not g.holes:
            return []
        start = min(g.holes)
        if not force and g.asked is not None and g.asked[0] <= start and now_ns - g.asked[1] < self.retry_ns:
            return []  # the answer to the last request will cover it
        g.asked = (start, now_ns)
        return [ResendRequest(gate, start % SEQ_MOD)]

    def _release(self) -> list[GateEvent]:
        if self._syncing_since is not None and all(g.synced for g in self.gates.values()):
            self._syncing_since = None
        if self.holding or not self._held:
            return []
        held = sorted(self._held, key=lambda h: h[0]) if len(self._held) > 1 else self._held
        self._held = []
        return [event for _, event in held]
