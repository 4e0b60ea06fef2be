"""The simulated session: deterministic bytes, a truth in the promised shape, and faults that show up
on the wire exactly as the truth says (checked with the real gateline decoder)."""

import json
from collections import Counter
from dataclasses import replace

import pytest

from gates.course import Course
from gates.events import Kind
from gates.gateline import GatelineDecoder, encode_resend
from simulators.athletes import presets
from simulators.capture import truth_json
from simulators.gate_device import RESEND_BUFFER, Crossing, DeviceClock, Faults, GateDevice
from simulators.plans import PLANS, Start, get_plan
from simulators.session import Responder, SessionConfig, schedule, simulate

COURSE = Course.parse("0,10,20,30")


def config(**changes) -> SessionConfig:
    base = SessionConfig(course=COURSE, athletes=tuple(presets(4)), plan=get_plan("speed"), seed=7)
    return replace(base, **changes)


def decode(session):
    decoder = GatelineDecoder()
    events = decoder.feed(session.capture())
    return decoder, events


def test_same_seed_same_bytes_and_truth_other_seed_other_session():
    a, b = simulate(config(faults=Faults.parse("double=0.1,noise=0.05,drop=0.02"))), \
        simulate(config(faults=Faults.parse("double=0.1,noise=0.05,drop=0.02")))
    assert a.capture() == b.capture()
    assert truth_json(a) == truth_json(b)
    assert simulate(config(seed=8)).capture() != simulate(config()).capture()


def test_truth_has_the_promised_shape():
    session = simulate(config())
    truth = json.loads(truth_json(session))
    assert truth["protocol"] == "gateline" and truth["course_m"] == [0, 10, 20, 30] and truth["seed"] == 7
    assert [set(a) >= {"name", "mss", "mac"} for a in truth["athletes"]] == [True] * 4
    assert len(truth["reps"]) == 4 * 6  # the speed plan's timed block; the 150s run off the gates
    assert len(truth["untimed"]) == 4 * 2 and {u["distance_m"] for u in truth["untimed"]} == {150.0}
    assert min(u["start_s"] for u in truth["untimed"]) > max(r["start_s"] for r in truth["reps"])
    starts = [r["start_s"] for r in truth["reps"]]
    assert starts == sorted(starts)
    for number, rep in enumerate(truth["reps"], 1):
        assert set(rep) >= {"rep", "athlete", "time_s", "splits_s", "faults"}
        assert rep["rep"] == number  # no faults: every rep is seen, numbered in finish order
        assert len(rep["splits_s"]) == 3 and rep["time_s"] == rep["splits_s"][-1]
        assert rep["splits_s"] == sorted(rep["splits_s"]) and 3.0 < rep["time_s"] < 6.0
        assert rep["start"] == "block" and 0.10 <= rep["reaction_s"] <= 0.25
    assert [r["athlete"] for r in truth["reps"][:8]] == ["Ada", "Ben", "Cleo", "Dev"] * 2


def test_clean_session_decodes_to_exactly_the_gates_events():
    session = simulate(config())
    decoder, events = decode(session)
    assert decoder.dropped_bytes == 0 and decoder.dropped_frames == 0
    kinds = Counter((e.gate, e.kind) for e in events)
    assert kinds == {(g, k): 24 for g in (1, 2, 3, 4) for k in (Kind.BREAK, Kind.RESTORE)}
    for gate in (1, 2, 3, 4):  # per-gate seq counts up from 0 with no gap
        assert [e.seq for e in events if e.gate == gate] == list(range(48))
    statuses = decoder.pop_control()
    assert len(statuses) == pytest.approx(4 * session.end_us / 1e6, abs=4)


def test_split_times_on_the_wire_are_the_truth_truncated_to_the_resolution():
    session = simulate(config())
    _, events = decode(session)
    breaks = {g: [e.device_us for e in events if e.gate == g and e.kind is Kind.BREAK] for g in (1, 2, 3, 4)}
    for i, rep in enumerate(session.truth["reps"]):
        assert all(breaks[g][i] % 1000 == 0 for g in breaks)
        for g, true_s in zip((2, 3, 4), rep["splits_s"]):
            measured = (breaks[g][i] - breaks[1][i]) / 1e6
            assert abs(measured - true_s) < 0.001


def test_switching_a_fault_on_changes_nothing_the_athletes_ran():
    clean = simulate(config()).truth["reps"]
    faulty = simulate(config(faults=Faults.parse("miss=0.2,double=0.3,spurious=1,drop=0.1,link=1"))).truth["reps"]
    assert [r["splits_s"] for r in clean] == [r["splits_s"] for r in faulty]


def test_double_triggers_add_one_break_each_and_the_truth_lists_them():
    session = simulate(config(faults=Faults(double=0.3)))
    _, events = decode(session)
    doubles = [f for r in session.truth["reps"] for f in r["faults"] if f["kind"] == "double"]
    assert len(doubles) > 10
    assert sum(e.kind is Kind.BREAK for e in events) == 4 * 24 + len(doubles)
    for rep in session.truth["reps"]:
        for f in rep["faults"]:
            seen = [e.device_us for e in events if e.gate == f["gate"] and e.kind is Kind.BREAK]
            i = seen.index(f["device_us"])
            assert 40_000 <= seen[i] - seen[i - 1] <= 151_000  # an arm swing after the torso


def test_missed_breaks_leave_gaps_and_null_numbers_for_unseen_starts_or_finishes():
    session = simulate(config(faults=Faults(miss=0.15), plan=get_plan("speed").with_reps(12)))
    _, events = decode(session)
    misses = [f for r in session.truth["reps"] for f in r["faults"] if f["kind"] == "miss"]
    assert len(misses) > 5
    assert sum(e.kind is Kind.BREAK for e in events) == 4 * 48 - len(misses)
    numbers = [r["rep"] for r in session.truth["reps"]]
    for rep in session.truth["reps"]:
        missed = {f["gate"] for f in rep["faults"] if f["kind"] == "miss"}
        assert [s is None for s in rep["seen_s"]] == [g in missed for g in (1, 2, 3, 4)]
        assert (rep["rep"] is None) == bool(missed & {1, 4})
    counted = [n for n in numbers if n is not None]
    assert counted == list(range(1, len(counted) + 1)) and len(counted) < len(numbers)


def test_line_noise_between_frames_costs_no_frame():
    clean = decode(simulate(config()))[1]
    session = simulate(config(faults=Faults(noise=0.2)))
    decoder, events = decode(session)
    assert session.truth["link"]["noise_bytes"] > 100
    assert 0 < decoder.dropped_bytes <= session.truth["link"]["noise_bytes"]
    assert [(e.gate, e.seq, e.device_us, e.kind) for e in events] == [(e.gate, e.seq, e.device_us, e.kind) for e in clean]
    assert len(events) + len(decoder.pop_control()) == sum(1 for f in session.frames if f.gate)


def test_lost_and_corrupted_frames_are_missing_from_the_decoded_stream():
    faults = Faults(drop=0.05, corrupt=0.05, link=0.5)
    session = simulate(config(faults=faults))
    decoder, events = decode(session)
    link = session.truth["link"]
    assert link["lost"] > 0 and link["corrupted"] > 0 and link["outages"]
    assert decoder.dropped_frames >= link["corrupted"]  # a damaged byte may split a frame in two
    statuses = decoder.pop_control()
    assert len(events) + len(statuses) == link["frames"] - link["lost"] - link["corrupted"]
    lost = {(f["gate"], f["seq"]) for r in session.truth["reps"] for f in r["faults"]
            if f["kind"] in ("drop", "corrupt", "link")}
    got = {(e.gate, e.seq) for e in events}
    assert not lost & got
    assert len(got) + len(lost) == 4 * 48


def test_latency_and_jitter_keep_each_gates_order():
    session = simulate(config(faults=Faults(latency=20, jitter=200)))
    _, events = decode(session)
    for gate in (1, 2, 3, 4):
        seqs = [e.seq for e in events if e.gate == gate]
        assert seqs == sorted(seqs)
    arrivals = [f.arrival_us for f in session.frames]
    assert arrivals == sorted(arrivals)
    gates = [e.gate for e in events]
    assert any(a > b for a, b in zip(gates, gates[1:]))  # gates do overtake each other


def test_shared_and_own_clocks():
    shared = simulate(config()).truth["clock"]
    assert len({g["offset_us"] for g in shared["gates"]}) == 1 and shared["resolution_us"] == 1000
    own = simulate(config(shared_clock=False, resolution_us=100)).truth["clock"]
    assert len({g["offset_us"] for g in own["gates"]}) == 4
    assert all(abs(g["drift_ppm"]) <= 100 for g in own["gates"]) and own["resolution_us"] == 100


def test_device_clock_truncates_to_its_resolution_and_drifts():
    clock = DeviceClock(offset_us=5_000_000.0, drift_ppm=100.0, resolution_us=100)
    assert clock.read(0.0) == 5_000_000
    assert clock.read(1_000_000.0) == 6_000_100
    assert clock.read(1_000_099.0) == 6_000_100  # 6_000_199.0099 truncates
    assert DeviceClock(0.0, 0.0, 1000).read(1999.9) == 1000


def test_heartbeats_carry_the_latest_seq_and_a_draining_battery():
    device = GateDevice(3, 3, DeviceClock(0.0, 0.0, 1000), Faults(), "t", battery_pct=90.0, drain_pct_per_h=36.0)
    emissions = device.run([Crossing(1.5e6, 8.0, 0, 3), Crossing(100.2e6, 8.0, 1, 3)], end_us=200e6)
    beats = [e.message for e in emissions if e.cause == "heartbeat"]
    assert len(beats) == 200
    assert beats[0].last_seq == 0xFFFF  # nothing sent yet: the seq before 0
    assert {b.last_seq for b in beats[2:99]} == {1}  # break 0, restore 1
    assert beats[-1].last_seq == 3
    assert beats[0].battery_pct == 89 and beats[-1].battery_pct == 88


def test_resend_buffer_keeps_the_last_1024_events_across_the_seq_wrap():
    crossings = [Crossing(1e6 + i * 1e5, 9.0, i, 1) for i in range(40_000)]  # 80,000 events: seq wraps
    device = GateDevice(1, 1, DeviceClock(0.0, 0.0, 1), Faults(), "t")
    emissions = device.run(crossings, end_us=crossings[-1].t_us + 1e6)
    events = [e for e in emissions if e.cause == "torso"]
    last = events[-1].message
    assert last.seq == (80_000 - 1) & 0xFFFF
    tail = device.resend((last.seq - 9) & 0xFFFF, now_us=1e12)
    assert [e.seq for e in tail] == [(last.seq - 9 + i) & 0xFFFF for i in range(10)]
    assert device.resend((last.seq + 1) & 0xFFFF, now_us=1e12) == []  # nothing newer
    old = device.resend((last.seq - 5000) & 0xFFFF, now_us=1e12)
    assert len(old) == RESEND_BUFFER and old[-1] == last  # only the buffer's worth is left
    early = device.resend(0, now_us=crossings[2].t_us + 1)  # at that moment only 5 events existed
    assert [e.seq for e in early] == [0, 1, 2, 3, 4]


def test_resend_requests_are_answered_with_encoded_frames_from_the_session():
    session = simulate(config())
    responder = Responder(session)
    frames = responder.receive(encode_resend(2, 0) + b"garbage\r\n" + encode_resend(9, 0), now_us=session.end_us)
    events = GatelineDecoder().feed(frames)
    assert len(events) == 48 and {e.gate for e in events} == {2} and responder.resent == 48
    partial = responder.receive(encode_resend(1, 0)[:5], now_us=session.end_us)
    assert partial == b"" and GatelineDecoder().feed(responder.receive(encode_resend(1, 0)[5:], 20e6))


def test_rotation_rests_and_a_clear_course():
    cfg = config(athletes=tuple(presets(3)), plan=get_plan("rsa"))
    runs = schedule(cfg)
    assert [r.athlete.name for r in runs[:6]] == ["Ada", "Ben", "Cleo"] * 2
    for a, b in zip(runs, runs[1:]):
        assert b.go_us >= a.finish_us + cfg.gap_s * 1e6 - 1
    by_athlete: dict[str, list] = {}
    for r in runs:
        by_athlete.setdefault(r.athlete.name, []).append(r)
    for own in by_athlete.values():
        for a, b in zip(own, own[1:]):
            assert b.go_us - a.finish_us >= a.block.rest_s * 1e6 - 1


def test_fatigue_slows_an_athlete_after_the_fresh_reps():
    athlete = replace(presets(1)[0], noise_pct=0.0, stumble_rate=0.0)
    truth = simulate(config(athletes=(athlete,), plan=get_plan("rsa"))).truth
    times = [r["time_s"] for r in truth["reps"]]
    factors = [r["fatigue"]["mss_factor"] for r in truth["reps"]]
    fresh = int(athlete.fatigue.fresh_load)
    assert factors[:fresh + 1] == [1.0] * (fresh + 1)
    assert all(b < a for a, b in zip(factors[fresh:], factors[fresh + 1:]))
    assert all(b > a for a, b in zip(times[fresh:], times[fresh + 1:]))


def test_every_plan_runs_and_flying_starts_enter_at_speed():
    for name in PLANS:
        truth = simulate(config(plan=get_plan(name).with_reps(2))).truth
        assert len(truth["reps"]) == 8
    flying = simulate(config(plan=get_plan("flying").with_reps(1))).truth["reps"]
    standing = simulate(config(plan=get_plan("rsa").with_reps(1))).truth["reps"]
    # at speed from the first gate: the first 10 m take little more than the last
    assert all(r["splits_s"][0] < 1.25 * (r["splits_s"][2] - r["splits_s"][1]) for r in flying)
    assert all(r["splits_s"][0] > 1.3 * (r["splits_s"][2] - r["splits_s"][1]) for r in standing)
    assert get_plan("flying").blocks[0].start is Start.FLYING


def test_faults_parse_names_the_bad_part():
    assert Faults.parse("double=0.05, miss=0.02,latency=12") == Faults(double=0.05, miss=0.02, latency=12)
    assert Faults.parse("none") == Faults() == Faults.parse("")
    for bad, words in (("double", "NAME=VALUE"), ("x=1", "NAME=VALUE"), ("miss=lots", "not a number"),
                       ("drop=1.5", "probability"), ("latency=-1", ">= 0"), ("link=nan", ">= 0")):
        with pytest.raises(ValueError, match=words):
            Faults.parse(bad)


def test_a_course_the_format_cannot_carry_is_refused():
    with pytest.raises(ValueError, match="at most 255 gates"):
        simulate(config(course=Course(tuple(float(i) for i in range(300)))))
