"""Reps and verdicts derived from a session's raw events and the coach's annotations.

The store keeps only facts (monitor/session/facts.py, stored by monitor/store/db.py); everything the coach sees is computed here from them,
live one event at a time, or again from the start for review or after an undo. Both ways run the same
code on the same order (store ids; an annotation applies after the event committed before it), so a
re-derived session is the live one, rep for rep.

Reps are numbered through the whole session (a course change starts a new assembler, not a new
count), which is the number a void or reassign names. A void or reassign may name a rep that is not
finished yet; it applies when the rep finishes.

The personal bests a session is judged against, and its athletes' recent form, are those of the
sessions before it when it started (monitor/store/history.py), stored with its settings: a later
session, or a void in an earlier one, never changes what this one was judged against, so every reading
of it gives the live verdicts. They are kept per athlete, course and start type.

A session with a plan (monitor/session/plans.py, stored in its settings) runs block by block: the
model asks its BlockTracker (monitor/session/blocks.py) which block a rep is judged in and whether the
block is done; moving on starts the next block's course and gate mapping, like a course change.

The rotation follows the track: each start takes the turn of whoever is next up, and an athlete whose
session reaches END leaves the rotation at that rep (a BRING_BACK returns them; a revision that lifts
the END does too). Both follow from the facts in store order, so re-derivation gives the same turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from gates import protocols
from gates.assembly import DEFAULT_DEBOUNCE_US, NUMBERINGS, RepAssembler
from gates.course import Course
from gates.events import GateEvent, Kind
from gates.rep import INCOMPLETE, VOIDED, Rep
from gates.rotation import Rotation
from monitor.session import facts, plans
from monitor.session.analyzer import RepResult, StopRule, Verdict
from monitor.session.blocks import BlockChanged, BlockTracker, Key
from monitor.session.version import ENGINE_VERSION  # noqa: F401 - bumped there, beside nothing heavy

# The kinds of event that change a rep (the assembler's BREAK and the timer's CANCEL); the others are
# kept as facts but derive nothing, so a derivation may read only these.
DRIVING_KINDS = frozenset({Kind.BREAK, Kind.CANCEL})
PB = tuple[str, str, str | None, int]  # (athlete, course label, start type, best valid rep µs) from earlier sessions


@dataclass(frozen=True, slots=True)
class Settings:
    """How a session is analysed, and the personal bests it is judged against; stored with its START
    (and each RESUME, which carries the START's bests on) annotation."""

    protocol: str = "gateline"
    rule: StopRule = StopRule()
    debounce_us: int = DEFAULT_DEBOUNCE_US
    plan: plans.Plan | None = None  # blocks, each with its own rule; None: one block under `rule`
    pbs: tuple[PB, ...] = ()  # the personal bests it is judged against
    recent: tuple[PB, ...] = ()  # the athletes' recent form (the last weeks' bests), for readiness
    numbering: str = "auto"  # the timer's number field: start numbers, its impulse count, or told (ALGE)

    def as_dict(self) -> dict:
        r = self.rule
        data = {"protocol": self.protocol, "floor_pct": r.floor_pct, "consecutive": r.consecutive,
                "min_reps": r.min_reps, "max_reps": r.max_reps, "against": r.against,
                "debounce_us": self.debounce_us, "pbs": [list(pb) for pb in self.pbs],
                "recent": [list(pb) for pb in self.recent]}
        if self.plan is not None:
            data["plan"] = self.plan.as_dict()
        if self.numbering != "auto":  # sessions stored before it was chosen were all "auto"
            data["numbering"] = self.numbering
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        """The stored settings (ValueError for personal bests that are not [athlete, course, µs], or a numbering
        that is not one)."""
        base = cls()
        rule = StopRule(floor_pct=data.get("floor_pct", base.rule.floor_pct),
                        consecutive=data.get("consecutive", base.rule.consecutive),
                        min_reps=data.get("min_reps", base.rule.min_reps), max_reps=data.get("max_reps"),
                        against=data.get("against", base.rule.against))
        plan = None if data.get("plan") is None else plans.from_dict(data["plan"], "stored with the session")
        numbering = data.get("numbering", base.numbering)
        if numbering not in NUMBERINGS:
            raise ValueError(f"numbering is auto, start or impulse, not {numbering!r:.20}")
        return cls(data.get("protocol", base.protocol), rule, data.get("debounce_us", base.debounce_us), plan,
                   _bests(data.get("pbs", ())), _bests(data.get("recent", ())), numbering)

    @classmethod
    def stored(cls, annotations: list[facts.Annotation]) -> Settings:
        """The settings a session runs by: those of its latest START or RESUME that has any."""
        settings = cls()
        for note in facts.effective(annotations):
            if note.kind in (facts.START, facts.RESUME) and note.data.get("settings"):
                settings = cls.from_dict(note.data["settings"])
        return settings

    def bests(self) -> dict[Key, int]:
        return _keyed(self.pbs)

    def recent_bests(self) -> dict[Key, int]:
        return _keyed(self.recent)


def stored_bests(bests: Mapping[Key, int]) -> tuple[PB, ...]:
    """Bests as the settings keep them, in a stable order."""
    return tuple(sorted((athlete, course.label(), start, us) for (athlete, course, start), us in bests.items()))


def _keyed(pbs: tuple[PB, ...]) -> dict[Key, int]:
    return {(athlete, Course.parse(course), start): us for athlete, course, start, us in pbs}


def _bests(stored: Iterable) -> tuple[PB, ...]:
    """Stored bests checked (ValueError for one that is not [athlete, course, start, µs])."""
    pbs = []
    for pb in stored:
        if not (isinstance(pb, list) and len(pb) == 4 and isinstance(pb[0], str) and isinstance(pb[1], str)
                and (pb[2] is None or isinstance(pb[2], str)) and isinstance(pb[3], int)
                and not isinstance(pb[3], bool) and pb[3] > 0):
            raise ValueError(f"a personal best is [athlete, course, start, µs], got {pb!r:.60}")
        Course.parse(pb[1])
        pbs.append((pb[0], pb[1], pb[2], pb[3]))
    return tuple(pbs)


@dataclass(slots=True, unsafe_hash=True)
class RepFinished:
    """A rep judged for the first time. Treat it as immutable: not frozen only because a capture makes
    one per rep and frozen construction costs more (as `RepResult`)."""

    result: RepResult
    host_ns: int  # host monotonic time its finish arrived


@dataclass(frozen=True, slots=True)
class RepsRevised:
    """Results that changed (an annotation, a timer's cancel): every rep of each athlete touched."""

    results: list[RepResult]


@dataclass(frozen=True, slots=True)
class StartAbandoned:
    """A start nobody finished."""

    rep: Rep


Change = RepFinished | RepsRevised | StartAbandoned | BlockChanged


class SessionModel:
    """One session's reps and verdicts, fed events and annotations in store order.

    `pbs` are the athletes' personal bests from earlier sessions (default: those in `settings`);
    `profiles` fits each rep's sprint profile (off where only rep times matter, as when earlier sessions
    are derived for their PBs)."""

    def __init__(self, settings: Settings, *, pbs: Mapping[Key, int] | None = None,
                 profiles: bool = True, recent: Mapping[Key, int] | None = None) -> None:
        self.settings = settings
        self.protocol = protocols.get(settings.protocol)
        self.blocks = BlockTracker(settings.plan, settings.rule, pbs=settings.bests() if pbs is None else pbs,
                                   recent=settings.recent_bests() if recent is None else recent, profiles=profiles)
        self.analyzer = self.blocks.analyzer()  # the running block's
        self.rotation = Rotation()
        self.assembler: RepAssembler | None = None
        self.results: dict[int, RepResult] = {}  # session rep number -> latest result
        self.abandoned: list[Rep] = []
        self.ended = False
        self._numbered = 0  # reps finished by earlier courses' assemblers
        self._overrides: dict[int, tuple[bool, str | None]] = {}  # rep -> (voided, athlete)
        self._raw: dict[int, Rep] = {}  # rep -> as the assembler made it, before overrides
        self._pending: list[Change] = []  # reps judged as they finished, mid-batch

    @classmethod
    def derive(cls, events: Iterable[facts.StoredEvent], annotations: list[facts.Annotation], *,
               profiles: bool = True) -> SessionModel:
        """The session from scratch: the settings (and bests) of its latest START/RESUME, then
        everything in order."""
        notes = facts.effective(annotations)
        model = cls(Settings.stored(annotations), profiles=profiles)
        pending = iter(notes)
        note = next(pending, None)
        run: list[GateEvent] = []  # events up to the next annotation, fed at once (the assembler's batch path)
        for stored in events:
            if note is not None and note.after_event < stored.id:
                if run:
                    model.events(run)
                    run = []
                while note is not None and note.after_event < stored.id:
                    model.apply(note)
                    note = next(pending, None)
            run.append(stored.event)
        if run:
            model.events(run)
        while note is not None:
            model.apply(note)
            note = next(pending, None)
        return model

    # -- input -----------------------------------------------------------------------------------

    def event(self, event: GateEvent) -> list[Change]:
        if self.assembler is None:
            return []  # no course yet: kept in the store, judged once there is one
        return self._drain(self._take(self.assembler.feed(event), event.host_ns))

    def events(self, events: list[GateEvent]) -> list[Change]:
        """Many events at once (a capture, a backlog): the assembler's batch path, the same reps.
        Before a plan's last block they go one by one, so the next block's course starts at the
        very event it would start at live."""
        if self.assembler is None:
            return []
        if self.blocks.plan is not None and not self.blocks.last:
            return [change for event in events for change in self.event(event)]
        return self._drain(self._take(self.assembler.feed_all(events), events[-1].host_ns if events else 0))

    def _finished(self, out: list[Rep], host_ns: int) -> None:
        """The assembler's hook: a rep finished mid-batch is judged now, before the next start."""
        self._take(out, host_ns, self._pending)
        out.clear()

    def _drain(self, changes: list[Change]) -> list[Change]:
        pending, self._pending = self._pending, []
        return pending + changes

    def tick(self, now_us: int) -> list[Change]:
        """Time out starts nobody finished (the session clock is the gates' clock)."""
        if self.assembler is None:
            return []
        return self._take(self.assembler.tick(now_us), 0)

    def apply(self, note: facts.Annotation) -> list[Change]:
        """One annotation (UNDO is handled by deriving again: see `facts.effective`)."""
        kind, data = note.kind, note.data
        if kind == facts.COURSE:
            return self.set_course(Course.parse(data["course"]))
        if kind == facts.ROSTER:
            self.set_roster(data["athletes"])
        elif kind == facts.SKIP:
            self.rotation.skip()
        elif kind in (facts.NEXT_UP, facts.OUT_OF_TURN, facts.ADD_ATHLETE, facts.REMOVE_ATHLETE, facts.BRING_BACK):
            name = data["athlete"]
            if kind == facts.ADD_ATHLETE:
                self.rotation.add(name)
            elif kind == facts.BRING_BACK:
                self.rotation.bring_back(name)
            elif name in self.rotation.names:
                {facts.NEXT_UP: self.rotation.set_next, facts.OUT_OF_TURN: self.rotation.send_now,
                 facts.REMOVE_ATHLETE: self.rotation.remove}[kind](name)
        elif kind in (facts.VOID, facts.REASSIGN):
            number = data["rep"]
            voided, athlete = self._overrides.get(number, (False, None))
            if kind == facts.VOID:
                voided = True
            else:
                athlete = data["athlete"]
            self._overrides[number] = (voided, athlete)
            if number in self._raw:
                return self._revise(self._override(self._raw[number]))
        elif kind == facts.END:
            self.ended = True
            return self.flush()
        elif kind == facts.BLOCK:
            return self.enter_block(data["block"], "moved on by the coach")
        elif kind == facts.TIMEOUT:  # a live tick gave up on open starts here: so does every derivation
            return self.tick(data["at_us"])
        return []

    def enter_block(self, number: int, reason: str) -> list[Change]:
        """Start the plan's block `number` (1-based): open starts abandoned, athletes at END out of the
        rotation, the block's course and gates. Nothing if there is no such block or it runs already."""
        change = self.blocks.advance(number, reason)
        if change is None:
            return []
        changes = self.flush()
        if self.rotation.names:
            self.set_roster([name for name in self.rotation.names if name not in self.blocks.out])
        self.analyzer = self.blocks.analyzer()
        changes += self.set_course(change.course)
        changes.append(change)
        return changes

    def set_roster(self, athletes: list[str]) -> None:
        self.rotation.reorder(athletes)

    def set_course(self, course: Course) -> list[Change]:
        changes = self.flush()
        if self.assembler is not None:
            self._numbered += self.assembler.reps_finished
        self.assembler = RepAssembler(course, self._mapped(self.protocol), self.rotation,
                                      debounce_us=self.settings.debounce_us, numbering=self.settings.numbering)
        self.assembler.on_finish = self._finished
        return changes

    def _mapped(self, protocol: protocols.Protocol) -> protocols.Protocol:
        """The protocol with the running block's gate ids at its distances, where the block names them."""
        block = self.blocks.block
        if block is None or block.gates is None or protocol.sequential:
            return protocol
        position = {gate: i for i, gate in enumerate(block.gates)}
        return replace(protocol, course_index=lambda event, _gates: position.get(event.gate))

    def flush(self) -> list[Change]:
        """Every open start is abandoned (the session or the course ends)."""
        return self._take(self.assembler.flush(), 0) if self.assembler is not None else []

    # -- output ----------------------------------------------------------------------------------

    @property
    def course(self) -> Course | None:
        return self.assembler.course if self.assembler is not None else None

    @property
    def finished(self) -> str:
        """Why the workout is over for everyone ("" while someone has reps to run): every athlete in
        the rotation has reached END, or has done the plan's last block. The session stays open (a void
        can lift an END) until the coach ends it."""
        rotation = self.rotation
        if rotation.names and not rotation.running:
            return "every athlete has reached END"
        if self.blocks.last and self.results and self.blocks.done(rotation.running):
            return f"plan done: everyone has run {self.blocks.block.name}"  # short: it fits 80 columns
        return ""

    def ordered_results(self) -> list[RepResult]:
        return [self.results[n] for n in sorted(self.results)]

    def standing(self, athlete: str, course: Course, block: int | None = None) -> tuple[int | None, Verdict | None, str]:
        """Best, verdict and reason of one athlete on one course, in one block (1-based; default the running one)."""
        return self.blocks.analyzer(None if block is None else block - 1).standing(athlete, course)

    def results_by_block(self) -> dict[tuple[int, str, Course], list[RepResult]]:
        """Results per block (1-based), athlete and course, in order of first rep."""
        grouped: dict[tuple[int, str, Course], list[RepResult]] = {}
        for result in self.ordered_results():
            grouped.setdefault((result.block.index, result.rep.athlete, result.rep.course), []).append(result)
        return grouped

    def results_by_athlete(self) -> dict[tuple[str, Course], list[RepResult]]:
        """Results per athlete and course (what the analyzer judges together), in order of first rep."""
        grouped: dict[tuple[str, Course], list[RepResult]] = {}
        for result in self.ordered_results():
            grouped.setdefault((result.rep.athlete, result.rep.course), []).append(result)
        return grouped

    def _take(self, reps: list[Rep], host_ns: int, changes: list[Change] | None = None) -> list[Change]:
        """The changes `reps` make (appended to `changes`, if given)."""
        changes = [] if changes is None else changes
        blocks, results, raw, overrides = self.blocks, self.results, self._raw, self._overrides
        for rep in reps:
            if INCOMPLETE in rep.flags:
                self.abandoned.append(rep)
                changes.append(StartAbandoned(rep))
                continue
            if self._numbered:  # the assembler numbers from 1 again after a course change
                rep = replace(rep, number=rep.number + self._numbered)
            number = rep.number
            revision = number in raw  # the timer cancelled its finish: same rep, revised
            raw[number] = rep
            if overrides:
                rep = self._override(rep)
            if revision:
                changes.extend(self._revise(rep))
                continue
            result, ending = blocks.enter(rep)
            results[number] = result
            changes.append(RepFinished(result, host_ns))
            if ending:
                self.rotation.leave(rep.athlete)  # their session is over: no more turns
            if blocks.plan is not None and blocks.complete(self.rotation.running):
                changes += self.enter_block(blocks.index + 2, f"every athlete has done {blocks.block.name}")
        return changes

    def _override(self, rep: Rep) -> Rep:
        voided, athlete = self._overrides.get(rep.number, (False, None))
        if voided:
            rep = replace(rep, flags=rep.flags | {VOIDED})
        if athlete is not None:
            rep = replace(rep, athlete=athlete)
        return rep

    def _revise(self, rep: Rep) -> list[Change]:
        before = self._at_end()
        results = self.blocks.revise(rep)
        for result in results:
            self.results[result.rep.number] = result
        after = self._at_end()
        for name in after - before:
            self.rotation.leave(name)
        for name in before - after:
            self.rotation.bring_back(name)
        return [RepsRevised(results)]

    def _at_end(self) -> set[str]:
        """The athletes whose session has reached END, on some course."""
        analyzer = self.analyzer
        return {name for name, course in analyzer.athletes() if analyzer.standing(name, course)[1] is Verdict.END}

