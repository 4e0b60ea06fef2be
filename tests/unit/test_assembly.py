"""Rep assembly: real trackside faults in, the reps a coach expects out."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from gates.assembly import RepAssembler
from gates.course import Course
from gates.events import GateEvent, Kind
from gates.protocols import get
from gates.rep import CANCELLED, IMPOSSIBLE, INCOMPLETE, MISSED_GATE

COURSE = Course((0, 10, 20, 30))
FAST = settings(max_examples=200, deadline=None)


def breaks(*pairs, start_number=None):
    return [GateEvent(gate, i, t, start_number=start_number) for i, (gate, t) in enumerate(pairs)]


def run(assembler, events):
    out = []
    for e in sorted(events, key=lambda e: e.device_us):
        out += assembler.feed(e)
    return out + assembler.flush()


def test_clean_rep_gives_cumulative_splits_and_rotation_names():
    a = RepAssembler(COURSE, roster=["Ann", "Bob"])
    reps = run(a, breaks((1, 1_000_000), (2, 2_850_000), (3, 4_100_000), (4, 5_250_000))
               + breaks((1, 61_000_000), (2, 62_900_000), (3, 64_200_000), (4, 65_400_000)))
    assert [(r.number, r.athlete, r.splits_us) for r in reps] == [
        (1, "Ann", (1_850_000, 3_100_000, 4_250_000)), (2, "Bob", (1_900_000, 3_200_000, 4_400_000))]
    assert all(r.valid and not r.flags for r in reps)
    assert a.rotation.next_up == "Ann"


def test_double_trigger_within_debounce_counts_once():
    a = RepAssembler(COURSE)
    reps = run(a, breaks((1, 0), (1, 90_000), (2, 1_900_000), (2, 2_010_000), (3, 3_200_000), (4, 4_300_000)))
    assert len(reps) == 1 and reps[0].splits_us == (1_900_000, 3_200_000, 4_300_000)
    assert a.debounced == 2


def test_missed_intermediate_gate_leaves_none_and_rep_counts():
    reps = run(RepAssembler(COURSE), breaks((1, 0), (3, 3_200_000), (4, 4_300_000)))
    assert reps[0].splits_us == (None, 3_200_000, 4_300_000)
    assert MISSED_GATE in reps[0].flags and reps[0].valid


def test_a_split_that_arrives_after_the_next_gates_still_fills_its_gate():
    """Arrival order (a BLE gate's link stalled): start, 20 m, then the 10 m break, then the finish."""
    a = RepAssembler(COURSE, roster=["Ann"])
    events = breaks((1, 0), (3, 3_200_000), (2, 1_900_000), (4, 4_300_000))
    reps = [rep for e in events for rep in a.feed(e)]
    assert reps[0].splits_us == (1_900_000, 3_200_000, 4_300_000) and not reps[0].flags
    numbered = RepAssembler(COURSE)
    reps = [rep for e in breaks((1, 0), (3, 3_200_000), (2, 1_900_000), (4, 4_300_000), start_number=7)
            for rep in numbered.feed(e)]
    assert reps[0].splits_us == (1_900_000, 3_200_000, 4_300_000) and reps[0].start_number == 7


def test_a_late_break_that_fits_no_gap_is_a_stray():
    a = RepAssembler(COURSE)
    reps = [rep for e in breaks((1, 0), (3, 3_200_000), (2, 3_500_000), (4, 4_300_000)) for rep in a.feed(e)]
    assert reps[0].splits_us == (None, 3_200_000, 4_300_000) and MISSED_GATE in reps[0].flags
    assert a.strays == 1


def test_no_finish_times_out_incomplete_unnumbered():
    a = RepAssembler(COURSE, roster=["Ann", "Bob"], timeout_us=20_000_000)
    reps = run(a, breaks((1, 0), (2, 1_900_000)) + breaks((1, 60_000_000), (2, 61_900_000), (3, 63_100_000),
                                                           (4, 64_200_000)))
    assert INCOMPLETE in reps[0].flags and reps[0].number == 0 and not reps[0].valid
    assert reps[0].splits_us == (1_900_000, None, None)
    assert (reps[1].number, reps[1].athlete) == (1, "Bob")


def test_a_run_whose_finish_went_unseen_still_takes_its_turn():
    a = RepAssembler(COURSE, roster=["Ann", "Bob"])
    reps = run(a, breaks((1, 0), (2, 1_900_000), (3, 3_100_000))
               + breaks((1, 60_000_000), (2, 61_900_000), (3, 63_100_000), (4, 64_200_000)))
    assert [(r.athlete, INCOMPLETE in r.flags) for r in reps] == [("Ann", True), ("Bob", False)]


def test_spurious_start_with_nobody_running_does_not_steal_the_next_rep():
    a = RepAssembler(COURSE, roster=["Ann"])
    reps = run(a, breaks((1, 0)) + breaks((1, 8_000_000), (2, 9_900_000), (3, 11_100_000), (4, 12_200_000)))
    incomplete, rep = reps
    assert INCOMPLETE in incomplete.flags
    assert rep.splits_us == (1_900_000, 3_100_000, 4_200_000) and rep.valid


def test_impossibly_fast_segment_is_flagged_and_invalid():
    reps = run(RepAssembler(COURSE), breaks((1, 0), (2, 1_900_000), (3, 2_400_000), (4, 4_000_000)))
    assert IMPOSSIBLE in reps[0].flags and not reps[0].valid


def test_start_numbers_allow_overlapping_athletes():
    a = RepAssembler(Course((0, 100)), protocol=replace(get("gateline"), name="numbered"))
    events = (breaks((1, 0), (2, 15_000_000), start_number=7)
              + breaks((1, 5_000_000), (2, 17_000_000), start_number=8))
    reps = run(a, events)
    assert [(r.athlete, r.time_us) for r in reps] == [("#7", 15_000_000), ("#8", 12_000_000)]


def test_timer_cancel_retracts_a_finish_and_reopens_the_run():
    a = RepAssembler(Course((0, 100)))
    start, finish = breaks((1, 0), (2, 20_000_000), start_number=43)
    manual = replace(finish, device_us=19_000_000, flag="i", seq=2)
    out = a.feed(start) + a.feed(finish) + a.feed(replace(finish, kind=Kind.CANCEL)) + a.feed(manual)
    assert [(r.number, r.time_us, CANCELLED in r.flags) for r in out] == [
        (1, 20_000_000, False), (1, 20_000_000, True), (2, 19_000_000, False)]


def test_sequential_format_fills_the_course_in_order():
    one_line = replace(get("gateline"), name="oneline", sequential=True)
    a = RepAssembler(COURSE, protocol=one_line)
    reps = run(a, breaks((1, 0), (1, 100_000), (1, 1_900_000), (1, 3_100_000), (1, 4_200_000)))
    assert [r.splits_us for r in reps] == [(1_900_000, 3_100_000, 4_200_000)]


def test_events_not_on_the_course_are_strays():
    a = RepAssembler(COURSE)
    assert run(a, breaks((9, 0), (4, 1_000_000))) == []
    assert a.strays == 2


# -- properties -----------------------------------------------------------------------------------

rep_plans = st.lists(
    st.tuples(
        st.lists(st.integers(900_000, 2_500_000), min_size=3, max_size=3),  # segment times (10 m)
        st.lists(st.booleans(), min_size=2, max_size=2),  # intermediate gate missed?
        st.lists(st.one_of(st.none(), st.integers(40_000, 150_000)), min_size=4, max_size=4),  # arm swing
    ),
    min_size=1, max_size=8,
)


@FAST
@given(rep_plans)
def test_recovers_every_rep_through_double_triggers_and_missed_gates(plans):
    events, truth, t0 = [], [], 10_000_000
    seq = [0] * 5
    for segments, missed, doubles in plans:
        times = [t0]
        for seg in segments:
            times.append(times[-1] + seg)
        expected = []
        for index, t in enumerate(times):
            if 0 < index < 3 and missed[index - 1]:
                if index:
                    expected.append(None)
                continue
            gate = index + 1
            events.append(GateEvent(gate, seq[gate], t))
            seq[gate] += 1
            if doubles[index] is not None:
                events.append(GateEvent(gate, seq[gate], t + doubles[index]))
                seq[gate] += 1
            if index:
                expected.append(t - t0)
        truth.append(tuple(expected))
        t0 = times[-1] + 30_000_000
    reps = run(RepAssembler(COURSE), events)
    assert [r.splits_us for r in reps] == truth
    assert all(r.valid for r in reps)


@FAST
@given(st.lists(st.builds(GateEvent, gate=st.integers(0, 6), seq=st.integers(0, 9),
                          device_us=st.integers(0, 120_000_000), kind=st.sampled_from(list(Kind)),
                          start_number=st.one_of(st.none(), st.integers(0, 3))), max_size=60))
def test_any_event_sequence_never_raises_and_every_rep_is_well_formed(events):
    a = RepAssembler(COURSE, roster=["A", "B"])
    out = []
    for e in events:  # not sorted: clocks and links deliver out of order too
        out += a.feed(e)
    out += a.flush()
    for rep in out:
        assert len(rep.splits_us) == COURSE.gates - 1
        assert rep.valid == (rep.time_us is not None and not rep.flags & {IMPOSSIBLE, INCOMPLETE, CANCELLED})
