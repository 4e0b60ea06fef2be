"""HrSource end to end through bleak's public API over bumble's real BLE stack, on virtual time.

Simulated chest straps (bumble peripherals serving the Heart Rate service, each notifying on its own
crystal) fed by the simulated athletes' hearts, which run on the same schedule as the simulated gates;
the radio link delivers every packet 7.5-50 ms late. HR is stamped on the host clock, so the figures
are checked against the heart model's truth at the host's time, not against any strap clock.
"""

import asyncio

import pytest

from drivers.ble_source import BleSource
from drivers.hr_source import HrSource, PairingError, parse_pairing, parse_pairings
from drivers.registry import SpecError, create
from drivers.source import State
from gates.assembly import RepAssembler
from gates.course import Course
from gates.heartrate import BodySensorLocation, Contact
from gates.hr_recovery import hr_at, live, rep_hr
from simulators.athletes import presets
from simulators.ble_backend import BumbleRadio, JitteryLink
from simulators.ble_gate import BleGate, BleGates, ble_config
from simulators.hr_strap import HrStraps
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate
from simulators.virtual_time import run

COURSE = Course.parse("0,10,20,30")
S = 1_000_000_000
# the strap's 1 Hz figures carry a beat of noise and arrive 7.5-50 ms late; a rep's figures
# interpolate between the readings either side (gates.hr_recovery.hr_near)
FINISH_BPM = 4
AFTER60_BPM = 4
HRR60_BPM = 5


def sim_session(reps=3, athletes=2, seed=7, warmup_s=30.0, cooldown_s=65.0):
    """Repeated sprints; the session goes on for a minute after the last finish, for its HRR60."""
    config = SessionConfig(course=COURSE, athletes=tuple(presets(athletes)), plan=get_plan("rsa").with_reps(reps),
                           seed=seed, warmup_s=warmup_s, cooldown_s=cooldown_s)
    return simulate(ble_config(config))


class Played:
    """What a run of the session gave: the straps (with their truth), the HR sources and what each
    delivered, gate events if the gates were on the air, and the loop time the session started at."""

    def __init__(self, straps, sources, samples, statuses, events, t0_s):
        self.straps, self.sources, self.samples, self.statuses, self.events, self.t0_s = (
            straps, sources, samples, statuses, events, t0_s)

    def of(self, athlete):
        address = self.straps.straps[athlete].address
        return [s for got in self.samples for s in got if s.strap == address]

    def host_ns(self, session_s):
        return round((self.t0_s + session_s) * S)


async def _play(session, make_sources, during=None, gates=False, seed=1):
    """`make_sources(radio, clock, straps)` gives the HR sources; `during(straps, link)` runs beside
    the session (faults, impostors)."""
    loop = asyncio.get_running_loop()
    link = JitteryLink(seed=seed)
    fleet = BleGates(session, link) if gates else None
    straps = HrStraps(session, link, clock_us=fleet.now_us if fleet else None)
    await straps.start()
    if fleet:
        await fleet.start()
    t0_s = fleet._t0 if fleet else straps._t0
    radio = BumbleRadio.on_link(link)
    clock = lambda: round(loop.time() * 1e9)  # noqa: E731 - the host's monotonic clock, on virtual time
    sources = make_sources(radio, clock, straps)
    # few clock samples: HR needs the finish to a few ms, not the splits to a tenth of one
    gate_source = BleSource("name=GATE-*", radio=radio, clock=clock, samples_per_s=2) if fleet else None
    samples = [[] for _ in sources]
    statuses = [[] for _ in sources]
    events = []

    async def consume(i, source):
        async for sample in source.samples():
            samples[i].append(sample)

    async def watch(i, source):
        async for status in source.statuses():
            statuses[i].append(status)

    async def consume_events():
        async for event in gate_source.events():
            events.append(event)

    opened = [*sources, *([gate_source] if gate_source else [])]
    for source in opened:
        await source.open()
    tasks = [asyncio.create_task(consume(i, s)) for i, s in enumerate(sources)]
    tasks += [asyncio.create_task(watch(i, s)) for i, s in enumerate(sources)]
    if gate_source:
        tasks.append(asyncio.create_task(consume_events()))
    side = asyncio.create_task(during(straps, link)) if during else None
    await (fleet.run() if fleet else straps.run())
    await asyncio.sleep(2)
    if side:
        await side
    for source in opened:
        await source.close()
    await asyncio.gather(*tasks)
    await straps.stop()
    if fleet:
        await fleet.stop()
    return Played(straps, sources, samples, statuses, events, t0_s)


def play(session, make_sources=None, **kwargs):
    make_sources = make_sources or (lambda radio, clock, straps: [HrSource("name=Polar*", radio=radio, clock=clock)])
    return run(_play(session, make_sources, **kwargs))


def test_two_straps_on_their_own_clocks_give_hr_on_the_host_clock_close_to_truth():
    session = sim_session()
    played = play(session)
    source = played.sources[0]
    assert source.status.state is State.CLOSED
    assert set(source.locations.values()) == {BodySensorLocation.CHEST}
    phases = []
    for name, strap in played.straps.straps.items():
        got = played.of(name)
        trace = played.straps.traces[name]
        assert len(got) > 0.9 * session.end_us / 1e6 - 40  # about one a second once connected
        gaps = [(b.host_ns - a.host_ns) / S for a, b in zip(got, got[1:])]
        assert 0.9 < sorted(gaps)[len(gaps) // 2] < 1.1
        phases.append((got[0].host_ns / S) % 1.0)
        for sample in got:
            if sample.contact is Contact.OK:
                t = sample.host_ns / S - played.t0_s
                assert abs(sample.bpm - trace.bpm(t)) < 5
                assert all(250 < rr < 1400 for rr in sample.rr_1024)
        connected = [s for s in played.statuses[0] if s.strap == strap.address]
        assert connected and connected[0].state is State.CONNECTED
    assert abs(phases[0] - phases[1]) > 0.02  # the straps do not tick together
    for true in played.straps.truth:
        got = rep_hr(played.of(true["athlete"]), played.host_ns(true["finish_s"]))
        assert abs(got.finish_bpm - true["finish_bpm"]) <= FINISH_BPM
        if true["after60_bpm"] is None:
            assert got.after60_bpm is None  # the session ended within the minute
        else:
            assert abs(got.after60_bpm - true["after60_bpm"]) <= AFTER60_BPM


def test_contact_loss_is_reported_and_never_taken_for_a_heart_rate():
    session = sim_session(reps=2)

    def sources(radio, clock, straps):
        straps.traces["Ada"].losses[:] = [(60.0, 72.0)]  # Ada's strap slips for 12 s
        return [HrSource("name=Polar*", radio=radio, clock=clock)]

    played = play(session, sources)
    ada = played.of("Ada")
    during = [s for s in ada if played.host_ns(60.5) <= s.host_ns <= played.host_ns(71.5)]
    assert len(during) >= 10 and all(s.contact is Contact.LOST and s.bpm == 0 for s in during)
    assert hr_at(ada, played.host_ns(62)) is not None  # the last reading before, while it is fresh
    assert hr_at(ada, played.host_ns(70)) is None
    assert live(ada, played.host_ns(70)).contact is Contact.LOST
    assert hr_at(ada, played.host_ns(75)) is not None


def test_a_strap_out_of_range_drops_out_and_is_reconnected():
    session = sim_session(reps=2)

    async def out_of_range(straps, link):
        await asyncio.sleep(60 - straps.now_us() / 1e6)
        await straps.straps["Ben"].drop(10.0)

    played = play(session, during=out_of_range)
    ben = played.straps.straps["Ben"].address
    states = [s.state for s in played.statuses[0] if s.strap == ben]
    assert states[0] is State.CONNECTED and State.RECONNECTING in states and states[-1] is State.CONNECTED
    got = played.of("Ben")
    gaps = [(b.host_ns - a.host_ns) / S for a, b in zip(got, got[1:])]
    assert max(gaps) >= 9.0 and sorted(gaps)[-2] < 2.0  # one outage, then a second apart again
    assert got[-1].host_ns > played.host_ns(session.end_us / 1e6 - 5)
    assert len(played.of("Ada")) > len(got)  # Ada's strap never dropped


@pytest.mark.parametrize("spec", ["name=Polar H10 A0000001", "C0:FF:EE:00:10:01"])
def test_a_strap_off_the_allow_list_is_never_connected(spec):
    session = sim_session(reps=1)
    played = play(session, lambda radio, clock, straps: [HrSource(spec, radio=radio, clock=clock)])
    assert played.straps.straps["Ben"].centrals == []
    assert played.straps.straps["Ben"].address in played.sources[0].ignored
    assert played.of("Ben") == [] and len(played.of("Ada")) > 30


def test_a_paired_pattern_takes_one_strap_and_leaves_the_others_alone():
    session = sim_session(reps=1)
    played = play(session, lambda radio, clock, straps: [
        parse_pairing("Ada=hr:name=Polar*").source(radio=radio, clock=clock)])
    heard = {s.strap for s in played.samples[0]}
    assert len(heard) == 1
    other = next(strap for strap in played.straps.straps.values() if strap.address not in heard)
    assert other.centrals == [] and other.address in played.sources[0].ignored


@pytest.mark.slow
def test_hr_and_gates_in_one_session_give_each_rep_its_hr_at_finish_and_hrr60():
    session = sim_session(reps=3)

    def sources(radio, clock, straps):
        return [p.source(radio=radio, clock=clock)
                for p in parse_pairings([f"{name}={spec}" for name, spec in straps.pairings().items()],
                                        roster=[a.name for a in session.config.athletes])]

    played = play(session, sources, gates=True)
    assembler = RepAssembler(session.config.course, roster=[a.name for a in session.config.athletes])
    reps = [rep for event in played.events for rep in assembler.feed(event)] + assembler.flush()
    truth = played.straps.truth
    assert len(reps) == len(truth) == 6
    by_athlete = {name: played.of(name) for name in played.straps.straps}
    for rep, true in zip(reps, truth):
        assert rep.athlete == true["athlete"]
        finish_ns = (rep.start_us + rep.time_us) * 1000  # the gates' session clock is the host's
        assert abs(finish_ns - played.host_ns(true["finish_s"])) < 20_000_000  # (plus the link's least delay)
        got = rep_hr(by_athlete[rep.athlete], finish_ns)
        assert abs(got.finish_bpm - true["finish_bpm"]) <= FINISH_BPM
        if true["hrr60"] is not None:
            assert abs(got.hrr60 - true["hrr60"]) <= HRR60_BPM
            assert got.peak_bpm >= got.finish_bpm
    assert all(t["hrr60"] is not None for t in truth)


def test_specs_and_pairings_open_a_source_or_say_in_one_line_what_is_wrong():
    source = create("hr:name=Polar*,AA:BB:CC:DD:EE:FF")
    assert isinstance(source, HrSource) and not source.one_strap
    assert source.allow.allows("aa:bb:cc:dd:ee:ff", None) and source.allow.allows("11:22:33:44:55:66", "Polar H10 1")
    assert not source.allow.allows("11:22:33:44:55:66", "Wahoo TICKR")
    for spec, problem in [("hr:name=", "needs a pattern"), ("hr:AA:BB", "neither a Bluetooth address"),
                          ("hr:name=Polar*?rate=1", "unknown option")]:
        with pytest.raises(SpecError, match=problem):
            create(spec)
    pairing = parse_pairing(" Ada = hr:name=Polar*")
    assert (pairing.athlete, pairing.spec.text) == ("Ada", "hr:name=Polar*")
    for text, problem in [("hr:name=Polar*", "not a pairing"), ("=hr:name=P*", "not a pairing"),
                          ("Ada", "not a pairing"), ("Ada=ble:name=G*", "paired by an hr: spec"),
                          ("Ada=hr:name=", "needs a pattern"), ("Ada=Polar*", "not a source spec")]:
        with pytest.raises(PairingError, match=problem) as err:
            parse_pairing(text)
        assert "\n" not in str(err.value) and repr(text) in str(err.value)
    for texts, problem in [(["Ada=hr:name=A*", "Ada=hr:name=B*"], "Ada already has a strap"),
                           (["Ada=hr:name=A*", "Ben=hr:name=A*"], "already Ada's"),
                           (["Zed=hr:name=A*"], "no athlete 'Zed' in the group")]:
        with pytest.raises(PairingError, match=problem):
            parse_pairings(texts, roster=["Ada", "Ben"])
    assert issubclass(PairingError, ValueError)


def test_an_allowed_device_without_heart_rate_is_left_and_a_garbled_notification_is_counted():
    session = sim_session(reps=1)

    async def impostor_and_garble(straps, link):
        loop = asyncio.get_running_loop()
        gate = BleGate(link, 9, "D0:0D:00:00:00:09",
                       lambda: round(loop.time() * 1e6), name="Polar GATE")
        await gate.start()
        await asyncio.sleep(40 - straps.now_us() / 1e6)
        ada = straps.straps["Ada"]
        await ada.device.notify_subscribers(ada.measurement_char, b"\x01\x50")  # uint16 bpm cut short
        await asyncio.sleep(5)
        await gate.stop()

    played = play(session, during=impostor_and_garble)
    source = played.sources[0]
    gate_status = source.strap_status["D0:0D:00:00:00:09"]
    assert gate_status.state is State.ERROR and "does not serve the Heart Rate service" in gate_status.reason
    assert source.status.dropped_frames == 1 and source.status.dropped_bytes == 2
    assert len(played.of("Ada")) > 30 and len(played.of("Ben")) > 30
