"""Heart rate beside the times: HR at each rep's finish and HRR60 against the heart model's truth.

Whole stack on a virtual-time loop: a simulated session's BLE gates (each its own clock) and one
chest strap per athlete (bumble peripherals, each notifying at ~1 Hz on its own crystal, fed by the
simulated hearts on the gates' schedule) on one radio link delivering 7.5-50 ms late; BleSource and
one paired HrSource per athlete on one bumble central. Reps are assembled from the gate events, and
each rep's HR figures come from gates.hr_recovery on its athlete's samples. Goal: every HR at finish
and every HRR60 within 5 bpm of the truth (a strap's figure carries about a beat of noise).

Run: python3 benchmarks/bench_hr.py [--athletes N] [--reps R]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import result  # noqa: E402

from drivers.ble_source import BleSource  # noqa: E402
from drivers.hr_source import parse_pairings  # noqa: E402
from gates.assembly import RepAssembler  # noqa: E402
from gates.course import Course  # noqa: E402
from gates.hr_recovery import rep_hr  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.ble_backend import BumbleRadio, JitteryLink  # noqa: E402
from simulators.ble_gate import BleGates, ble_config  # noqa: E402
from simulators.hr_strap import HrStraps  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.session import SessionConfig, simulate  # noqa: E402
from simulators.virtual_time import run  # noqa: E402

GOAL_BPM = 5


async def session_on_the_air(session):
    loop = asyncio.get_running_loop()
    link = JitteryLink(seed=session.config.seed)
    fleet = BleGates(session, link)
    straps = HrStraps(session, link, clock_us=fleet.now_us)
    await straps.start()
    await fleet.start()
    radio = BumbleRadio.on_link(link)
    clock = lambda: round(loop.time() * 1e9)  # noqa: E731
    hr = [p.source(radio=radio, clock=clock)
          for p in parse_pairings(f"{name}={spec}" for name, spec in straps.pairings().items())]
    gates = BleSource("name=GATE-*", radio=radio, clock=clock)
    samples, events = [], []

    async def take_samples(source):
        async for sample in source.samples():
            samples.append(sample)

    async def take_events():
        async for event in gates.events():
            events.append(event)

    for source in [gates, *hr]:
        await source.open()
    tasks = [asyncio.create_task(take_events())] + [asyncio.create_task(take_samples(s)) for s in hr]
    await fleet.run()
    await asyncio.sleep(2)
    for source in [*hr, gates]:
        await source.close()
    await asyncio.gather(*tasks)
    await straps.stop()
    await fleet.stop()
    return straps, samples, events, sum(s.lost_samples for s in hr)


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=4)
    parser.add_argument("--reps", type=int, default=6)
    args = parser.parse_args()
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(args.athletes)),
                           plan=get_plan("rsa").with_reps(args.reps), seed=11, warmup_s=30.0, cooldown_s=65.0)
    session = simulate(ble_config(config))
    began = time.perf_counter()
    straps, samples, events, lost = run(session_on_the_air(session))
    took = time.perf_counter() - began
    assembler = RepAssembler(config.course, roster=[a.name for a in config.athletes])
    reps = [rep for event in events for rep in assembler.feed(event)] + assembler.flush()
    strap_of = {name: strap.address for name, strap in straps.straps.items()}
    finish_err, hrr_err = [], []
    for rep, true in zip(reps, straps.truth):
        mine = [s for s in samples if s.strap == strap_of[rep.athlete]]
        got = rep_hr(mine, (rep.start_us + rep.time_us) * 1000)
        finish_err.append(abs(got.finish_bpm - true["finish_bpm"]))
        hrr_err.append(abs(got.hrr60 - true["hrr60"]))
    print(f"{len(reps)} reps of {len(straps.truth)}, {len(samples)} HR samples, a {session.end_us / 1e6:.0f} s "
          f"session in {took:.1f} s")
    for name, errors in (("hr_at_finish", finish_err), ("hrr60", hrr_err)):
        print(f"|{name} - truth|: p50 {quantile(errors, 0.5):.1f}  p90 {quantile(errors, 0.9):.1f}  "
              f"max {max(errors):.1f} bpm")
        result(f"hr_error_max.{name}", max(errors), "bpm", f"<={GOAL_BPM}")
    result("hr_samples_lost", lost, "samples", "<=0")
    result("hr_speedup.virtual_time", session.end_us / 1e6 / took, "x")


if __name__ == "__main__":
    main()
