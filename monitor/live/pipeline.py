"""The live pipeline: sources -> store -> rep assembly -> analyzer, as one asyncio service.

Each batch of events a source delivers is committed to the session store first and only then fed to
the session model (monitor/derive.py), so whatever a subscriber is shown is already on disk and a
crash loses nothing that was seen (DESIGN.md, "Storage"). Subscribers (the dashboard, the headless
printer below) get small dataclass messages on their own queue as things happen; nobody polls.

A monitor started on a database whose latest session never ended (the last one crashed) resumes it
under the same id: the model is derived again from the store, and each source is told what it
already has, so a gateline source asks its gates to resend what came while nobody listened. Only a
session run the same way is taken up (the same sources, protocol, course and roster); otherwise the
monitor says in one line what differs and starts a new one (`session=` still forces a resume).

A new session stores the personal bests it is judged against with its settings, so its verdicts
never change afterwards (monitor/session/model.py). The rotation is published whenever it moves: a
start takes a turn, an athlete reaching END leaves it, the coach changes it.

If the disk refuses a write mid-session (full, read-only, failing), the session goes on from memory
(monitor/unsaved.py): subscribers are told it is not saving (`StoreFailed`), the backlog is written
again every few seconds, and once it is stored they are told so (`StoreSaving`). Nothing stored
before is touched. A database that refuses the session's first write stops the start instead.

`run_headless` is `gates monitor --headless`: a line per rep and verdict (JSON lines with `--json`).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO, TypeVar

from drivers.source import Source, SourceStatus
from gates.course import Course
from gates.events import GateEvent
from gates.rep import Rep
from monitor.present.records import change_records, fmt_pct, fmt_time, rep_record
from monitor.session import facts
from monitor.session.analyzer import RepResult, StopRule
from monitor.session.blocks import BlockChanged
from monitor.session.heart import HeartChanged
from monitor.session.model import (
    DRIVING_KINDS,
    Change,
    RepFinished,
    RepsRevised,
    SessionModel,
    Settings,
    StartAbandoned,
    stored_bests,
)
from monitor.session.plans import READINESS_DAYS, Plan
from monitor.store import db as st
from monitor.store.history import Bests, personal_bests
from monitor.store.unsaved import Unsaved

if TYPE_CHECKING:
    from monitor.live.heart import HeartMonitor

RESUME_WITHIN_NS = 12 * 3600 * 10**9  # an unfinished session older than this is not taken up again
TICK_S = 0.5  # how often starts nobody finished are checked for their timeout
CHECKPOINT_S = 10.0  # how often the store's WAL is copied back, off the event loop
RETRY_SAVE_S = 2.0  # how often a backlog the disk refused is offered to it again
T = TypeVar("T")


# -- messages to subscribers --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SessionOpened:
    """The session is running: new, or resumed with what it already had."""

    session: int
    resumed: bool
    course: Course | None
    results: list[RepResult]
    abandoned: list[Rep]
    pbs: dict[str, int] = field(default_factory=dict)  # athlete -> personal best on `course`, µs
    not_resumed: str = ""  # why the unfinished session was not taken up (what differs), if there was one
    no_names: str = ""  # the protocol, when reps have no roster and no start numbers to go to
    block: int = 1  # the plan's block running now, 1-based (a resumed session may be past its first)


@dataclass(frozen=True, slots=True)
class HistoryLoading:
    """A new session's start is deriving earlier sessions for their personal bests (the first run after
    an upgrade derives them all): `done` of `total`. The sources are being read meanwhile; reps are
    judged once the bests are there (SessionOpened)."""

    done: int
    total: int


@dataclass(frozen=True, slots=True)
class LinkChanged:
    status: SourceStatus


@dataclass(frozen=True, slots=True)
class RotationChanged:
    order: list[str]
    next_up: str | None
    out: list[str] = field(default_factory=list)  # in the order, passed over: their session reached END
    finished: str = ""  # why the workout is over for everyone (SessionModel.finished), "" while it runs


@dataclass(frozen=True, slots=True)
class SessionEnded:
    session: int
    reason: str


@dataclass(frozen=True, slots=True)
class PipelineFailed:
    reason: str


@dataclass(frozen=True, slots=True)
class StoreFailed:
    """The disk refused a write: the session goes on in memory and is NOT being saved."""

    reason: str  # e.g. "disk full: /home/coach/.local/share/gates/gates.sqlite3"


@dataclass(frozen=True, slots=True)
class StoreSaving:
    """The disk took the backlog: everything is stored again."""

    saved: int  # events that had been kept in memory


Message = (SessionOpened | RepFinished | RepsRevised | StartAbandoned | LinkChanged | RotationChanged
           | SessionEnded | PipelineFailed | StoreFailed | StoreSaving | BlockChanged | HistoryLoading | HeartChanged)


class PipelineError(Exception):
    """The session cannot run as asked (one line for the user)."""


class Pipeline:
    """Run sources into one session. `async with Pipeline(...) as p:` opens it; `await p.wait()`
    returns when every source is exhausted (a replay) or `stop()` was called.

    `clock` is the host clock the sources stamp arrivals with (`host_ns`); a simulation on its own
    session time (`gates demo --ble`) passes its clock to the sources and here alike."""

    def __init__(self, store: st.SessionStore, sources: Sequence[Source], *, course: Course,
                 athletes: Sequence[str] = (), rule: StopRule | None = None, debounce_us: int | None = None,
                 session: int | None = None, resume: bool = True, name: str = "",
                 clock: Callable[[], int] = time.monotonic_ns, plan: Plan | None = None,
                 end_when_exhausted: bool = True, heart: HeartMonitor | None = None) -> None:
        if not sources:
            raise PipelineError("no sources")
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise PipelineError(f"the same source twice: {sorted(n for n in names if names.count(n) > 1)[0]}")
        self.store = store
        self.sources = list(sources)
        self.course = course
        self.athletes = list(athletes)
        self.rule = rule or StopRule()
        self.debounce_us = Settings().debounce_us if debounce_us is None else debounce_us
        self.session: int | None = session
        self.resume = resume
        self.name = name  # a new session's name (st.DEMO for the demo's simulated athletes)
        self.plan = plan  # blocks judged each by its own rule; `course` is its first block's
        self.clock = clock
        self.end_when_exhausted = end_when_exhausted  # False: the session stays open once the sources end
        self.not_resumed = ""  # what differed from the unfinished session that was not resumed
        self._rotation: tuple | None = None  # the rotation as last published
        self.model: SessionModel | None = None
        self.pbs: Bests = {}  # the athletes' personal bests from the sessions before this one
        self.recent: Bests = {}  # their bests of the last READINESS_DAYS (a plan's readiness check)
        self.events = 0  # events taken in by this run (stored, or kept while the disk refuses them)
        self._subscribers: list[asyncio.Queue[Message]] = []
        self._consumers: list[asyncio.Task] = []
        self._watchers: list[asyncio.Task] = []
        self._baselined: set[tuple[str, int]] = set()
        self._clock: tuple[int, int] | None = None  # (device_us, host_ns) of the latest start-gate event
        self._done = asyncio.Event()  # every source ended, stop() finished, or the store failed
        self._stopped = asyncio.Event()
        self._exhaust: asyncio.Task | None = None
        self._stopping = False
        self.failure: str | None = None
        self.unsaved: Unsaved | None = None  # while the disk refuses writes
        self.heart = heart  # heart-rate straps beside the gates (monitor/live/heart.py)

    def subscribe(self) -> asyncio.Queue[Message]:
        """A queue that gets every message from now on (subscribe before `start` for all of them)."""
        queue: asyncio.Queue[Message] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    async def __aenter__(self) -> Pipeline:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop(end=False)

    # -- start ----------------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self._start()
        except st.StoreWriteError as err:  # the session's first write: nothing to carry on from yet
            for source in self.sources:
                await source.close()
            raise PipelineError(f"cannot write the session database: {err}") from None

    async def _start(self) -> None:
        store = self.store
        resumed = self._choose_session()
        if resumed:
            for source in self.sources:
                source.resume(store.seen_seqs(self.session, source.name), store.baselines(self.session, source.name))
        opened: list[Source] = []
        try:
            for source in self.sources:
                await source.open()
                opened.append(source)
            settings = Settings(self._protocol(), self.rule, self.debounce_us, self.plan, numbering=self._numbering())
        except BaseException:
            for source in opened:
                await source.close()
            raise
        specs = [s.name for s in self.sources]
        if resumed:  # judged against the bests stored when the session started
            started = Settings.stored(store.annotations(self.session))
            settings = replace(settings, pbs=started.pbs, recent=started.recent)
            store.resume_session(self.session, sources=specs, settings=settings.as_dict())
            self.pbs, self.recent = settings.bests(), settings.recent_bests()
            self.model = self._derive()
            if self.model.course != self.course and self.model.blocks.plan is None:  # a plan moves its own gates
                self._note(facts.COURSE, course=self.course.label())
            if self.athletes and self.model.rotation.names != self.athletes:
                self._note(facts.ROSTER, athletes=self.athletes)
        else:
            self.pbs, self.recent = await self._history()
            settings = replace(settings, pbs=stored_bests(self.pbs), recent=stored_bests(self.recent))
            self.session = store.start_session(course=self.course.label(), athletes=self.athletes, name=self.name,
                                               sources=specs, settings=settings.as_dict())
            self.model = self._derive()
        if self.heart is not None:
            await self.heart.start(self)
        model = self.model
        start = None if model.blocks.block is None else model.blocks.block.start.value
        pbs = {athlete: us for (athlete, course, s), us in self.pbs.items() if course == model.course and s == start}
        no_names = "" if model.rotation or model.protocol.start_numbers else model.protocol.name
        self._publish(SessionOpened(self.session, resumed, model.course, model.ordered_results(),
                                    list(model.abandoned), pbs, self.not_resumed, no_names, model.blocks.index + 1))
        self._publish_rotation()
        for source in self.sources:
            self._publish(LinkChanged(source.status))
            self._consumers.append(asyncio.create_task(self._consume(source), name=f"store {source.name}"))
            self._watchers.append(asyncio.create_task(self._watch(source), name=f"status {source.name}"))
        self._watchers.append(asyncio.create_task(self._tick(), name="timeouts"))
        self._watchers.append(asyncio.create_task(self._checkpoints(), name="checkpoints"))
        self._exhaust = asyncio.create_task(self._until_exhausted(), name="exhausted")

    async def _history(self) -> tuple[Bests, Bests]:
        """The athletes' bests from earlier sessions (and their recent ones, for a plan), read in a thread:
        the sources are open and go on reading while years of history are derived, and subscribers hear
        how far it got (HistoryLoading). The session starts, with these bests stored in its START, after."""
        store, demo, plan = self.store, self.name == st.DEMO, self.plan
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            loop.call_soon_threadsafe(self._publish, HistoryLoading(done, total))

        def load() -> tuple[Bests, Bests]:
            pbs = personal_bests(store, demo=demo, progress=progress)
            if plan is None:
                return pbs, {}
            since = time.time_ns() - READINESS_DAYS * 86_400 * 10**9
            return pbs, personal_bests(store, demo=demo, since_ns=since)

        return await asyncio.to_thread(load)

    def _choose_session(self) -> bool:
        """True to resume `self.session` (given, or the latest unfinished one), False for a new one."""
        store = self.store
        if self.session is not None:
            try:
                info = store.session(self.session)
            except st.StoreError as err:
                raise PipelineError(str(err)) from None
            if info.ended:
                raise PipelineError(f"session {self.session} has ended; start a new one")
            return True
        if not self.resume:
            return False
        latest = store.latest_unfinished()
        if latest is None:
            return False
        info = store.session(latest)
        if time.time_ns() - info.created_ns >= RESUME_WITHIN_NS:
            return False
        differs = self._differences(info)
        if differs:
            self.not_resumed = f"session {latest} was left open but not resumed: {'; '.join(differs)}"
            return False
        self.session = latest
        return True

    def _differences(self, info: st.SessionInfo) -> list[str]:
        """What this run does differently from the unfinished session `info` (only the same sources,
        protocol, numbering, course and roster are the same session: a crashed demo is not resumed by a
        monitor, and a Timy's reps are not re-paired by another reading of its numbers)."""
        notes = self.store.annotations(info.id)
        rosters = []  # the roster it was started with: among the annotations its start wrote
        for note in notes:
            if note.kind not in (facts.START, facts.COURSE, facts.ROSTER):
                break
            if note.kind == facts.ROSTER:
                rosters.append(note.data["athletes"])
        stored = Settings.stored(notes)
        was = {"sources": ", ".join(sorted(info.sources)) or "none",
               "protocol": stored.protocol, "numbering": stored.numbering, "course": info.course or "none",
               "roster": ", ".join(rosters[0]) if rosters else "none"}
        known = [s.protocol.name for s in self.sources if s.protocol is not None]
        numberings = {s.numbering for s in self.sources}
        now = {"sources": ", ".join(sorted(s.name for s in self.sources)),
               "protocol": known[0] if len(known) == len(self.sources) and len(set(known)) == 1 else was["protocol"],
               "numbering": numberings.pop() if len(numberings) == 1 else was["numbering"],
               "course": self.course.label(), "roster": ", ".join(self.athletes) or "none"}
        return [f"{what} {was[what]} then, {now[what]} now" for what in was if was[what] != now[what]]

    def _protocol(self) -> str:
        """The wire format reps are assembled by: the sources' (gate ids for sources without one)."""
        names = {s.protocol.name if s.protocol else "gateline" for s in self.sources}
        if len(names) > 1:
            raise PipelineError(f"the sources speak different protocols ({', '.join(sorted(names))}); "
                                "one session takes one")
        return names.pop()

    def _numbering(self) -> str:
        """How the timer's number field is read: as the sources say (all alike), else told by the assembler."""
        chosen = {s.numbering for s in self.sources}
        if len(chosen) > 1:
            raise PipelineError(f"the sources read the timer's numbers differently ({', '.join(sorted(chosen))}); "
                                "one session takes one numbering")
        return chosen.pop()

    # -- running --------------------------------------------------------------------------------

    async def _consume(self, source: Source) -> None:
        try:
            async for batch in source.batches():
                self._ingest(source.name, batch)
        except Exception as err:  # the store failed: nothing may be shown that was not stored
            self._fail(f"{source.name}: {type(err).__name__}: {err}")

    def _ingest(self, name: str, batch: list[GateEvent]) -> None:
        # committed, and only then shown (while the disk refuses writes: kept in memory, and shown)
        stored = self._write(lambda: self.store.append(self.session, name, batch),
                             lambda unsaved: unsaved.append(name, batch))
        if not stored:
            return
        self.events += len(stored)
        model = self.model
        assert model is not None
        start_gate = self._is_start_gate
        for item in stored:  # each move of the rotation is published, even in a batch held back at start
            event = item.event
            starts = start_gate(event)
            if starts:
                self._clock = (event.device_us, event.host_ns)
            changes = model.event(event)
            self._publish_changes(changes)
            if starts or changes:
                self._publish_rotation(judged=bool(changes))

    def _is_start_gate(self, event: GateEvent) -> bool:
        model = self.model
        if model is None or model.course is None:
            return False
        return model.protocol.sequential or model.protocol.course_index(event, model.course.gates) == 0

    async def _watch(self, source: Source) -> None:
        async for status in source.statuses():
            if status.gate is not None and status.last_seq is not None:
                key = (source.name, status.gate)
                if key not in self._baselined:
                    self._baselined.add(key)
                    gate, seq = status.gate, status.last_seq
                    self._write(lambda: self.store.set_baseline(self.session, source.name, gate, seq),
                                lambda unsaved: unsaved.baseline(source.name, gate, seq))
            self._publish(LinkChanged(status))

    async def _tick(self) -> None:
        """Starts nobody finished time out by the gates' clock, estimated from the last start break."""
        while True:
            await asyncio.sleep(TICK_S)
            model, clock = self.model, self._clock
            if model is None or clock is None or model.assembler is None or not model.assembler.open_reps:
                continue
            now_us = clock[0] + (self.clock() - clock[1]) // 1000
            changes = model.tick(now_us)
            if changes:  # when a start was given up is the host's decision: a fact, so re-derivation agrees
                self._annotate(facts.TIMEOUT, {"at_us": now_us})
            self._publish_changes(changes)
            self._publish_rotation()

    async def _checkpoints(self) -> None:
        """Commits stay short: the WAL is copied into the database by a thread, not by a commit."""
        self.store.defer_checkpoints()
        while True:
            await asyncio.sleep(CHECKPOINT_S)
            await self._checkpoint()

    async def _checkpoint(self) -> None:
        try:
            await asyncio.to_thread(self.store.checkpoint)
        except st.StoreWriteError:
            pass  # the WAL keeps what was committed; the next checkpoint copies it

    # -- when the disk refuses writes -------------------------------------------------------------

    def _write(self, write: Callable[[], T], keep: Callable[[Unsaved], T]) -> T:
        """`write` to the store; once the disk refuses, `keep` it in memory until it can be written."""
        if self.unsaved is None:
            try:
                return write()
            except st.StoreWriteError as err:
                assert self.session is not None
                self.unsaved = Unsaved(self.store, self.session, err)
                self._publish(StoreFailed(str(err)))
                if not self._stopping:  # stopping tries once more itself
                    self._watchers.append(asyncio.create_task(self._retry_saving(), name="retry saving"))
        return keep(self.unsaved)

    async def _retry_saving(self) -> None:
        while self.unsaved is not None:
            await asyncio.sleep(RETRY_SAVE_S)
            self._try_saving()

    def _try_saving(self) -> None:
        unsaved = self.unsaved
        if unsaved is None:
            return
        reason = str(unsaved.failure)
        if unsaved.write():
            self.unsaved = None
            self._publish(StoreSaving(len(unsaved.events)))
        elif str(unsaved.failure) != reason:
            self._publish(StoreFailed(str(unsaved.failure)))

    def annotations(self) -> list[facts.Annotation]:
        """Every annotation of the session, those the disk has not taken yet included."""
        notes = self.store.annotations(self.session)
        return notes + self.unsaved.notes if self.unsaved is not None else notes

    async def _until_exhausted(self) -> None:
        await asyncio.gather(*self._consumers, return_exceptions=True)
        if not self.end_when_exhausted:
            return  # the session stays open for the coach's decisions until stop()
        if not self._stopping and self.failure is None:
            await self.stop(end=True, reason="every source has ended")
        self._done.set()

    async def wait(self) -> None:
        await self._done.wait()

    # -- the coach's actions --------------------------------------------------------------------

    def annotate(self, kind: str, **data: object) -> facts.Annotation:
        """Store a decision and apply it; an UNDO derives the session again without its target."""
        note = self._annotate(kind, data)
        model = self.model
        assert model is not None
        if kind == facts.UNDO:
            self.model = model = self._derive()
            self._publish(RepsRevised(model.ordered_results()))
        else:
            self._publish_changes(model.apply(note))
        self._publish_rotation()
        return note

    def next_block(self) -> int | None:
        """The coach moves the plan on to its next block (stored as a BLOCK annotation); the block's
        number, or None without a plan or on its last block."""
        model = self.model
        if model is None or model.blocks.plan is None or model.blocks.last:
            return None
        number = model.blocks.index + 2
        self.annotate(facts.BLOCK, block=number)
        return number

    def moved_by_undo(self, note: facts.Annotation) -> list[tuple[int, str, str]]:
        """The reps an UNDO of `note` would credit to someone else: (rep, athlete now, athlete then).
        A rep goes to whoever the rotation had up when it started, so undoing a decision that reps
        have run on since (adding a misspelt name, a skip, a void that lifted an END) would move those
        reps to athletes who did not run them. A reassignment's own rep moving back is the undo itself."""
        notes = self.annotations()
        undo = facts.Annotation(max((n.id for n in notes), default=0) + 1, note.session_id, note.after_event,
                                time.time_ns(), facts.UNDO, {"annotation": note.id})
        now = {r.rep.number: r.rep.athlete for r in self._derive(notes).ordered_results()}
        own = note.data.get("rep") if note.kind == facts.REASSIGN else None
        return [(r.rep.number, now[r.rep.number], r.rep.athlete) for r in self._derive([*notes, undo]).ordered_results()
                if r.rep.number != own and now.get(r.rep.number, r.rep.athlete) != r.rep.athlete]

    def _derive(self, annotations: list[facts.Annotation] | None = None) -> SessionModel:
        """The session again from everything it holds (stored, and kept while the disk refuses it),
        judged against the same personal bests; with `annotations`, as if those were its decisions. Only
        the events that drive reps are read, without their bytes (an undo derives twice, mid-session)."""
        events = list(self.store.events(self.session, kinds=DRIVING_KINDS, raw=False))
        if self.unsaved is not None:
            events += self.unsaved.events
        return SessionModel.derive(events, self.annotations() if annotations is None else annotations)

    def _note(self, kind: str, **data: object) -> None:
        note = self._annotate(kind, data)
        assert self.model is not None
        self._publish_changes(self.model.apply(note))

    def _annotate(self, kind: str, data: dict) -> facts.Annotation:
        return self._write(lambda: self.store.annotate(self.session, kind, **data),
                           lambda unsaved: unsaved.annotate(kind, data))

    async def stop(self, end: bool = True, reason: str = "ended by the coach") -> None:
        """Close the sources (what they still hold is stored), then end the session if `end`."""
        if self._stopping:
            await self._stopped.wait()
            return
        self._stopping = True
        for source in self.sources:
            await source.close()
        await asyncio.gather(*self._consumers, return_exceptions=True)
        for task in self._watchers:
            task.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        if self.heart is not None:
            await self.heart.stop()
        if end and self.session is not None and self.failure is None:
            note = self._annotate(facts.END, {})
            if self.model is not None:
                self._publish_changes(self.model.apply(note))
            self._publish(SessionEnded(self.session, reason))
        self._try_saving()  # a last chance for what the disk refused
        await self._checkpoint()
        self._stopped.set()
        self._done.set()

    def _fail(self, reason: str) -> None:
        self.failure = reason
        self._publish(PipelineFailed(reason))
        self._done.set()

    # -- messages -------------------------------------------------------------------------------

    def _publish(self, message: Message) -> None:
        for queue in self._subscribers:
            queue.put_nowait(message)

    def _publish_changes(self, changes: list[Change]) -> None:
        for change in changes:
            self._publish(change)

    def _publish_rotation(self, judged: bool = True) -> None:
        """The rotation, if it moved since it was last published. Without `judged` (a start, nothing
        judged since) the workout's end cannot have moved: it is not worked out again."""
        if self.model is not None:
            rotation = self.model.rotation
            finished = self.model.finished if judged or self._rotation is None else self._rotation[3]
            now = (tuple(rotation.names), rotation.next_up, frozenset(rotation.out), finished)
            if now != self._rotation:
                self._rotation = now
                self._publish(RotationChanged(list(rotation.names), rotation.next_up,
                                              [n for n in rotation.names if n in rotation.out], finished))


# -- headless -------------------------------------------------------------------------------------

async def run_headless(pipeline: Pipeline, *, as_json: bool, out: TextIO | None = None,
                       err: TextIO | None = None, db: str = "") -> int:
    """Print each rep and verdict as a line until the sources end or Ctrl-C / SIGTERM (to stdout
    and stderr as they are at the call, so a caller that redirects them is obeyed).

    Ctrl-C (SIGINT) ends the session; SIGTERM stops the monitor but leaves the session open, so the
    next start resumes it (as after a crash)."""
    out, err = out or sys.stdout, err or sys.stderr
    messages = pipeline.subscribe()
    loop = asyncio.get_running_loop()
    stop_requests: asyncio.Queue[bool] = asyncio.Queue()
    for sig, end in ((signal.SIGINT, True), (signal.SIGTERM, False)):
        loop.add_signal_handler(sig, stop_requests.put_nowait, end)
    # a port failing mid-write is handled (the source reconnects); say so in a line, not a traceback
    loop.set_exception_handler(lambda _, context: err.write(
        f"gates monitor: {context.get('message')}: {context.get('exception') or ''}\n"))
    printer = _Printer(as_json, out, err)
    try:
        try:
            waiting = await _starting(pipeline, messages, printer)
        except PipelineError as error:
            err.write(f"gates monitor: {error}\n")
            return 2
        if db:
            err.write(f"gates monitor: database {db}\n")
        for message in waiting:
            printer.show(message)
        done = asyncio.create_task(pipeline.wait())
        asked = asyncio.create_task(stop_requests.get())
        while not done.done():
            getter = asyncio.create_task(messages.get())
            finished, _ = await asyncio.wait({getter, done, asked}, return_when=asyncio.FIRST_COMPLETED)
            if getter in finished:
                printer.show(getter.result())
            else:
                getter.cancel()
            if asked in finished:
                await pipeline.stop(end=asked.result(), reason="stopped by the coach")
        asked.cancel()
        if pipeline.failure:
            await pipeline.stop(end=False)  # close the ports; the session stays open to resume
        while not messages.empty():
            printer.show(messages.get_nowait())
        printer.summary(pipeline)
        return 1 if pipeline.failure or pipeline.unsaved else 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _starting(pipeline: Pipeline, messages: asyncio.Queue[Message], printer: _Printer) -> list[Message]:
    """Start the pipeline, saying meanwhile how far loading the history got; the other messages sent
    meanwhile are returned, in order, to be shown once it has started."""
    start = asyncio.create_task(pipeline.start())
    waiting: list[Message] = []
    try:
        while not start.done():
            getter = asyncio.create_task(messages.get())
            try:
                await asyncio.wait({getter, start}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                getter.cancel()
            if getter.done() and not getter.cancelled():
                if isinstance(message := getter.result(), HistoryLoading):
                    printer.show(message)
                else:
                    waiting.append(message)
    finally:
        start.cancel()  # a no-op once it has finished; else whoever stopped us stops the start too
    start.result()
    return waiting


class _Printer:
    def __init__(self, as_json: bool, out: TextIO, err: TextIO) -> None:
        self.as_json = as_json
        self.out = out
        self.err = err
        self._links: dict[str, tuple] = {}
        self._finished = ""  # the workout's end as last said

    def show(self, message: Message) -> None:
        if isinstance(message, SessionOpened):
            how = "resumed" if message.resumed else "started"
            if message.not_resumed:
                self.err.write(f"gates monitor: {message.not_resumed}\n")
            self.err.write(f"gates monitor: session {message.session} {how}"
                           f"{f' with {len(message.results)} reps' if message.resumed else ''}\n")
            if message.no_names:
                self.err.write(f"gates monitor: warning: no roster, and {message.no_names} carries no start "
                               f"numbers: every rep goes to \"?\" (name the athletes with --athletes A,B,C)\n")
            for result in message.results:
                self.rep(result)
        elif isinstance(message, (RepFinished, RepsRevised, StartAbandoned, BlockChanged)) and self.as_json:
            for record in change_records(message):
                self.line(json.dumps(record))
        elif isinstance(message, RepFinished):
            self.rep(message.result)
        elif isinstance(message, RepsRevised):
            for result in message.results:
                self.rep(result)
        elif isinstance(message, StartAbandoned):
            self.line(f"start abandoned ({', '.join(sorted(message.rep.flags))})")
        elif isinstance(message, BlockChanged):
            moves = f": move {', '.join(message.moves)}" if message.moves else ""
            out = f"; out: {', '.join(message.out)}" if message.out else ""
            self.line(f"block {message.index}: {message.name} ({message.reason}){moves}{out}")
        elif isinstance(message, LinkChanged):
            self.link(message.status)
        elif isinstance(message, RotationChanged) and message.finished != self._finished:
            self._finished = message.finished
            if message.finished:
                self.line(json.dumps({"type": "finished", "reason": message.finished}) if self.as_json
                          else f"workout done: {message.finished} (Ctrl-C ends the session)")
        elif isinstance(message, SessionEnded):
            self.err.write(f"gates monitor: session {message.session} ended ({message.reason})\n")
        elif isinstance(message, PipelineFailed):
            self.err.write(f"gates monitor: stopped: {message.reason}\n")
        elif isinstance(message, StoreFailed):
            self.err.write(f"gates monitor: NOT SAVING ({message.reason}); the session goes on in memory and "
                           f"is written as soon as the database takes it\n")
        elif isinstance(message, StoreSaving):
            self.err.write(f"gates monitor: saving again: the {message.saved} events kept in memory are stored\n")
        elif isinstance(message, HistoryLoading) and self.err.isatty():
            self.err.write(f"\rgates monitor: loading history: deriving {message.done}/{message.total} sessions…"
                           + ("\n" if message.done == message.total else ""))
        self.out.flush()
        self.err.flush()

    def rep(self, result: RepResult) -> None:
        if self.as_json:
            self.line(json.dumps(rep_record(result)))
            return
        rep = result.rep
        splits = " ".join(fmt_time(s) for s in rep.splits_us)
        flags = f"  [{', '.join(sorted(rep.flags))}]" if rep.flags else ""
        verdict = result.verdict.value if result.verdict else "-"
        reason = f"  ({result.reason})" if result.reason else ""
        self.line(f"rep {rep.number:3d}  {rep.athlete:<12} {fmt_time(rep.time_us):>6} s  splits {splits}  "
                  f"best {fmt_time(result.best_us)}  drop {fmt_pct(result.dropoff_pct)} %  "
                  f"int {fmt_pct(result.intensity_pct)} %  {verdict}{reason}{flags}")

    def link(self, status: SourceStatus) -> None:
        if status.gate is not None:
            return  # heartbeats: a dashboard's business, not a line each second
        key = (status.state, status.reason, status.dropped_frames, status.lost_events, status.gaps)
        if self._links.get(status.source) == key:
            return
        self._links[status.source] = key
        counts = [f"{n} {what}" for n, what in ((status.dropped_frames, "bad frames"),
                                                 (status.lost_events, "events lost"), (status.gaps, "gaps"))
                  if n]
        detail = "; ".join(filter(None, [status.reason, ", ".join(counts)]))
        self.err.write(f"{status.source}: {status.state.value}{f': {detail}' if detail else ''}\n")

    def summary(self, pipeline: Pipeline) -> None:
        model = pipeline.model
        if model is None:
            return
        results = model.ordered_results()
        statuses = [s.status for s in pipeline.sources]
        record = {"type": "summary", "session": pipeline.session, "events": pipeline.events,
                  "reps": len(results), "valid": sum(r.rep.valid for r in results),
                  "incomplete": len(model.abandoned),
                  "dropped_frames": sum(s.dropped_frames for s in statuses),
                  "lost_events": sum(s.lost_events for s in statuses), "gaps": sum(s.gaps for s in statuses),
                  "ended": model.ended, "unsaved": len(pipeline.unsaved.events) if pipeline.unsaved else 0,
                  "hr_samples": pipeline.heart.stored if pipeline.heart is not None else 0}
        if self.as_json:
            self.line(json.dumps(record))
        else:
            self.err.write(f"gates monitor: session {pipeline.session}: {record['events']} events stored by this "
                           f"run, {record['reps']} reps ({record['valid']} valid)\n")
        if pipeline.unsaved is not None:
            self.err.write(f"gates monitor: {record['unsaved']} events could not be saved "
                           f"({pipeline.unsaved.failure})\n")
        self.out.flush()
        self.err.flush()

    def line(self, text: str) -> None:
        self.out.write(text + "\n")

