"""The simulator against `gates analyze`: what the analyzer recovers from a simulated capture is
scored against the simulator's ground truth."""

import json
from dataclasses import replace

import pytest

from gates.course import Course
from monitor.cli.main import main
from simulators.athletes import Fatigue, presets
from simulators.capture import write_capture
from simulators.gate_device import Faults
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate
from simulators.wire import WIRES

FLOOR_PCT = 95.0  # the analyzer's default stop rule: END on 2 valid reps in a row under 95 % of the best


def analyze(session, tmp_path, capsys, *extra):
    path = tmp_path / "session.cap"
    write_capture(session, str(path))
    names = ",".join(a.name for a in session.config.athletes)
    assert main(["analyze", str(path), "--protocol", session.config.protocol, "--athletes", names,
                 "--course", session.config.course.label(), "--json", *extra]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    reps = {r["rep"]: r for r in lines if r["type"] == "rep"}
    return reps, lines[-1]


def config(**changes) -> SessionConfig:
    base = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(4)),
                         plan=get_plan("speed").with_reps(10), seed=21)
    return replace(base, **changes)


@pytest.mark.parametrize("protocol", sorted(WIRES))
def test_every_format_recovers_every_rep_to_its_resolution(protocol, tmp_path, capsys):
    session = simulate(config(protocol=protocol, plan=get_plan("rsa").with_reps(3)))
    reps, summary = analyze(session, tmp_path, capsys)
    resolution_s = session.truth["clock"]["resolution_us"] / 1e6
    assert len(reps) == len(session.truth["reps"]) == 12 and summary["dropped_frames"] == 0
    for truth in session.truth["reps"]:
        rep = reps[truth["rep"]]
        assert rep["valid"] and rep["athlete"] == truth["athlete"]
        for got, true in zip(rep["splits_s"], truth["splits_s"]):
            assert abs(got - true) < resolution_s + 1e-9  # JSON rounds to the µs


def test_shared_clock_rep_times_equal_truth_doubles_absorbed_misses_are_none(tmp_path, capsys):
    session = simulate(config(faults=Faults(double=0.1, miss=0.03)))
    truth = session.truth
    reps, summary = analyze(session, tmp_path, capsys)
    resolution_s = truth["clock"]["resolution_us"] / 1e6
    doubles = [f for r in truth["reps"] for f in r["faults"] if f["kind"] == "double"]
    misses = [f for r in truth["reps"] for f in r["faults"] if f["kind"] == "miss"]
    assert len(doubles) > 10 and len(misses) > 3, "the seed should inject both faults"
    # every injected double trigger is absorbed by the debounce ...
    assert summary["debounced"] == len(doubles)
    # (and a rep whose start was missed leaves its later breaks without an owner)
    headless = sum(s is not None for r in truth["reps"] if r["seen_s"][0] is None for s in r["seen_s"][1:])
    assert summary["strays"] == headless
    counted = [r for r in truth["reps"] if r["rep"] is not None]
    assert sorted(reps) == [r["rep"] for r in counted]
    missed_splits = 0
    for t in counted:
        rep = reps[t["rep"]]
        # ... so every valid rep's time and every split it has equal the truth to the resolution
        assert rep["valid"]
        assert abs(rep["time_s"] - t["time_s"]) < resolution_s + 1e-9
        for got, true, seen in zip(rep["splits_s"], t["splits_s"], t["seen_s"][1:]):
            if seen is None:  # every missed gate shows as a None split
                assert got is None
                missed_splits += 1
            else:
                assert abs(got - true) < resolution_s + 1e-9
        assert ("missed_gate" in rep["flags"]) == (None in t["seen_s"][1:-1])
    assert missed_splits > 0
    # a missed start or finish is no rep: the analyzer reports it as an incomplete start or not at all
    assert summary["reps"] == len(counted)


def _truth_first_end(times: list[float]) -> tuple[int | None, float]:
    """The analyzer's rule applied to true times: (index of the first END, closest call to the floor)."""
    best, under, closest = None, 0, float("inf")
    for i, t in enumerate(times):
        best = t if best is None else min(best, t)
        intensity = best / t * 100
        closest = min(closest, abs(intensity - FLOOR_PCT))
        under = under + 1 if intensity < FLOOR_PCT else 0
        if i + 1 >= 2 and under >= 2:
            return i, closest
    return None, closest


def test_a_fatigued_athlete_gets_end_where_the_truth_crosses_the_floor_twice(tmp_path, capsys):
    # one athlete who never tires, three who lose 1.5-3.5 % of MSS per rep after 3-5 fresh ones
    group = [replace(a, stumble_rate=0.0, fatigue=Fatigue(fresh_load=2.0 + i, loss_pct=(0.0, 1.5, 2.5, 3.5)[i]))
             for i, a in enumerate(presets(4))]
    plan = get_plan("rsa").with_reps(12)  # the simulated coach takes out whoever reaches END, as the rotation does
    plan = replace(plan, blocks=tuple(replace(b, floor_pct=95.0) if b.timed else b for b in plan.blocks))
    session = simulate(config(athletes=tuple(group), plan=plan))
    reps, _ = analyze(session, tmp_path, capsys)
    ended = 0
    for athlete in group:
        own = [t for t in session.truth["reps"] if t["athlete"] == athlete.name]
        first_end, closest = _truth_first_end([t["time_s"] for t in own])
        # 1 ms on the best and on the rep moves a ~4 s rep's intensity by up to ~0.05 %
        assert closest > 0.06, "a rep this close to the floor: the resolution could decide; pick another seed"
        verdicts = [reps[t["rep"]]["verdict"] for t in own]
        assert all(reps[t["rep"]]["athlete"] == athlete.name for t in own)
        if first_end is None:
            assert "END" not in verdicts
        else:
            assert verdicts.index("END") == first_end == len(verdicts) - 1  # and they run no more
            assert "END" not in verdicts[:first_end] and verdicts[first_end - 1] == "CAUTION"
            ended += 1
    assert ended == 3  # every tiring athlete crosses the floor within 12 reps, the fresh one never
