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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gates.codec import ResendRequest
from gates.events import GateEvent

WINDOW = 1024  # events a gateline gate keeps for resending
SEQ_MOD = 1 << 16
RETRY_NS = 1_000_000_000  # ask again if a hole is still open after a heartbeat period
GIVE_UP_NS = 5_000_000_000  # connected time after which an unfilled hole is lost


def unwrap(seq: int, near: int) -> int:
    """The unbounded sequence number closest to `near` whose low 16 bits are `seq`."""
    delta = (seq - near) % SEQ_MOD
    return near + delta if delta < SEQ_MOD // 2 else near + delta - SEQ_MOD


@dataclass(slots=True)
class _Gate:
    top: int  # highest (unwrapped) seq known to exist: seen, or announced by a heartbeat
    seen: set[int] = field(default_factory=set)
    holes: set[int] = field(default_factory=set)
    synced: bool = True  # has reported where it stands since the last connect
    asked: tuple[int, int] | None = None  # (from seq, at ns) of the last resend request
    holes_since: int = 0  # connected-time clock when the current holes opened


class Recovery:
    """Dedupe, find holes, ask for them, and hold events back until they are in order again."""

    def __init__(self, window: int = WINDOW, retry_ns: int = RETRY_NS, give_up_ns: int = GIVE_UP_NS) -> None:
        self.window = window
        self.retry_ns = retry_ns
        self.give_up_ns = give_up_ns
        self.gates: dict[int, _Gate] = {}
        self.lost = 0  # events known to be missing for good
        self.duplicates = 0  # events received again (answers to resend requests) and dropped
        self._held: list[GateEvent] = []
        self._syncing_since: int | None = None  # a connect whose gates have not all reported yet

    # -- what we already have -------------------------------------------------------------------

    def seed(self, seen: Iterable[tuple[int, int]], baselines: Iterable[tuple[int, int]] = ()) -> None:
        """What a resumed session had: each gate's baseline (gate, seq), then the (gate, seq) of its
        stored events in arrival order. The next connect asks every gate from there."""
        for gate, seq in baselines:
            self.baseline(gate, seq, 0)
        for gate, seq in seen:
            self._note(gate, seq, 0)

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
        fresh = self._note(event.gate, event.seq, now_ns)
        if fresh is None:
            self.duplicates += 1
            return [], []
        requests = self._ask(event.gate, now_ns) if fresh else []
        self._held.append(event)
        return self._release(), requests

    def heartbeat(self, gate: int, last_seq: int, now_ns: int) -> tuple[list[GateEvent], list[ResendRequest]]:
        """A gate said its latest event is `last_seq` (65535, the seq before 0, if it has sent none).
        A gate heard of for the first time sets its baseline there: its earlier events belong to
        before this session."""
        g = self.gates.get(gate)
        if g is None:
            self.baseline(gate, last_seq, now_ns)
            return self._release(), []
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

    # -- bookkeeping ----------------------------------------------------------------------------

    def _note(self, gate: int, seq: int, now_ns: int) -> bool | None:
        """Record an event: None if already had (or from before the gate's baseline), else whether it
        opened new holes."""
        g = self.gates.get(gate)
        if g is None:
            self.gates[gate] = _Gate(top=seq, seen={seq}, holes_since=now_ns)
            return False
        u = unwrap(seq, g.top)
        if u in g.seen or u <= g.top - self.window:
            return None
        opened = False
        if u > g.top:
            opened = self._open_holes(g, u - 1, now_ns)
            g.top = u
        elif u in g.holes:
            g.holes.discard(u)
        else:
            return None  # older than anything this session knew the gate for
        g.seen.add(u)
        if len(g.seen) > 2 * self.window:
            floor = g.top - self.window
            g.seen = {s for s in g.seen if s > floor}
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
        out = sorted(self._held, key=lambda e: e.device_us) if len(self._held) > 1 else self._held
        self._held = []
        return out
