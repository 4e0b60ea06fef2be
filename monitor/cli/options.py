"""What the commands share: the user's-mistake error, option groups and their checks, and opening the
store. Commands import from here, never from each other, so each loads only what it runs.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gates.course import Course, CourseError

if TYPE_CHECKING:  # the codecs and the assembler load with the commands that assemble reps
    from collections.abc import Awaitable, Callable

    from monitor.live.pipeline import Pipeline
    from monitor.session.analyzer import StopRule
    from monitor.session.plans import Block as PlanBlock
    from monitor.session.plans import Plan as SessionPlan
    from monitor.store.db import SessionStore
    from monitor.store.saved import SavedSession
    from simulators.athletes import AthleteProfile
    from simulators.plans import Plan

MAX_DEBOUNCE_MS = 10_000.0  # far above any arm swing; beyond it a rep's own gates would be merged
_RULE_OPTIONS = {"floor": "--floor", "consecutive": "--consecutive", "max reps": "--max-reps"}


class UsageError(Exception):
    """A mistake in what the user asked for: printed as one line, exit 2."""


MAX_NAME = 60  # characters: an athlete's name fits a table column and a banner line


def check_names(option: str, names: list[str]) -> list[str]:
    """Athlete names as typed, or UsageError: they are drawn on the dashboard and stored as text, so
    no control characters (terminal escapes), no bytes that are not UTF-8, and a readable length; and
    each once, as the rotation takes them in turn and every rep is credited by name."""
    for name in names:
        if not name.isprintable():
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(f"{option}: '{shown}' is not a name: control characters or bytes that are not UTF-8")
        if len(name) > MAX_NAME:
            raise UsageError(f"{option}: a name is at most {MAX_NAME} characters, got {len(name)}")
    twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if twice is not None:
        raise UsageError(f"{option}: athlete names must differ ({twice} is named twice)")
    return names


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """Course, roster, stop rule and debounce: shared by every command that assembles reps."""
    from gates.assembly import DEFAULT_DEBOUNCE_US

    parser.add_argument("--course", default="0,10,20,30", help="gate distances in metres (default 0,10,20,30)")
    parser.add_argument("--athletes", default="", help="roster rotation A,B,C: rep n goes to the next in turn")
    parser.add_argument("--floor", type=float, default=95.0, help="intensity floor, %% of session best (default 95)")
    parser.add_argument("--consecutive", type=int, default=2, help="reps in a row under the floor that END (default 2)")
    parser.add_argument("--max-reps", type=int, default=None, help="volume cap: END after this many valid reps")
    parser.add_argument("--debounce-ms", type=float, default=DEFAULT_DEBOUNCE_US / 1000,
                        help="a second break of a gate within this window counts once (default 300)")
    add_plan_option(parser)


@dataclass(frozen=True, slots=True)
class SessionOptions:
    course: Course
    rule: StopRule
    roster: list[str]
    debounce_us: int
    plan: SessionPlan | None = None  # with a plan, `course` is its first block's


def session_options(args: argparse.Namespace) -> SessionOptions:
    """Check the shared options, or raise UsageError naming the one that is wrong."""
    from monitor.session.analyzer import StopRule

    try:
        course = Course.parse(args.course)
    except CourseError as err:
        raise UsageError(f"--course {err}") from None
    try:
        rule = StopRule(floor_pct=args.floor, consecutive=args.consecutive, max_reps=args.max_reps)
    except ValueError as err:  # StopRule names its field ("floor must be ..."): name the option instead
        message = str(err)
        for field, option in _RULE_OPTIONS.items():
            if message.startswith(field):
                message = option + message[len(field):]
        raise UsageError(message) from None
    if not 0 <= args.debounce_ms <= MAX_DEBOUNCE_MS:  # NaN fails this too
        raise UsageError(f"--debounce-ms must be 0 to {MAX_DEBOUNCE_MS:g}, got {args.debounce_ms:g}")
    roster = check_names("--athletes", [name.strip() for name in args.athletes.split(",") if name.strip()])
    plan = load_plan(args.plan) if getattr(args, "plan", None) else None
    if plan is not None:
        course = plan.blocks[0].course
    return SessionOptions(course, rule, roster, int(args.debounce_ms * 1000), plan)


def add_against_option(parser: argparse.ArgumentParser) -> None:
    """What the floor is a percentage of: shared by the commands that run a live session."""
    parser.add_argument("--against", choices=("session", "pb"), default="session",
                        help="judge each rep against the athlete's session best (default) or personal best: "
                             "the best of earlier sessions in the database and today's (no PB yet: the session best); "
                             "with --plan, pb turns every block judged against the session best to the PB")


def plan_against(plan: SessionPlan | None, against: str) -> SessionPlan | None:
    """`--against pb` on a plan: its blocks judged against the session best are judged against the PB
    (a target block keeps its band); `session` leaves each block as the plan says."""
    if plan is None or against != "pb":
        return plan
    from dataclasses import replace

    return replace(plan, blocks=tuple(replace(b, against="pb") if b.against == "session" else b for b in plan.blocks))


def group_session(args: argparse.Namespace) -> tuple[Course, list[AthleteProfile], Plan]:
    """Course, athletes and plan from the options `gates simulate` and `gates demo` share (and the
    seed checked), or UsageError naming the option that is wrong. The plan is one of the simulator's
    own, or a session plan (template or file) as the simulator runs it, on its first block's course."""
    from simulators.plans import get_plan

    try:
        course = Course.parse(args.course)
    except CourseError as err:
        raise UsageError(f"--course {err}") from None
    athletes = group_athletes(args)
    try:
        plan = get_plan(args.plan)
    except ValueError:
        session_plan = load_plan(args.plan)
        plan = simulated_plan(session_plan)
        course = session_plan.blocks[0].course
    return course, athletes, plan


def group_athletes(args: argparse.Namespace) -> list[AthleteProfile]:
    """The simulated group `--athletes` names (and `--seed` checked), or UsageError."""
    from simulators.athletes import group

    count = args.athletes.strip()
    if count.lstrip("+-").isdigit() and not count.isdigit():  # a signed count, not a name
        raise UsageError(f"--athletes {count!r}: give 1 to 255 athletes")
    try:
        athletes = group(args.athletes)
    except ValueError as err:
        raise UsageError(f"--athletes {err}") from None
    check_names("--athletes", [a.name for a in athletes])
    if args.seed < 0:
        raise UsageError(f"--seed must not be negative, got {args.seed}")
    return athletes


PLAN_HELP = ("a session plan: a built-in template (`gates plans` lists them), one of yours in the data "
             "directory, or a TOML file; reps are judged block by block")


def add_plan_option(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    """`--plan NAME|FILE`: shared by analyze, monitor and demo."""
    suffix = f" (default {default})" if default else " (default: one block over --course)"
    parser.add_argument("--plan", metavar="NAME|FILE", default=default, help=PLAN_HELP + suffix)


def plans_dir() -> Path:
    """Where a coach's own plans live: `plans/` in the user's data directory, beside the database."""
    import platformdirs

    return Path(platformdirs.user_data_dir("gates", appauthor=False)) / "plans"


def user_plans() -> dict[str, Path]:
    """The coach's own plan files by name (the file name without .toml)."""
    folder = plans_dir()
    return {p.stem: p for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}


def load_plan(spec: str, option: str = "--plan") -> SessionPlan:
    """The plan `--plan` names (a template, one of the user's, or a file), or UsageError: a bad plan
    file is one line naming the file, the block and the key; `option` names where the user typed it."""
    from monitor.session import plans

    path = Path(spec)
    where = f"{option} " if option else ""  # before a file's name in its error
    try:
        if spec in plans.TEMPLATES:
            return plans.template(spec)
        if spec.endswith(".toml") or path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                raise UsageError(f"{where}{spec}: cannot read it: {getattr(err, 'strerror', None) or err}") from None
            return plans.parse(text, spec)
        own = user_plans().get(spec)
        if own is not None:
            return plans.parse(own.read_text(encoding="utf-8"), str(own))
    except plans.PlanError as err:
        raise UsageError(str(err)) from None
    known = ", ".join([*plans.TEMPLATES, *user_plans()])
    unknown = f"unknown plan {spec!r} (known: {known}; or a .toml file)"
    raise UsageError(f"{option}: {unknown}" if option else unknown)


def plan_notes(plan: SessionPlan) -> list[str]:
    """The plan's blocks and what the coach should check, as lines for stderr."""
    from monitor.session import plans

    return [f"plan {plan.name}:", *(f"  {line}" for line in plans.describe(plan)),
            *(f"  check: {note}" for note in plans.check(plan))]


def simulated_block(block: PlanBlock):
    """A plan's block as the simulator runs it: the same course, gates, reps, rest and start; effort
    and load from the rep type (strides at their target share, a long rep costs more)."""
    from monitor.session.plans import RepType, Start
    from simulators.plans import Block, Start as SimStart

    effort = (block.target_pct or 85.0) / 100 if block.rep_type is RepType.STRIDES else 1.0
    if block.rep_type is RepType.SPEED_ENDURANCE:
        effort = 0.93
    run_in = 0.5 if block.start is not Start.FLYING else block.run_in_m or (
        15.0 if block.rep_type is RepType.STRIDES else 30.0)
    load = (block.course.length_m / 30.0) * (0.25 if block.rep_type is RepType.STRIDES else 1.0)
    return Block(block.name, block.reps, SimStart(block.start.value), run_in_m=run_in, effort=effort,
                 rest_s=block.rest_s, load=load, course=block.course, gates=block.gates,
                 floor_pct=None if block.against == "target" else block.floor_pct, consecutive=block.consecutive)


def simulated_plan(plan: SessionPlan):
    """The simulator's plan for a session plan: what `gates demo --plan` plays and tests run with truth."""
    from simulators.plans import Plan

    return Plan(plan.name, plan.description, tuple(simulated_block(b) for b in plan.blocks))


def add_theme_option(parser: argparse.ArgumentParser) -> None:
    """The dashboards' look: shared by demo, monitor and review, remembered for the next run."""
    parser.add_argument("--theme", choices=("light", "dark"), default=None,
                        help="light: black on white, for a track in sunlight; dark: white on black "
                             "(default: the theme chosen last time, else dark; the choice is remembered)")


def chosen_look(theme: str | None) -> dict[str, object]:
    """The dashboard's theme (`--theme`, else the one remembered) and how it keeps a new choice."""
    from monitor.tui import config

    return {"theme": config.chosen_theme(theme), "remember_theme": config.remember_theme}


def open_store(db: str | None, default: str | None = None) -> SessionStore:
    """The session database `--db` names (default: `default`, or the coach's, in the user's data
    directory), or UsageError."""
    from monitor.store import db as st

    try:
        return st.SessionStore(Path(db) if db else st.default_path(default or st.DB_NAME))
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None


def add_hi_range_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hi-range", action="append", default=[], metavar="[NAME=]MIN-MAX",
                        help="weekly high-intensity metres to aim for (default 1000-2000, the NSCA's typical "
                             "figure); NAME= sets one athlete's; may be given again")


def hi_ranges(texts: list[str]) -> tuple[tuple[float, float] | None, dict[str, tuple[float, float]]]:
    """--hi-range values: the default range (if given) and per-athlete ones, or UsageError."""
    default, per = None, {}
    for text in texts:
        name, _, span = text.rpartition("=")
        low, sep, high = span.partition("-")
        try:
            limits = (float(low), float(high))
        except ValueError:
            limits = None
        if not sep or limits is None or not 0 <= limits[0] <= limits[1] < 1e6:
            raise UsageError(f"--hi-range {text!r}: give MIN-MAX metres, e.g. 1000-2000 (or NAME=1000-2000)")
        if name:
            per[check_names("--hi-range", [name.strip()])[0]] = limits
        else:
            default = limits
    return default, per


def open_keeping_derived(path: Path) -> SessionStore:
    """The store at `path` for writing if the file lets us (the derived rows a read brings up to date
    are kept), else read-only; StoreError as the store gives it."""
    import os

    from monitor.store import db as st

    if path.is_file() and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        try:
            return st.SessionStore(path)
        except st.StoreWriteError:
            pass
    return st.SessionStore(path, readonly=True)


def session_id(text: str) -> int:
    """The SESSION argument: a positive whole number, as `gates sessions` lists them."""
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise UsageError(f"session {text!r} is not a session id (a whole number from `gates sessions`)")
    return int(text)


def database_path(db: str | None) -> Path:
    """The database `--db` names (or the default one), which must exist: reading never creates one
    (whether it is a gates database is the store's to say)."""
    from monitor.store import db as st

    path = Path(db) if db else st.default_path()
    if not path.exists() and db:
        raise UsageError(f"--db {path}: no such session database")
    if not path.exists():
        raise UsageError(f"no sessions yet: {path} does not exist (--db names another database)")
    return path


def load_saved(db: str | None, session: str) -> SavedSession:
    """The stored session the SESSION and --db arguments name, or UsageError saying which is wrong."""
    from monitor.store import db as st
    from monitor.store import saved

    sid = session_id(session)
    path = database_path(db)
    try:
        with st.SessionStore(path, readonly=True) as store:
            stored_session(store, sid)
        return saved.load(path, sid)
    except st.StoreError as err:
        raise UsageError(f"--db {err}" if str(path) in str(err) else f"--db {path}: {err}") from None


def stored_session(store, wanted: int | None) -> int:
    """The session `wanted` (None: the latest) if `store` holds it, else UsageError saying which
    sessions it does hold."""
    ids = [info.id for info in store.sessions()]
    if not ids:
        raise UsageError(f"no sessions in {store.path}" if wanted is None else f"no session {wanted} in {store.path} "
                         "(it holds none yet)")
    if wanted is None:
        return ids[-1]
    if wanted not in ids:
        held = f"session {ids[0]}" if len(ids) == 1 else f"sessions {ids[0]}–{ids[-1]}"
        raise UsageError(f"no session {wanted} in {store.path} (it holds {held}; `gates sessions` lists them)")
    return wanted


def require_terminal() -> None:
    """The dashboards read keys on stdin and draw on stderr: both must be a terminal."""
    import sys

    if not (sys.stdin.isatty() and sys.__stderr__.isatty()):
        raise UsageError("the dashboard needs a terminal; without one, `gates monitor --headless` prints lines")


async def run_dashboard(pipeline: Pipeline, theme: str | None = None, **options: object) -> int:
    """The live dashboard on `pipeline` until the coach quits; sources that cannot start are the
    user's to fix (a port that is not there, a busy one), so they end as one line."""
    from monitor.tui.collector import hold_until_first_frame

    require_terminal()
    hold_until_first_frame()  # before Textual is imported
    from monitor.live.pipeline import PipelineError
    from monitor.tui import bridge

    try:
        return await bridge.run_dashboard(pipeline, **options, **chosen_look(theme))
    except PipelineError as err:
        raise UsageError(str(err)) from None


async def run_dashboard_first(build: Callable[[], Awaitable[Pipeline]], theme: str | None = None,
                              **options: object) -> tuple[int, Pipeline | None]:
    """The live dashboard drawn first, on the pipeline `build` makes after its first frame (see
    `monitor.tui.bridge.run_dashboard_first`): (exit code, the pipeline if it was built)."""
    from monitor.tui.collector import hold_until_first_frame

    require_terminal()
    hold_until_first_frame()  # before Textual is imported
    from monitor.tui import bridge

    return await bridge.run_dashboard_first(build, **options, **chosen_look(theme))  # type: ignore[arg-type]


def add_hr_options(parser: argparse.ArgumentParser) -> None:
    """Heart-rate straps beside the gates: shared by monitor (and, simulated, demo)."""
    parser.add_argument("--hr", action="append", default=[], metavar="ATHLETE=SPEC",
                        help="pair an athlete with a Bluetooth heart-rate strap: Ada=hr:name=Polar* or "
                             "Ada=hr:AA:BB:CC:DD:EE:FF (repeatable; `h` on the dashboard pairs one later)")
    parser.add_argument("--hr-rest", action="append", default=[], metavar="ATHLETE=BPM",
                        help="an athlete's resting heart rate from their log (default: their lowest this session)")
    parser.add_argument("--hr-ready", action="append", default=[], metavar="FRACTION|ATHLETE=BPM",
                        help="READY under this fraction of heart-rate reserve (default 0.5, Karvonen), or under a "
                             "fixed bpm for one athlete; always after the minimum rest, never instead of it")


def _athlete_bpms(option: str, texts: list[str], roster: list[str]) -> dict[str, int]:
    out = {}
    for text in texts:
        athlete, equals, value = text.partition("=")
        athlete = athlete.strip()
        if not equals or not value.strip().isdigit() or not 25 <= int(value) <= 250:
            raise UsageError(f"{option} {text!r}: expected ATHLETE=BPM, BPM a whole number from 25 to 250")
        if roster and athlete not in roster:
            raise UsageError(f"{option} {text!r}: no athlete {athlete!r} in the group ({', '.join(roster)})")
        out[athlete] = int(value)
    return out


def heart_options(args: argparse.Namespace, roster: list[str]) -> tuple[list, object]:
    """The strap pairings and the READY settings the options ask for (checked against the roster), or
    UsageError in one line."""
    from drivers.hr_source import PairingError, parse_pairings
    from monitor.session.heart import HeartSettings

    try:
        pairings = parse_pairings(args.hr, roster=roster or None)
    except PairingError as err:
        raise UsageError(f"--hr {err}") from None
    fractions = [t for t in args.hr_ready if "=" not in t]
    fraction = 0.5
    if len(fractions) > 1:
        raise UsageError(f"--hr-ready: one fraction for everyone, got {', '.join(fractions)}")
    if fractions:
        try:
            fraction = float(fractions[0])
        except ValueError:
            fraction = -1.0
        if not 0.0 < fraction < 1.0:
            raise UsageError(f"--hr-ready {fractions[0]!r}: a fraction of heart-rate reserve between 0 and 1, "
                             "e.g. 0.5, or ATHLETE=BPM")
    fixed = _athlete_bpms("--hr-ready", [t for t in args.hr_ready if "=" in t], roster)
    return pairings, HeartSettings(fraction, _athlete_bpms("--hr-rest", args.hr_rest, roster), fixed)
