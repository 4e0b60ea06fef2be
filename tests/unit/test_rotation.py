"""The rotation follows the track: each start takes the turn of whoever is next up, an athlete whose
session reaches END leaves it, and re-deriving a session from its stored facts gives the turns the
live session gave (the engine is fed exactly as monitor/live/pipeline.py feeds it, ticks included)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gates.course import Course
from gates.events import GateEvent
from gates.rotation import Rotation
from monitor.session import facts
from monitor.session.analyzer import StopRule, Verdict
from monitor.session.model import SessionModel, Settings

COURSE = Course.parse("0,10,20,30")
SHAPE = (0.42, 0.72, 1.0)  # each gate's share of the rep time


class Session:
    """A session as the store keeps it (events and annotations with store ids) and as the live model
    saw it, fed one fact at a time."""

    def __init__(self, roster: list[str], rule: StopRule = StopRule(consecutive=1)) -> None:
        self.events: list[facts.StoredEvent] = []
        self.notes: list[facts.Annotation] = []
        self.live = SessionModel(Settings(rule=rule))
        self.t_us = 5_000_000
        self._ids = 0
        self.note(facts.START, settings=Settings(rule=rule).as_dict(), sources=["sim"])
        self.note(facts.COURSE, course=COURSE.label())
        self.note(facts.ROSTER, athletes=roster)

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def note(self, kind: str, **data: object) -> None:
        note = facts.Annotation(self._id(), 1, self.events[-1].id if self.events else 0, 0, kind, data)
        self.notes.append(note)
        if kind == facts.UNDO:  # as the pipeline does: the session derived again without its target
            self.live = self.derived()
        else:
            self.live.apply(note)

    def brk(self, gate: int, t_us: int) -> None:
        stored = facts.StoredEvent(self._id(), "sim", GateEvent(gate, len(self.events), t_us))
        self.events.append(stored)
        self.live.event(stored.event)

    def rep(self, seconds: float) -> None:
        start = self.t_us
        self.brk(1, start)
        for gate, share in enumerate(SHAPE, start=2):
            self.brk(gate, start + int(seconds * share * 1e6))
        self.t_us = start + int(seconds * 1e6) + 10_000_000

    def lone_start(self, wait_s: float) -> None:
        """Someone walks through the start gate; nothing follows for `wait_s`."""
        self.brk(1, self.t_us)
        self.t_us += int(wait_s * 1e6)

    def tick(self) -> None:
        """The pipeline's tick: what it gives up on is stored as a TIMEOUT at that point."""
        if self.live.tick(self.t_us):
            self.notes.append(facts.Annotation(self._id(), 1, self.events[-1].id if self.events else 0, 0,
                                               facts.TIMEOUT, {"at_us": self.t_us}))

    def derived(self) -> SessionModel:
        return SessionModel.derive(self.events, self.notes)

    def athletes(self) -> list[str]:
        return [r.rep.athlete for r in self.live.ordered_results()]


def test_the_next_athlete_is_up_after_each_rep():
    s = Session(["Ada", "Ben", "Cleo"])
    ups = []
    for _ in range(4):
        s.rep(4.5)
        ups.append(s.live.rotation.next_up)
    assert ups == ["Ben", "Cleo", "Ada", "Ben"]
    assert s.athletes() == ["Ada", "Ben", "Cleo", "Ada"]


def test_a_rep_goes_to_whoever_was_up_when_its_start_was_seen():
    """The coach sends Cleo next while Ada is on the course: Ada's rep stays Ada's."""
    s = Session(["Ada", "Ben", "Cleo"])
    start = s.t_us
    s.brk(1, start)
    s.brk(2, start + 1_900_000)
    s.note(facts.NEXT_UP, athlete="Cleo")
    s.brk(3, start + 3_200_000)
    s.brk(4, start + 4_400_000)
    s.t_us += 20_000_000
    s.rep(4.5)
    assert s.athletes() == ["Ada", "Cleo"]
    assert s.live.rotation.next_up == "Ada"


def test_an_athlete_sent_out_of_turn_runs_next_and_nobody_waiting_misses_a_turn():
    """What `n` stores: Dev goes while Ben is up; then Ben, Cleo and Dev in their own turns again."""
    s = Session(["Ada", "Ben", "Cleo", "Dev"])
    s.rep(4.5)
    s.note(facts.OUT_OF_TURN, athlete="Dev")
    assert s.live.rotation.next_up == "Dev"
    ups = []
    for _ in range(5):
        s.rep(4.5)
        ups.append(s.live.rotation.next_up)
    assert s.athletes() == ["Ada", "Dev", "Ben", "Cleo", "Dev", "Ada"]
    assert ups == ["Ben", "Cleo", "Dev", "Ada", "Ben"]
    assert s.derived().rotation.next_up == "Ben"


def test_an_athlete_sent_out_of_turn_while_a_rep_runs_goes_after_it():
    s = Session(["Ada", "Ben", "Cleo"])
    start = s.t_us
    s.brk(1, start)
    s.note(facts.OUT_OF_TURN, athlete="Cleo")  # Ada is on the course
    for gate, share in enumerate(SHAPE, start=2):
        s.brk(gate, start + int(4.5 * share * 1e6))
    s.t_us += 20_000_000
    s.rep(4.5)
    assert s.athletes() == ["Ada", "Cleo"]
    assert s.live.rotation.next_up == "Ben"


def test_out_of_turn_is_undone_by_a_skip_a_new_order_or_the_athletes_end():
    rotation = Rotation(["A", "B", "C"])
    rotation.send_now("A")  # up anyway: an ordinary turn
    assert rotation.take() == "A" and rotation.next_up == "B"
    for undo in (rotation.skip, lambda: rotation.reorder(["B", "C", "A"]), lambda: rotation.leave("C")):
        rotation.send_now("C")
        assert rotation.next_up == "C"
        undo()
        assert rotation.next_up == "B"
    rotation.send_now("C")  # at END: back in the rotation, and sent now
    assert rotation.out == set() and rotation.next_up == "C"
    rotation.remove("C")
    assert rotation.names == ["B", "A"] and rotation.next_up == "B"


def test_a_turn_handed_back_after_an_out_of_turn_start_is_out_of_turn_again():
    rotation = Rotation(["A", "B", "C"])
    rotation.send_now("C")
    assert rotation.take() == "C"
    rotation.untake("C", rotation.version)  # a start that came to nothing
    assert rotation.next_up == "C"
    assert rotation.take() == "C" and rotation.next_up == "A"


def test_an_athlete_at_end_leaves_the_rotation_and_later_reps_go_to_the_others():
    """A, B, C rotating; A's second rep is under the floor (END with one rep under): B's and C's reps
    stay theirs from then on, and bringing A back puts A in turn again, in A's place."""
    s = Session(["A", "B", "C"])
    for times in [(4.0, 4.5, 4.7), (4.6, 4.5, 4.7)]:
        for seconds in times:
            s.rep(seconds)
    results = s.live.ordered_results()
    assert [(r.rep.athlete, r.verdict) for r in results][3] == ("A", Verdict.END)
    assert s.live.rotation.out == {"A"} and s.live.rotation.next_up == "B"
    s.rep(4.5)
    s.rep(4.7)
    assert s.athletes()[-2:] == ["B", "C"]
    assert [r.verdict for r in s.live.ordered_results()[-2:]] == [Verdict.GO, Verdict.GO]
    assert s.live.rotation.next_up == "B"
    s.note(facts.BRING_BACK, athlete="A")
    assert s.live.rotation.next_up == "A"
    s.rep(4.5)
    s.rep(4.5)
    s.rep(4.7)
    assert s.athletes()[-3:] == ["A", "B", "C"]
    assert s.live.rotation.out == set()


def test_a_void_that_lifts_the_end_brings_the_athlete_back():
    s = Session(["A", "B"])
    for seconds in (4.0, 4.5, 4.6):
        s.rep(seconds)
    assert s.live.rotation.out == {"A"}
    s.note(facts.VOID, rep=3)
    assert s.live.rotation.out == set()
    assert s.derived().rotation.out == set()


def test_a_passer_by_at_the_start_gate_hands_the_turn_to_the_real_start():
    s = Session(["Ada", "Ben"])
    s.lone_start(8.0)  # dies when the next rep's gates show it was nobody running
    s.rep(4.5)
    s.lone_start(30.0)
    s.tick()  # the live session times it out by the clock
    s.rep(4.5)
    assert s.athletes() == ["Ada", "Ben"]
    assert [r.athlete for r in s.live.abandoned] == ["?", "?"]


def test_rotation_turns_handed_back_only_while_nothing_changed():
    rotation = Rotation(["A", "B", "C"])
    rotation.take()
    turn = rotation.version
    rotation.untake("A", turn)
    assert rotation.next_up == "A"
    rotation.take()
    turn = rotation.version
    rotation.skip()  # the coach moved the queue on since: the turn stays taken
    rotation.untake("A", turn)
    assert rotation.next_up == "C"


NAMES = ["A", "B", "C", "D"]
STEP = st.one_of(
    st.tuples(st.just("rep"), st.floats(4.0, 5.2)),
    st.tuples(st.just("lone"), st.floats(0.5, 40.0)),
    st.tuples(st.just("tick"), st.none()),
    st.tuples(st.just("skip"), st.none()),
    st.tuples(st.just("next"), st.sampled_from(NAMES)),
    st.tuples(st.just("first"), st.sampled_from(NAMES)),
    st.tuples(st.just("back"), st.sampled_from(NAMES)),
    st.tuples(st.just("order"), st.permutations(NAMES).map(lambda names: names[: 2 + len(names) % 3])),
    st.tuples(st.just("void"), st.integers(1, 12)),
    st.tuples(st.just("undo"), st.integers(0, 6)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(STEP, max_size=40), st.integers(1, 3))
def test_re_derived_attribution_equals_the_live_one(steps, consecutive):
    """Random rotations with random ENDs (slow reps under a one- to three-rep rule), skips, reorders,
    choices (as stored before out-of-turn, and out of turn), bring-backs, voids, undos, passers-by and clock ticks: the session derived again from its
    facts gives every rep to the athlete the live session gave it, with the same verdict and reason,
    and (on the same clock) leaves the rotation where the live one is."""
    s = Session(NAMES[:3], StopRule(consecutive=consecutive))
    for kind, value in steps:
        if kind == "rep":
            s.rep(value)
        elif kind == "lone":
            s.lone_start(value)
        elif kind == "tick":
            s.tick()
        elif kind == "skip":
            s.note(facts.SKIP)
        elif kind == "next":
            s.note(facts.NEXT_UP, athlete=value)
        elif kind == "first":
            s.note(facts.OUT_OF_TURN, athlete=value)
        elif kind == "back":
            s.note(facts.BRING_BACK, athlete=value)
        elif kind == "order":
            s.note(facts.ROSTER, athletes=list(value))
        elif kind == "void":
            s.note(facts.VOID, rep=value)
        elif kind == "undo" and len(s.notes) > 3 + value:
            s.note(facts.UNDO, annotation=s.notes[-1 - value].id)
    again = s.derived()
    for model in (again, s.live):  # both on the clock of now, as a resumed pipeline's first tick puts it
        model.tick(s.t_us)

    def seen(model: SessionModel):
        rotation = model.rotation
        return ([(r.rep.number, r.rep.athlete, r.verdict, r.reason) for r in model.ordered_results()],
                [r.athlete for r in model.abandoned], rotation.names, rotation.next_up, rotation.out)

    assert seen(again) == seen(s.live)
