"""Session plans: blocks of reps, each with its own course, rep type, start, floor, reference, rest
and volume, read from TOML (stdlib `tomllib`), and the built-in templates coaches start from.

The defaults by rep type follow Haugen, Seiler, Sandbakk & Tønnessen 2019 (Sports Medicine - Open
5:44, Table 2, "Summary of best practice sprint training recommendations"; intensity there is % of
maximal velocity): acceleration 10-50 m above 98 % with 2-7 min rest and 100-300 m a session;
maximal velocity 10-30 m flying from a 20-40 m run-in above 98 %, 4-15 min, 50-150 m; sprint-specific
endurance 80-150 m above 95 %, 8-30 min, 300-900 m; speed endurance 60-80 m at 90-95 %, 2-4 min
(8-15 between sets), 600-2000 m. Repeated sprints follow Bishop, Girard & Mendez-Villanueva 2011
(Sports Med 41:741): sprints of at most 10 s with at most 60 s recovery. Strides are sub-maximal
runs judged against a target band (a % of the PB), never against today's best.

A plan is parsed once into frozen values and stored with the session as the dict `as_dict` gives
(defaults filled in), so a session derived again later is judged by the plan it ran, even if the
file changed since. Every mistake in a file is one `PlanError` naming the file, the block and the key.

Noise: the gates' own measurement noise over a course is the typical error of a sprint time (about
1 % over 10 m, Duthie et al. 2006, J Strength Cond Res 20:246, ~0.02 s; it falls with distance, here
as the square root) plus the timer's resolution as a share of a fast time over the course. A floor
whose allowed drop (100/floor - 1) is inside twice that noise cannot tell fatigue from noise on one
rep, so the block's rule then always confirms over two reps, and the plan check says so.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from enum import StrEnum

from gates.course import Course, CourseError

DEFAULT_TYPICAL_ERROR_PCT = 1.0  # of a 10 m sprint time (Duthie et al. 2006: ~0.02 s, < 1 %)
DEFAULT_RESOLUTION_MS = 1.0  # what most timers resolve
NOISE_SPEED_MPS = 10.0  # a fast athlete: the resolution weighs most on the shortest times
READINESS_DAYS = 28  # "recent form": the best on this course and start in the last four weeks
REST_PER_10M_S = 60.0  # full recovery: at least a minute per 10 m sprinted
REFERENCES = ("session", "pb", "target")


class PlanError(ValueError):
    """A plan that cannot run: the message names the file, the block and the key."""


class RepType(StrEnum):
    ACCELERATION = "acceleration"
    MAX_VELOCITY = "max-velocity"
    SPEED_ENDURANCE = "speed-endurance"
    SPRINT_ENDURANCE = "sprint-endurance"
    STRIDES = "strides"
    RSA = "rsa"


class Start(StrEnum):
    BLOCK = "block"
    STANDING = "standing"
    FLYING = "flying"


@dataclass(frozen=True, slots=True)
class TypeRule:
    """What a rep type is by default, and the ranges the literature gives (for the plan check)."""

    floor_pct: float
    rest_s: float  # default minimum rest between an athlete's reps
    start: Start
    against: str = "session"
    distance_m: tuple[float, float] | None = None  # the usual rep length
    rest_range_s: tuple[float, float] | None = None
    volume_m: tuple[float, float] | None = None  # a session's total
    full_recovery: bool = True  # rest at least a minute per 10 m
    source: str = "Haugen et al. 2019, Sports Med Open 5:44, Table 2"


TYPES: dict[RepType, TypeRule] = {
    RepType.ACCELERATION: TypeRule(98.0, 180.0, Start.BLOCK, distance_m=(10, 50), rest_range_s=(120, 420),
                                   volume_m=(100, 300)),
    RepType.MAX_VELOCITY: TypeRule(98.0, 240.0, Start.FLYING, distance_m=(10, 30), rest_range_s=(240, 900),
                                   volume_m=(50, 150)),
    RepType.SPRINT_ENDURANCE: TypeRule(95.0, 480.0, Start.STANDING, distance_m=(80, 150),
                                       rest_range_s=(480, 1800), volume_m=(300, 900)),
    RepType.SPEED_ENDURANCE: TypeRule(90.0, 180.0, Start.STANDING, distance_m=(60, 80), rest_range_s=(120, 900),
                                      volume_m=(600, 2000)),
    RepType.STRIDES: TypeRule(80.0, 60.0, Start.FLYING, against="target", full_recovery=False,
                              source="coaching practice: sub-maximal runs at a set % of the PB"),
    RepType.RSA: TypeRule(90.0, 30.0, Start.STANDING, rest_range_s=(0, 60), full_recovery=False,
                          source="Bishop, Girard & Mendez-Villanueva 2011, Sports Med 41:741"),
}


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    rep_type: RepType
    start: Start
    course: Course
    reps: int  # per athlete
    rest_s: float  # minimum rest between an athlete's reps
    floor_pct: float
    against: str  # session | pb | target
    gates: tuple[int, ...] | None = None  # gate ids at the course's distances (None: in order)
    consecutive: int = 2  # reps in a row under the floor that END
    target_pct: float | None = None  # against "target": the target, % of the PB
    band_pct: float = 3.0  # ± around the target
    target_s: float | None = None  # against "target": a fixed target time over the course instead
    volume_m: float | None = None  # cap on an athlete's metres in this block
    run_in_m: float | None = None  # flying: the run-in before the first gate (the simulator runs it)

    @property
    def distance_m(self) -> float:
        return self.course.length_m

    def as_dict(self) -> dict:
        data = {"name": self.name, "type": self.rep_type.value, "start": self.start.value,
                "course": [int(d) if d == int(d) else d for d in self.course.distances_m], "reps": self.reps,
                "rest_s": self.rest_s, "floor_pct": self.floor_pct, "against": self.against,
                "consecutive": self.consecutive, "band_pct": self.band_pct}
        for key, value in (("gates", self.gates), ("target_pct", self.target_pct), ("target_s", self.target_s),
                           ("volume_m", self.volume_m), ("run_in_m", self.run_in_m)):
            if value is not None:
                data[key] = list(value) if isinstance(value, tuple) else value
        return data


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    blocks: tuple[Block, ...]
    description: str = ""
    volume_m: float | None = None  # cap on an athlete's metres over the whole session
    typical_error_pct: float = DEFAULT_TYPICAL_ERROR_PCT
    resolution_ms: float = DEFAULT_RESOLUTION_MS
    readiness_margin_pct: float | None = None  # None: the course's noise
    source: str = field(default="", compare=False)  # where it was read from

    def as_dict(self) -> dict:
        data: dict = {"name": self.name, "description": self.description,
                      "typical_error_pct": self.typical_error_pct, "resolution_ms": self.resolution_ms,
                      "block": [b.as_dict() for b in self.blocks]}
        if self.volume_m is not None:
            data["volume_m"] = self.volume_m
        if self.readiness_margin_pct is not None:
            data["readiness_margin_pct"] = self.readiness_margin_pct
        return data

    def noise_pct(self, block: Block) -> float:
        return noise_pct(block.distance_m, self.resolution_ms, self.typical_error_pct)

    def noisy(self, block: Block) -> bool:
        """True when the block's floor allows a drop inside twice the gates' noise over its course."""
        return block.against != "target" and allowed_drop_pct(block.floor_pct) <= 2 * self.noise_pct(block)

    def readiness_margin(self, block: Block) -> float:
        return self.noise_pct(block) if self.readiness_margin_pct is None else self.readiness_margin_pct


def noise_pct(distance_m: float, resolution_ms: float = DEFAULT_RESOLUTION_MS,
              typical_error_pct: float = DEFAULT_TYPICAL_ERROR_PCT) -> float:
    """The gates' noise on one rep time over `distance_m`, % of the time."""
    fast_time_s = distance_m / NOISE_SPEED_MPS
    return typical_error_pct * math.sqrt(10.0 / distance_m) + resolution_ms / 1000 / fast_time_s * 100


def allowed_drop_pct(floor_pct: float) -> float:
    """How much slower than the reference (% of its time) a rep may be and stay at the floor."""
    return (100.0 / floor_pct - 1.0) * 100.0


def default_rest_s(rep_type: RepType, distance_m: float) -> float:
    rule = TYPES[rep_type]
    if not rule.full_recovery:
        return rule.rest_s
    return max(rule.rest_s, REST_PER_10M_S * distance_m / 10.0)


# -- reading --------------------------------------------------------------------------------------

_PLAN_KEYS = {"name", "description", "block", "volume_m", "typical_error_pct", "resolution_ms",
              "readiness_margin_pct"}
_BLOCK_KEYS = {"name", "type", "start", "course", "gates", "reps", "rest_s", "floor_pct", "against", "consecutive",
               "target_pct", "band_pct", "target_s", "volume_m", "run_in_m"}


def parse(text: str, source: str) -> Plan:
    """A plan from TOML text; `source` (a file name or template name) is named in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(f"plan {source}: not TOML: {err}") from None
    return from_dict(data, source)


def from_dict(data: dict, source: str) -> Plan:
    """A plan from its parsed TOML (or stored `as_dict`) form."""
    where = f"plan {source}"
    _unknown(data, _PLAN_KEYS, where)
    name = _text(data, "name", where, required=True)
    blocks = data.get("block")
    if not isinstance(blocks, list) or not blocks or not all(isinstance(b, dict) for b in blocks):
        raise PlanError(f"{where}: key 'block': give at least one [[block]] table")
    plan = Plan(
        name=name, description=_text(data, "description", where), blocks=(),
        volume_m=_number(data, "volume_m", where, low=0, open_low=True),
        typical_error_pct=_number(data, "typical_error_pct", where, low=0, high=10, default=DEFAULT_TYPICAL_ERROR_PCT),
        resolution_ms=_number(data, "resolution_ms", where, low=0, high=1000, default=DEFAULT_RESOLUTION_MS),
        readiness_margin_pct=_number(data, "readiness_margin_pct", where, low=0, high=50), source=source)
    return replace(plan, blocks=tuple(_block(b, f"{where}: block {i} ({b.get('name', '?')})")
                                      for i, b in enumerate(blocks, 1)))


def _block(data: dict, where: str) -> Block:
    _unknown(data, _BLOCK_KEYS, where)
    name = _text(data, "name", where, required=True)
    rep_type = _choice(data, "type", RepType, where, None)
    rule = TYPES[rep_type]
    start = _choice(data, "start", Start, where, rule.start)
    raw = data.get("course")
    if not isinstance(raw, list) or not all(isinstance(d, (int, float)) and not isinstance(d, bool) for d in raw):
        raise PlanError(f"{where}: key 'course': give the gate distances in metres, e.g. [0, 10, 20, 30]")
    try:
        course = Course(tuple(float(d) for d in raw))
    except CourseError as err:
        raise PlanError(f"{where}: key 'course': {err}") from None
    gates = data.get("gates")
    if gates is not None:
        if (not isinstance(gates, list) or not all(isinstance(g, int) and not isinstance(g, bool) and g >= 1
                                                   for g in gates)):
            raise PlanError(f"{where}: key 'gates': give gate ids, whole numbers from 1, e.g. [1, 2]")
        if len(gates) != course.gates:
            raise PlanError(f"{where}: key 'gates': {len(gates)} gate ids for {course.gates} distances")
        if len(set(gates)) != len(gates):
            raise PlanError(f"{where}: key 'gates': a gate stands at one distance only")
        gates = tuple(gates)
    reps = _integer(data, "reps", where, low=1, high=100, required=True)
    against = data.get("against", rule.against)
    if against not in REFERENCES:
        raise PlanError(f"{where}: key 'against': one of {', '.join(REFERENCES)}, got {against!r}")
    target_pct = _number(data, "target_pct", where, low=0, high=100, open_low=True)
    target_s = _number(data, "target_s", where, low=0, open_low=True)
    if against == "target" and target_pct is None and target_s is None:
        if rep_type is RepType.STRIDES:
            target_pct = 85.0
        else:
            raise PlanError(f"{where}: key 'target_pct': against = \"target\" needs target_pct (of the PB) or target_s")
    return Block(
        name=name, rep_type=rep_type, start=start, course=course, reps=reps,
        rest_s=_number(data, "rest_s", where, low=0, high=3600, default=default_rest_s(rep_type, course.length_m)),
        floor_pct=_number(data, "floor_pct", where, low=0, high=100, open_low=True, default=rule.floor_pct),
        against=against, gates=gates,
        consecutive=_integer(data, "consecutive", where, low=1, high=10, default=2),
        target_pct=target_pct, band_pct=_number(data, "band_pct", where, low=0, high=20, default=3.0),
        target_s=target_s, volume_m=_number(data, "volume_m", where, low=0, open_low=True),
        run_in_m=_number(data, "run_in_m", where, low=0, high=100))


def _unknown(data: dict, known: set[str], where: str) -> None:
    for key in data:
        if key not in known:
            raise PlanError(f"{where}: key '{key}': unknown (known: {', '.join(sorted(known))})")


def _text(data: dict, key: str, where: str, required: bool = False) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()) or not value.isprintable():
        raise PlanError(f"{where}: key '{key}': {'required, ' if required else ''}give a line of text")
    return value


def _choice(data: dict, key: str, kind: type[StrEnum], where: str, default):
    value = data.get(key)
    if value is None and default is not None:
        return default
    try:
        return kind(value)
    except ValueError:
        raise PlanError(f"{where}: key '{key}': one of {', '.join(k.value for k in kind)}, got {value!r}") from None


def _number(data: dict, key: str, where: str, *, low: float, high: float | None = None, open_low: bool = False,
            default: float | None = None) -> float | None:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlanError(f"{where}: key '{key}': give a number, got {value!r}")
    if value < low or (open_low and value == low) or (high is not None and value > high):
        bound = f"above {low:g}" if open_low else f"at least {low:g}"
        raise PlanError(f"{where}: key '{key}': must be {bound}{f' and at most {high:g}' if high else ''}, "
                        f"got {value:g}")
    return float(value)


def _integer(data: dict, key: str, where: str, *, low: int, high: int, default: int | None = None,
             required: bool = False) -> int:
    value = data.get(key)
    if value is None and not required:
        return default  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlanError(f"{where}: key '{key}': give a whole number from {low} to {high}, got {value!r}")
    return value


# -- checks ---------------------------------------------------------------------------------------

def check(plan: Plan) -> list[str]:
    """What a coach should know before running the plan: floors within the noise, rest, volume."""
    notes = []
    for i, block in enumerate(plan.blocks, 1):
        where = f"block {i} ({block.name})"
        noise = plan.noise_pct(block)
        if plan.noisy(block):
            hint = "confirm over 2 reps or use ≥ 20 m" if block.distance_m < 20 else "confirmed over 2 reps"
            notes.append(f"{where}: {block.floor_pct:g} % over {block.distance_m:g} m is within the gates' noise "
                         f"(± {noise:.1f} %): {hint}")
        rule = TYPES[block.rep_type]
        if rule.distance_m and not rule.distance_m[0] <= block.distance_m <= rule.distance_m[1]:
            low, high = rule.distance_m
            notes.append(f"{where}: {block.distance_m:g} m is outside the {low:g}-{high:g} m {rule.source} "
                         f"gives for {block.rep_type.value}")
        if rule.rest_range_s and block.rest_s < rule.rest_range_s[0]:
            notes.append(f"{where}: rest {block.rest_s:g} s is below the {rule.rest_range_s[0] / 60:g} min "
                         f"{rule.source} gives for {block.rep_type.value}")
        volume = block.reps * block.distance_m
        if rule.volume_m and volume > rule.volume_m[1]:
            notes.append(f"{where}: {volume:g} m a session is above the {rule.volume_m[1]:g} m {rule.source} "
                         f"gives for {block.rep_type.value}")
    return notes


def describe(plan: Plan) -> list[str]:
    """One line per block: what runs, how it is judged, and the noise beside the floor."""
    lines = []
    for i, b in enumerate(plan.blocks, 1):
        if b.against == "target":
            aim = f"{b.target_s:g} s" if b.target_s is not None else f"{b.target_pct:g} % of PB"
            judged = f"target {aim} ± {b.band_pct:g} %"
        else:
            judged = f"floor {b.floor_pct:g} % of {'session best' if b.against == 'session' else 'PB'}"
        lines.append(f"{i}. {b.name}: {b.reps} × {b.distance_m:g} m {b.rep_type.value}, {b.start.value} start, "
                     f"{judged} (noise ± {plan.noise_pct(b):.1f} %), rest ≥ {b.rest_s / 60:g} min")
    return lines


# -- templates ------------------------------------------------------------------------------------

TEMPLATES: dict[str, str] = {
    "micro-dosed": '''\
# Micro-dosed speed endurance: a few maximal block starts with full recovery, then one long rep
# judged against the PB. Floors and rest from Haugen, Seiler, Sandbakk & Tønnessen 2019, Sports
# Medicine - Open 5:44, Table 2: acceleration 10-50 m > 98 %, 2-7 min rest, 100-300 m a session;
# sprint-specific endurance 80-150 m > 95 %, 8-30 min rest, 300-900 m a session.
name = "Micro-dosed speed endurance"
description = "6 x 30 m block starts at > 98 %, then 1 x 150 m against the PB (Haugen et al. 2019)"

[[block]]
name = "30 m block starts"
type = "acceleration"
start = "block"
course = [0, 10, 20, 30]
gates = [1, 2, 3, 4]
reps = 6
rest_s = 180
floor_pct = 98
against = "session"

[[block]]
name = "150 m"
type = "sprint-endurance"
start = "standing"
course = [0, 150]
gates = [1, 2]
reps = 1
floor_pct = 95
against = "pb"
''',
    "acceleration": '''\
# Acceleration only: 10-50 m from blocks or a crouch, > 98 %, 2-7 min rest, 100-300 m a session
# (Haugen et al. 2019, Sports Medicine - Open 5:44, Table 2).
name = "Acceleration"
description = "8 x 30 m block starts at > 98 %, 3 min rest, 240 m (Haugen et al. 2019)"

[[block]]
name = "30 m block starts"
type = "acceleration"
start = "block"
course = [0, 10, 20, 30]
reps = 8
rest_s = 180
floor_pct = 98
against = "session"
volume_m = 300
''',
    "flying": '''\
# Maximal velocity: 10-30 m flying from a 20-40 m run-in, > 98 %, 4-15 min rest, 50-150 m a session
# (run-in excluded) (Haugen et al. 2019, Sports Medicine - Open 5:44, Table 2).
name = "Flying max velocity"
description = "5 x 20 m flying from a 30 m run-in at > 98 %, 4 min rest, 100 m (Haugen et al. 2019)"

[[block]]
name = "20 m flying"
type = "max-velocity"
start = "flying"
course = [0, 10, 20]
reps = 5
rest_s = 240
floor_pct = 98
against = "session"
run_in_m = 30
''',
    "strides": '''\
# Strides: relaxed runs at a set share of the PB, judged against the target band and never against
# today's best (a low-load session; submaximal work, cf. tempo at 60-70 % in Haugen et al. 2019,
# Sports Medicine - Open 5:44, Table 2).
name = "Strides"
description = "10 x 30 m flying strides at 85 % of the PB (band ± 3 %), 1 min rest"

[[block]]
name = "30 m strides"
type = "strides"
start = "flying"
course = [0, 10, 20, 30]
reps = 10
rest_s = 60
against = "target"
target_pct = 85
band_pct = 3
run_in_m = 15
''',
    "rsa": '''\
# Repeated sprints: maximal sprints of at most 10 s with at most 60 s recovery (Bishop, Girard &
# Mendez-Villanueva 2011, Sports Med 41:741), a fatigue block: END at 2 reps under 90 % of the
# session best (a coaching choice, not a figure from that review).
name = "Repeated sprints"
description = "10 x 30 m standing starts, 30 s rest, END under 90 % (Bishop et al. 2011)"

[[block]]
name = "repeated 30 m"
type = "rsa"
start = "standing"
course = [0, 10, 20, 30]
reps = 10
rest_s = 30
floor_pct = 90
against = "session"
''',
}


def template(name: str) -> Plan:
    return parse(TEMPLATES[name], name)
