"""Bad input everywhere a user types or points, through the real `gates` CLI in subprocesses.

Every case must end the same way: exit 2, exactly one line on stderr naming the input that is wrong,
no traceback, and (for a database) the file exactly as it was: same bytes, same mtime, nothing new
beside it. Captures of every kind are made here (empty, 50 MB of noise, another format, a directory,
a non-UTF-8 name); databases too (a future schema version, not SQLite, another program's SQLite).
"""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import gates as run
from support.peak_memory import run_measured

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300  # only a wedged command ever waits this long
NOISE_BYTES = 50_000_000
# analyze streams: 10 MB of capture (1,200 reps) goes through in 32 MB of its own, as 50 MB does in 37 MB;
# its events decoded at once take over 200 MB, so a command that held the capture whole exceeds the limit
HUGE_BYTES = 10_000_000
HUGE_RSS_LIMIT_KB = 100_000


def gates(*args: str | bytes, env: dict | None = None) -> subprocess.CompletedProcess:
    return run(*args, env=env, text=False, timeout=TIMEOUT_S)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, bytes]:
    """Every file the cases point at, by name (as bytes paths: some names are not UTF-8)."""
    d = tmp_path_factory.mktemp("inputs")
    env = cli_env(d)
    good, alge = d / "good.cap", d / "alge.cap"
    for path, protocol in ((good, "gateline"), (alge, "alge-timy")):
        made = gates("simulate", "--out", str(path), "--protocol", protocol, env=env)
        assert made.returncode == 0, made.stderr
    (d / "empty.cap").write_bytes(b"")
    (d / "noise.cap").write_bytes(os.urandom(NOISE_BYTES))
    (d / "a-directory").mkdir()
    odd = os.path.join(os.fsencode(d), b"caf\xe9-\xff.cap")  # Latin-1 bytes: not UTF-8
    with open(odd, "wb") as f:
        f.write(good.read_bytes())
    future = d / "future.sqlite3"
    with sqlite3.connect(future) as db:
        db.execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY)")
        db.execute("PRAGMA user_version = 99")
    db.close()
    foreign = d / "foreign.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    db.close()
    (d / "notes.sqlite3").write_text("these are my training notes, not a database\n" * 50)
    named = {p.name: os.fsencode(p) for p in d.iterdir()}
    named |= {"dir": os.fsencode(d), "odd": odd, "missing": os.path.join(os.fsencode(d), b"no-such.cap"),
              "missing-odd": os.path.join(os.fsencode(d), b"no-such-\xff.cap"),
              "no-dir": os.path.join(os.fsencode(d), b"no-such-dir", b"out.cap")}
    return named


def cli_env(data_home: Path) -> dict[str, str]:
    """The CLI on this worktree's code, its default database in a temporary data directory."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(data_home)}


GOOD = "replay:{good.cap}?speed=max"
# (command line with {file} placeholders, what the one stderr line must contain)
CASES = [
    ("analyse {good.cap}", "invalid choice: 'analyse'"),
    # --- analyze: the capture ---
    ("analyze", "the following arguments are required: FILE"),
    ("analyze {missing}", "cannot read"),
    ("analyze {missing-odd}", "no-such-\\udcff.cap"),
    ("analyze {a-directory}", "Is a directory"),
    ("analyze {empty.cap}", "the capture is empty"),
    ("analyze {noise.cap}", "no known protocol recognised"),
    ("analyze {noise.cap} --protocol chronopic", "are not chronopic"),
    ("analyze {alge.cap} --protocol gateline", "try --protocol alge-timy"),
    ("analyze {good.cap} --protocol wichro", "try --protocol gateline"),
    ("analyze {good.cap} --protocol morse", "--protocol: unknown protocol 'morse'"),
    ("analyze {good.cap} --bogus", "gates analyze: error: unrecognized arguments: --bogus"),
    ("--bogus", "gates: error: unrecognized arguments: --bogus"),
    # --- the options every command that assembles reps shares ---
    ("analyze {good.cap} --floor abc", "argument --floor: invalid float value"),
    ("analyze {good.cap} --floor 0", "--floor must be a percentage"),
    ("analyze {good.cap} --floor 101", "--floor must be a percentage"),
    ("analyze {good.cap} --floor nan", "--floor must be a percentage"),
    ("analyze {good.cap} --consecutive two", "argument --consecutive: invalid int value"),
    ("analyze {good.cap} --consecutive 0", "--consecutive must be at least 1"),
    ("analyze {good.cap} --max-reps 1.5", "argument --max-reps: invalid int value"),
    ("analyze {good.cap} --max-reps 0", "--max-reps must be at least 1"),
    ("analyze {good.cap} --debounce-ms soon", "argument --debounce-ms: invalid float value"),
    ("analyze {good.cap} --debounce-ms -1", "--debounce-ms must be 0 to"),
    ("analyze {good.cap} --debounce-ms nan", "--debounce-ms must be 0 to"),
    ("analyze {good.cap} --debounce-ms inf", "--debounce-ms must be 0 to"),
    ("analyze {good.cap} --course=", "--course '' is not a comma-separated list"),
    ("analyze {good.cap} --course ten,twenty", "is not a comma-separated list"),
    ("analyze {good.cap} --course 0", "a course needs at least two gates"),
    ("analyze {good.cap} --course 0,20,10", "must increase strictly"),
    ("analyze {good.cap} --course=-5,10", "must not be negative"),
    ("analyze {good.cap} --course 0,nan", "must be finite numbers"),
    ("analyze {good.cap} --course 0,inf", "must be finite numbers"),
    (["analyze", "{good.cap}", "--athletes", "Ada,\x1b[2JBen"], "--athletes: '\x1b[2JBen' is not a name"),
    (["analyze", "{good.cap}", "--athletes", b"Ada,Z\xfcrich"], "--athletes: 'Z\\xfcrich' is not a name"),
    (["analyze", "{good.cap}", "--athletes", "A" * 61], "a name is at most 60 characters"),
    ("analyze {good.cap} --athletes Ada,Ben,Ada", "--athletes: athlete names must differ (Ada is named twice)"),
    # --- simulate ---
    ("simulate", "one of the arguments --serial --out --ble is required"),
    ("simulate --out {a-directory}", "cannot write --out {a-directory}: it is a directory"),
    ("simulate --out {no-dir}", "no such directory"),
    ("simulate --out {dir}/s.cap --truth {a-directory}", "cannot write --truth {a-directory}: it is a directory"),
    ("simulate --out {a-directory} --truth {dir}/t.json", "cannot write --out {a-directory}: it is a directory"),
    ("simulate --out {dir}/s.cap --athletes 0", "--athletes '0': give 1 to 255 athletes"),
    ("simulate --out {dir}/s.cap --athletes 256", "give 1 to 255 athletes"),
    ("simulate --out {dir}/s.cap --athletes -1", "--athletes '-1': give 1 to 255 athletes"),
    ("simulate --out {dir}/s.cap --athletes Ada,,Ben", "neither a count nor a list of names"),
    ("simulate --out {dir}/s.cap --athletes Ada,Ada", "athlete names must differ"),
    (["simulate", "--out", "{dir}/s.cap", "--athletes", b"\xff\xfe"], "--athletes: '\\xff\\xfe' is not a name"),
    ("simulate --out {dir}/s.cap --plan marathon", "--plan: unknown plan 'marathon'"),
    ("simulate --out {dir}/s.cap --reps 0", "--reps must be 1 to 100000"),
    ("simulate --out {dir}/s.cap --reps many", "argument --reps: invalid int value"),
    ("simulate --out {dir}/s.cap --speed 0", "--speed must be a positive number"),
    ("simulate --out {dir}/s.cap --speed nan", "--speed must be a positive number"),
    ("simulate --out {dir}/s.cap --speed fast", "argument --speed: invalid float value"),
    ("simulate --out {dir}/s.cap --seed -1", "--seed must not be negative"),
    ("simulate --out {dir}/s.cap --seed 1.5", "argument --seed: invalid int value"),
    ("simulate --out {dir}/s.cap --faults gremlins=1", "--faults 'gremlins=1' is not NAME=VALUE"),
    ("simulate --out {dir}/s.cap --faults double=2", "double is a probability, at most 1"),
    ("simulate --out {dir}/s.cap --faults double=often", "'often' is not a number"),
    ("simulate --out {dir}/s.cap --faults miss=nan", "must be a finite number"),
    ("simulate --out {dir}/s.cap --clock atomic", "argument --clock: invalid choice"),
    ("simulate --out {dir}/s.cap --resolution-us 0", "--resolution-us must be 1 to 1000000"),
    ("simulate --out {dir}/s.cap --protocol morse", "--protocol: the simulator speaks"),
    ("simulate --out {dir}/s.cap --course 0,nan", "--course '0,nan': gate distances must be finite"),
    ("simulate --out {dir}/s.cap --link {dir}/tty", "--link only goes with --serial"),
    ("simulate --serial --link {a-directory}", "--link {a-directory}: is a directory"),
    ("simulate --serial --link {no-dir}", "no such directory"),
    ("simulate --serial --link {good.cap}", "--link {good.cap}: already exists and is not a symlink"),
    ("simulate --ble --hci-socket {a-directory}", "--hci-socket {a-directory}: is a directory"),
    ("simulate --ble --hci-socket {no-dir}", "no such directory"),
    ("simulate --ble --hci-socket {good.cap}", "--hci-socket {good.cap}: already exists and is not a socket"),
    ("simulate --out {dir}/s.cap --hci-socket {dir}/hci", "--hci-socket only goes with --ble"),
    # --- monitor: sources ---
    ("monitor --headless", "the following arguments are required: --source"),
    ("monitor --headless --source /dev/ttyUSB0", "did you mean 'serial:/dev/ttyUSB0'?"),
    ("monitor --headless --source carrier-pigeon:coop", "unknown source type 'carrier-pigeon'"),
    ("monitor --headless --source replay:", "nothing after 'replay:'"),
    ("monitor --headless --source replay:{missing}", "no such file"),
    ("monitor --headless --source replay:{missing-odd}", "no-such-\\udcff.cap"),
    ("monitor --headless --source replay:{a-directory}", "no such file"),
    ("monitor --headless --source replay:{good.cap}?speed=warp", "speed must be a number above 0"),
    ("monitor --headless --source replay:{good.cap}?speed=0", "speed must be a number above 0"),
    ("monitor --headless --source replay:{good.cap}?protocol=morse", "unknown protocol 'morse'"),
    ("monitor --headless --source replay:{good.cap}?colour=red", "unknown option 'colour'"),
    ("monitor --headless --source replay:{good.cap}?speed=1&speed=2", "option 'speed' given twice"),
    ("monitor --headless --source serial:/dev/ttyUSB0?baud=fast", "baud must be a positive whole number"),
    ("monitor --headless --source serial:/dev/ttyUSB0?protocol=morse", "unknown protocol 'morse'"),
    ("monitor --headless --source ble:not-an-address", "neither a Bluetooth address"),
    (f"monitor --headless --source {GOOD} --source {GOOD}", "--source: the same source twice: replay:{good.cap}"),
    (f"monitor --headless --source {GOOD} --source replay:{{alge.cap}}", "the sources speak different protocols"),
    (f"monitor --json --source {GOOD}", "--json goes with --headless"),
    (f"monitor --headless --source {GOOD} --session first", "argument --session: invalid int value"),
    (f"monitor --headless --source {GOOD} --session 1 --new", "not allowed with argument --session"),
    (f"monitor --headless --source {GOOD} --session 7", "no sessions yet: "),
    (f"monitor --headless --source {GOOD} --session 7 --db {{dir}}/new.sqlite3", "--db {dir}/new.sqlite3: no such session database"),
    (f"monitor --headless --source {GOOD} --floor 0", "--floor must be a percentage"),
    (f"monitor --headless --source {GOOD} --course 0,nan", "must be finite numbers"),
    (["monitor", "--headless", "--source", GOOD, "--athletes", b"Ada,\xff"], "--athletes: '\\xff' is not a name"),
    (f"monitor --headless --source {GOOD} --athletes Ada,Ada", "athlete names must differ (Ada is named twice)"),
    # --- demo: every option is checked before the dashboard needs a terminal ---
    ("demo --athletes 0", "give 1 to 255 athletes"),
    ("demo --speed 0", "--speed must be a number above 0"),
    ("demo --speed 1001", "at most 1000"),
    ("demo --speed inf", "--speed must be a number above 0"),
    ("demo --speed fast", "argument --speed: invalid float value"),
    ("demo --seed -1", "--seed must not be negative"),
    ("demo --plan marathon", "--plan: unknown plan"),
    ("demo --course 0,nan", "must be finite numbers"),
    ("demo --ble --speed 50", "--speed with --ble must be at most 20"),
    (["demo", "--athletes", "Ada,\x07Ben"], "is not a name"),
    ("demo", "the dashboard needs a terminal"),
    # --- sessions, fit (generic cases: fit's own messages belong to fit) ---
    ("sessions --db {missing}", "no such session database"),
    ("sessions --json --bogus", "gates sessions: error: unrecognized arguments: --bogus"),
    ("fit --distances 5,10 --times 1.2,fast", "--times '1.2,fast' is not a comma-separated list of numbers"),
    ("fit --distances five --times 1.2", "--distances 'five' is not a comma-separated list of numbers"),
    ("fit --times 1.2,2.0", "the following arguments are required: --distances"),
    ("fit --distances 5,10 --times 1,2 --correction wind", "argument --correction: invalid choice"),
]


def fill(text: str | bytes, inputs: dict[str, bytes]) -> bytes:
    """`text` with each {name} replaced by that input's path (bytes: some paths are not UTF-8)."""
    text = os.fsencode(text)
    for name, path in inputs.items():
        text = text.replace(b"{" + os.fsencode(name) + b"}", path)
    return text


def argv(case: str | list, inputs: dict[str, bytes]) -> list[bytes]:
    return [fill(word, inputs) for word in (case.split() if isinstance(case, str) else case)]


def assert_one_line_exit_2(code: int, stderr: str, expected: str) -> None:
    lines = stderr.strip().splitlines()
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize(("case", "expected"), CASES, ids=lambda c: c if isinstance(c, str) else None)
def test_bad_input_is_one_line_and_exit_2(case, expected, inputs, tmp_path):
    before = stat_all(inputs)
    done = gates(*argv(case, inputs), env=cli_env(tmp_path))
    assert_one_line_exit_2(done.returncode, done.stderr.decode("utf-8", "surrogateescape"),
                           os.fsdecode(fill(expected, inputs)))
    assert stat_all(inputs) == before  # no input replaced, removed, written to or added to


def stat_all(inputs: dict[str, bytes]) -> dict[bytes, tuple]:
    folder = inputs["dir"]
    return {name: (st.st_mode, st.st_size, st.st_mtime_ns)
            for name in os.listdir(folder) for st in [os.lstat(os.path.join(folder, name))]}


# --- databases: refused, and left exactly as they were ---------------------------------------------

DB_CASES = [
    ("future.sqlite3", "schema version 99 is newer than this program knows"),
    ("notes.sqlite3", "file is not a database"),
    ("foreign.sqlite3", "not a gates session database"),
    ("a-directory", "is a directory, not a session database"),
]
DB_COMMANDS = {
    "monitor": ["monitor", "--headless", "--source", GOOD, "--db"],
    "sessions": ["sessions", "--db"],
}


def snapshot(path: Path) -> tuple:
    """What must not change: the file's bytes and mtime, and what lies beside it."""
    content = path.read_bytes() if path.is_file() else None
    return content, path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


@pytest.mark.parametrize("command", DB_COMMANDS)
@pytest.mark.parametrize(("db", "expected"), DB_CASES)
def test_a_database_gates_cannot_use_is_refused_and_left_untouched(command, db, expected, inputs, tmp_path):
    path = Path(os.fsdecode(inputs[db]))
    before = snapshot(path)
    done = gates(*argv(DB_COMMANDS[command], inputs), str(path), env=cli_env(tmp_path))
    assert_one_line_exit_2(done.returncode, done.stderr.decode(), expected)
    assert str(path) in done.stderr.decode()
    assert snapshot(path) == before


@pytest.mark.parametrize(("db", "expected"), DB_CASES)
def test_the_demo_refuses_such_a_database_in_a_terminal(db, expected, inputs, tmp_path):
    """The demo opens its database once it has a terminal: run it on a pseudo-terminal."""
    path = Path(os.fsdecode(inputs[db]))
    before = snapshot(path)
    code, screen = run_on_pty(["demo", "--db", str(path)], cli_env(tmp_path))
    assert_one_line_exit_2(code, screen.replace("\r\n", "\n"), expected)
    assert snapshot(path) == before


def run_on_pty(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """`gates ARGS` with a pseudo-terminal as its stdin, stdout and stderr: (exit code, what it wrote)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True)
    os.close(slave)
    out = b""
    try:
        while select.select([master], [], [], TIMEOUT_S)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child has gone and closed its side
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.wait(timeout=TIMEOUT_S), out.decode("utf-8", "replace")


def test_a_dashboard_without_a_terminal_makes_no_database(inputs, tmp_path):
    db = tmp_path / "never-made.sqlite3"
    done = gates("monitor", "--source", fill(GOOD, inputs), "--db", str(db), env=cli_env(tmp_path))
    assert_one_line_exit_2(done.returncode, done.stderr.decode(), "the dashboard needs a terminal")
    assert not db.exists()


# --- what is not bad input must still work -----------------------------------------------------------

def test_a_capture_with_a_non_utf8_name_is_analyzed_and_monitored(inputs, tmp_path):
    env = cli_env(tmp_path)
    analyzed = gates("analyze", inputs["odd"], env=env)
    assert analyzed.returncode == 0, analyzed.stderr
    assert b"24 reps" in analyzed.stdout
    db = tmp_path / "odd.sqlite3"
    monitored = gates("monitor", "--headless", "--source", b"replay:" + inputs["odd"] + b"?speed=max",
                      "--db", str(db), env=env)
    assert monitored.returncode == 0 and b"Traceback" not in monitored.stderr, monitored.stderr
    with sqlite3.connect(db) as con:
        (source,) = con.execute("SELECT DISTINCT source FROM events").fetchone()
    assert source.endswith("caf\\xe9-\\xff.cap")  # the bytes that are not UTF-8, escaped: storable text


def test_a_huge_capture_streams_through_in_bounded_memory(inputs, tmp_path):
    """10 MB: the simulated capture over and over, as a long day's log would be."""
    good = Path(os.fsdecode(inputs["good.cap"]))
    one = good.read_bytes()
    huge = tmp_path / "huge.cap"
    copies = HUGE_BYTES // len(one) + 1
    with huge.open("wb") as f:
        for _ in range(copies):
            f.write(one)
    done, peak_kb = run_measured([sys.executable, "-m", "monitor", "analyze", str(huge), "--json"],
                                 capture_output=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL, env=cli_env(tmp_path))
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert done.stdout.count(b'"type": "rep"') == 24 * copies
    assert peak_kb < HUGE_RSS_LIMIT_KB, peak_kb
