"""Heart-rate straps in a live session: samples into the store, and each athlete's HR to the views.

A HeartMonitor rides on a Pipeline (`Pipeline(..., heart=HeartMonitor(...))`): it opens one
drivers.hr_source source per paired athlete, on the pipeline's clock, and listens to the pipeline's
own messages for the reps. Samples are committed in bulk every FLUSH_S (a strap speaks once a
second: one transaction per sample would be most of the disk's work) and kept in memory per athlete;
while the disk refuses them they wait in memory and go with the next write that succeeds.

Every sample and every rep publishes a `HeartChanged` for its athlete (monitor.session.heart says
what is in it). A strap can be paired mid-session (`assign`, the dashboard's `h` key): the athlete's
earlier strap, if any, is let go, and the samples from then on are theirs.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterable
from typing import TYPE_CHECKING

from drivers.hr_source import HrSource, Pairing, parse_pairing, parse_pairings
from drivers.source import State
from gates.heartrate import HrSample
from gates.hr_recovery import sustained_range
from monitor.session.analyzer import RepResult
from monitor.session.heart import (
    AthleteHeart,
    HeartChanged,
    HeartSettings,
    athlete_heart,
    finish_ns,
    minimum_rest_s,
    threshold,
)
from monitor.session.model import RepFinished, RepsRevised
from monitor.store import db as st

if TYPE_CHECKING:
    from monitor.live.pipeline import Pipeline

FLUSH_S = 1.0
THRESHOLD_EVERY = 30  # samples between recomputing an athlete's sustained range (a median over the session)


def peak_history(store: st.SessionStore, athletes: Iterable[str], *, demo: bool = False) -> dict[str, int]:
    """Each athlete's highest sustained HR over the earlier sessions in the store (demo ones only for
    the demo): the peak their reserve is measured to."""
    peaks: dict[str, int] = {}
    wanted = set(athletes)
    for info in store.sessions():
        if info.demo != demo:
            continue
        for athlete, samples in store.hr_samples(info.id).items():
            seen = sustained_range(samples) if athlete in wanted else None
            if seen is not None:
                peaks[athlete] = max(peaks.get(athlete, 0), seen[1])
    return peaks


class HeartMonitor:
    def __init__(self, pairings: Iterable[Pairing] = (), *, settings: HeartSettings | None = None,
                 radio: object | None = None, **source_options: object) -> None:
        self.pairings = {p.athlete: p for p in pairings}
        self.settings = settings or HeartSettings()
        self.radio = radio
        self.source_options = source_options  # backoff, timeouts (tests)
        self.sources: dict[str, HrSource] = {}
        self.samples: dict[str, list[HrSample]] = {}
        self.thresholds: dict[str, int | None] = {}
        self.stored = 0  # samples committed by this run
        self._pending: list[tuple[str, HrSample]] = []
        self._last: dict[str, tuple[RepResult, int]] = {}  # athlete -> latest rep and its finish (host ns)
        self._tasks: dict[str, list[asyncio.Task]] = {}
        self._loop_tasks: list[asyncio.Task] = []
        self._pipeline: Pipeline | None = None
        self._fresh: dict[str, int] = {}

    # -- life cycle --------------------------------------------------------------------------------

    async def start(self, pipeline: Pipeline) -> None:
        """Called by the pipeline once its session is chosen, before it publishes anything."""
        self._pipeline = pipeline
        store, session = pipeline.store, pipeline.session
        self.samples = store.hr_samples(session)  # a resumed session's, or none
        self.settings = HeartSettings(self.settings.fraction, self.settings.resting, self.settings.fixed,
                                      {**peak_history(store, self._roster(), demo=pipeline.name == st.DEMO),
                                       **self.settings.peaks})
        messages = pipeline.subscribe()
        self._loop_tasks = [asyncio.create_task(self._follow(messages), name="heart: reps"),
                            asyncio.create_task(self._flushing(), name="heart: store")]
        for pairing in list(self.pairings.values()):
            await self._open(pairing)

    async def stop(self) -> None:
        for athlete in list(self.sources):
            await self._close(athlete)
        for task in self._loop_tasks:
            task.cancel()
        await asyncio.gather(*self._loop_tasks, return_exceptions=True)
        self.flush()

    def _roster(self) -> list[str]:
        pipeline = self._pipeline
        names = list(pipeline.athletes) if pipeline else []
        return names + [a for a in self.pairings if a not in names]

    async def assign(self, text: str) -> Pairing:
        """Pair a strap now (`Ada=hr:name=Polar*`): PairingError (one line) if it cannot be."""
        roster = self._roster() if self._pipeline and self._pipeline.athletes else None
        pairing = parse_pairing(text)
        others = [f"{a}={p.spec.text}" for a, p in self.pairings.items() if a != pairing.athlete]
        parse_pairings([*others, text], roster=roster)  # the same checks as --hr: roster, one strap each
        await self._close(pairing.athlete)
        self.pairings[pairing.athlete] = pairing
        await self._open(pairing)
        return pairing

    async def _open(self, pairing: Pairing) -> None:
        assert self._pipeline is not None
        # the radio is the gates' too (one adapter): closing a strap's source must not drop their links
        source = pairing.source(radio=self.radio, clock=self._pipeline.clock, close_radio=self.radio is None,
                                **self.source_options)
        await source.open()
        athlete = pairing.athlete
        self.sources[athlete] = source
        self._tasks[athlete] = [asyncio.create_task(self._consume(athlete, source), name=f"heart: {athlete}"),
                                asyncio.create_task(self._watch(athlete, source), name=f"heart: {athlete} link")]

    async def _close(self, athlete: str) -> None:
        source = self.sources.pop(athlete, None)
        if source is None:
            return
        await source.close()
        await asyncio.gather(*self._tasks.pop(athlete, []), return_exceptions=True)

    # -- samples -----------------------------------------------------------------------------------

    async def _consume(self, athlete: str, source: HrSource) -> None:
        async for sample in source.samples():
            self._pending.append((athlete, sample))
            samples = self.samples.setdefault(athlete, [])
            if samples and sample.host_ns < samples[-1].host_ns:
                bisect.insort(samples, sample, key=lambda s: s.host_ns)
            else:
                samples.append(sample)
            self._fresh[athlete] = self._fresh.get(athlete, THRESHOLD_EVERY) + 1
            self._publish(athlete)

    async def _watch(self, athlete: str, source: HrSource) -> None:
        async for _status in source.statuses():
            self._publish(athlete)

    async def _flushing(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            self.flush()

    def flush(self) -> None:
        """Commit what came since the last flush; kept for the next one if the disk refuses it."""
        pipeline = self._pipeline
        if pipeline is None or not self._pending:
            return
        rows, self._pending = self._pending, []
        try:
            self.stored += pipeline.store.append_hr(pipeline.session, rows)
        except st.StoreWriteError:
            self._pending = rows + self._pending

    # -- reps --------------------------------------------------------------------------------------

    async def _follow(self, messages: asyncio.Queue) -> None:
        while True:
            message = await messages.get()
            if isinstance(message, RepFinished):
                self._rep(message.result, message.host_ns)
            elif isinstance(message, RepsRevised):  # a reassigned rep belongs to its new athlete
                for result in message.results:
                    self._rep(result, None)

    def _rep(self, result: RepResult, arrived_ns: int | None) -> None:
        rep, pipeline = result.rep, self._pipeline
        if rep.time_us is None or pipeline is None:
            return
        held = self._last.get(rep.athlete)
        if held is not None and held[0].rep.number > rep.number:
            return
        points = pipeline.store.event_clock(pipeline.session, rep.start_us, rep.start_us + rep.time_us)
        finish = finish_ns(rep, sorted(points))
        if finish is None:
            if arrived_ns is None:
                return
            finish = arrived_ns  # its events are not on disk yet (the disk refused them): when it came
        for athlete, (other, _) in list(self._last.items()):
            if other.rep.number == rep.number and athlete != rep.athlete:
                del self._last[athlete]
        self._last[rep.athlete] = (result, finish)
        self._publish(rep.athlete)

    # -- what the views get ------------------------------------------------------------------------

    def view(self, athlete: str, now: int) -> AthleteHeart:
        pipeline = self._pipeline
        samples = self.samples.get(athlete, [])
        if self._fresh.get(athlete, THRESHOLD_EVERY) >= THRESHOLD_EVERY or athlete not in self.thresholds:
            self.thresholds[athlete] = threshold(athlete, samples, self.settings)
            self._fresh[athlete] = 0
        last = self._last.get(athlete)
        rest = None
        if last is not None and pipeline is not None and pipeline.model is not None:
            rest = minimum_rest_s(pipeline.model.blocks.analyzer().rule, last[0].rep.course)
        return athlete_heart(athlete, samples, now, threshold_bpm=self.thresholds[athlete], last=last, rest_s=rest)

    def _publish(self, athlete: str) -> None:
        pipeline, pairing = self._pipeline, self.pairings.get(athlete)
        if pipeline is None or pairing is None:
            return
        source = self.sources.get(athlete)
        link = source.status.state if source is not None else State.CLOSED
        now = pipeline.clock()
        pipeline._publish(HeartChanged(self.view(athlete, now), pairing.spec.text, link.value, now))
