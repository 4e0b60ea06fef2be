"""Security: nothing listens on the network, BLE connects only to the allow-list, no input can grow a
buffer without bound, and every SQL statement is a constant with its values as parameters.

(a) The running commands, read from /proc: a process's sockets are the `socket:[inode]` links in
    /proc/PID/fd; /proc/PID/net/{tcp,tcp6,udp,udp6} say which of them listen or are bound. `gates
    simulate --ble` serves its radio on a unix socket because it is asked to (that is its job), never
    on an inet one.
(b) The BLE allow-list end to end (a rogue gate advertising a real gate's name, or a gate-like name)
    is tests/test_ble_source.py::test_a_rogue_peripheral_off_the_allow_list_is_never_connected;
    here, the rule it relies on, for any address and name.
(c) An endless line (no terminator, ever) into every decoder: its buffer stays under the format's
    documented maximum, every byte is counted as dropped, and the next frame after a line end decodes;
    random bytes likewise never raise, and the decoder resyncs at the next frame.
(d) An AST check over monitor/ and drivers/.
"""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import time
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from support.cli import gates
from hypothesis import given
from hypothesis import strategies as st

from drivers.ble_source import AllowList
from gates import alge, chronopic, gateline, microgate, wichro
from gates.protocols import PROTOCOLS
from support.profiles import examples
from support.tmux import TMUX, Tmux

ROOT = Path(__file__).resolve().parents[2]
START_LIMIT_S = 120.0  # the machine is shared: start-up can be slow
GATES = [sys.executable, "-m", "monitor"]


# --- (a) nothing listens ---------------------------------------------------------------------------

def network_sockets(pid: int) -> list[str]:
    """The process's listening TCP and bound UDP sockets, IPv4 and IPv6, as 'tcp 0100007F:1F90'."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:  # closed meanwhile
            continue
        if found:
            inodes.add(found.group(1))
    listening = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/{pid}/net/{proto}") as table:
            next(table)  # the header
            for row in table:
                fields = row.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if inode in inodes and (proto.startswith("udp") or state == "0A"):  # 0A: TCP_LISTEN
                    listening.append(f"{proto} {local}")
    return listening


def unix_socket_paths(pid: int) -> set[str]:
    inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
              if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")}
    with open(f"/proc/{pid}/net/unix") as table:
        next(table)
        return {fields[7] for fields in map(str.split, table) if len(fields) > 7 and fields[6] in inodes}


def test_the_check_sees_a_listening_socket():
    """The detector itself: a TCP listener and a bound UDP socket in this very process are found."""
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        ports = {"tcp": tcp.getsockname()[1], "udp": udp.getsockname()[1]}
        found = network_sockets(os.getpid())
    for proto, port in ports.items():
        assert any(s.startswith(f"{proto} ") and s.endswith(f":{port:04X}") for s in found), found


def started(log: Path, words: str, proc: subprocess.Popen) -> None:
    """Wait until the process has written `words` to its log (it is up and doing its work)."""
    end = time.monotonic() + START_LIMIT_S
    while words not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < end, f"gave up waiting for {words!r}:\n{log.read_text(errors='replace')}"
        time.sleep(0.2)


def running(args: list[str], tmp_path: Path, ready: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "log.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen([*GATES, *args], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=tmp_path)
    started(log, ready, proc)
    return proc, log


@pytest.fixture
def capture(tmp_path) -> Path:
    path = tmp_path / "session.cap"
    gates("simulate", "--out", str(path), check=True)
    return path


@pytest.mark.parametrize("command", ["monitor", "simulate --serial"])
def test_a_running_command_listens_on_no_network_socket(command, tmp_path, capture):
    args, ready = {
        "monitor": (["monitor", "--headless", "--source", f"replay:{capture}", "--db", str(tmp_path / "s.db")],
                    "connected"),
        "simulate --serial": (["simulate", "--serial"], "waiting for a host"),
    }[command]
    proc, _ = running(args, tmp_path, ready)
    try:
        assert network_sockets(proc.pid) == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow  # a bumble stack in a subprocess: seconds to start
def test_the_ble_simulator_serves_its_radio_on_the_unix_socket_it_was_given_and_nothing_else(tmp_path):
    pytest.importorskip("bumble")
    hci = tmp_path / "hci.sock"
    proc, _ = running(["simulate", "--ble", "--hci-socket", str(hci)], tmp_path, "GATES_BLE_HCI=")
    try:
        assert network_sockets(proc.pid) == []
        assert str(hci) in unix_socket_paths(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow  # the dashboard in a terminal: seconds to start
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the demo needs a terminal")
def test_the_demo_listens_on_no_network_socket(tmp_path):
    tmux = Tmux(tmp_path / "tmux.sock")
    command = f"cd {ROOT} && XDG_DATA_HOME={tmp_path} TERM=xterm-256color exec {sys.executable} -m monitor demo"
    try:
        tmux("new-session", "-d", "-s", "demo", "-x", "120", "-y", "40", command)
        tmux.wait_for("the dashboard", lambda s: "Athletes" in s)
        pid = int(tmux("display", "-p", "-t", "demo", "#{pane_pid}"))
        assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:3] == [b"-m", b"monitor"]
        assert network_sockets(pid) == []
    finally:
        subprocess.run([TMUX, "-S", tmux.socket, "kill-server"], capture_output=True)


# --- (b) the BLE allow-list ------------------------------------------------------------------------

addresses = st.lists(st.integers(0, 255), min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02X}" for x in b))
names = st.one_of(st.none(), st.text(st.sampled_from("GATE-0123abc*?[] "), max_size=10))
patterns = st.text(st.sampled_from("GATE-0123*?"), min_size=1, max_size=8)


@examples(200)
@given(st.lists(addresses, max_size=3), st.lists(patterns, max_size=2), addresses, names, st.booleans())
def test_only_a_listed_address_or_a_whole_name_match_is_allowed(listed, pats, address, name, lower):
    if not listed and not pats:
        pats = ["GATE-*"]
    allow = AllowList.parse(",".join([*listed, *(f"name={p}" for p in pats)]))
    seen = address.lower() if lower else address  # bleak reports addresses in either case
    expected = address in listed or (name is not None and any(fnmatchcase(name, p) for p in pats))
    assert allow.allows(seen, name) is expected


def test_a_name_pattern_matches_the_whole_name_only():
    allow = AllowList.parse("name=GATE-0[1-4]")
    assert allow.allows("D0:0D:00:00:00:01", "GATE-01")
    for rogue in ("GATE-05", "GATE-01-EVIL", "MY-GATE-01", "gate-01", None):
        assert not allow.allows("D0:0D:00:00:00:01", rogue)


# --- (c) input line lengths bounded -----------------------------------------------------------------

FRAMES = {  # one valid frame per format, the one that must decode after the endless line
    "gateline": gateline.encode_event(1, 0, 1_000_000),
    "alge-timy": alge.encode_impulse(1, "C0", 1_000_000),
    "microgate": microgate.encode_event(0, 1_000_000, 1),
    "chronopic": chronopic.encode_edge(1, 1_000),
    "wichro": wichro.encode_event(0, 1_000_000),
}
CHRONOPIC_BUFFER = 4  # chronopic.py: at most one incomplete frame is kept


def buffered(decoder) -> int:
    return len(decoder._buf if hasattr(decoder, "_buf") else decoder._partial)


def limit(decoder) -> int:
    return getattr(decoder, "max_line", CHRONOPIC_BUFFER)


def never_frames(name: str) -> bytes:
    """Bytes that cannot end a line or start a frame in this format: an endless line is made of them."""
    if name == "chronopic":
        return b"XE"
    return b"\r\n" + (PROTOCOLS[name].decoder().frame_start or b"")


@pytest.mark.parametrize("name", PROTOCOLS)
@examples(50)
@given(chunks=st.lists(st.binary(min_size=1, max_size=500), min_size=1, max_size=20), rounds=st.integers(1, 5))
def test_an_endless_line_never_grows_a_buffer_and_the_next_frame_decodes(name, chunks, rounds):
    assert set(FRAMES) == set(PROTOCOLS)  # a new format needs its frame here
    banned = never_frames(name)
    chunks = [bytes(b for b in chunk if b not in banned) or b"A" for chunk in chunks]
    decoder = PROTOCOLS[name].decoder()
    fed = 0
    while fed <= 4 * limit(decoder) or rounds:  # well beyond the longest line, however short the chunks
        rounds = max(0, rounds - 1)
        for chunk in chunks:
            assert decoder.feed(chunk) == []
            fed += len(chunk)
            assert buffered(decoder) <= limit(decoder)
    end = b"" if name == "chronopic" else b"\r\n"
    events = decoder.feed(end + FRAMES[name])
    assert [e.raw.strip() for e in events] == [FRAMES[name].strip()]
    assert decoder.dropped_bytes + getattr(decoder, "replies", 0) == fed  # a Chronopic's answers are not dropped
    assert decoder.dropped_frames >= 1 or getattr(decoder, "replies", 0) == fed


RESYNC = {name: b"\r\n" for name in FRAMES} | {"chronopic": b"\x00" * 5}  # completes any partial frame


@pytest.mark.parametrize("name", PROTOCOLS)
@examples(200)
@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=10))
def test_random_bytes_never_raise_and_the_decoder_resyncs_at_the_next_frame(name, data, cuts):
    """Any bytes, in any pieces: nothing raises, drops are counted within what was fed, the buffer
    stays bounded, and after a line end (Chronopic: five filler bytes) the next frame decodes."""
    decoder = PROTOCOLS[name].decoder()
    last = 0
    for cut in [*sorted(cuts), len(data)]:
        decoder.feed(data[last:cut])
        last = max(last, cut)
        assert buffered(decoder) <= limit(decoder)
    dropped = decoder.dropped_bytes
    assert dropped <= len(data) and (decoder.dropped_frames > 0 or dropped < len(data) or not data)
    events = decoder.feed(RESYNC[name] + FRAMES[name])
    assert events and events[-1].raw.strip() == FRAMES[name].strip()


# --- (d) SQL parameterized ---------------------------------------------------------------------------

SQL_CALLS = ("execute", "executemany", "executescript")
# SQL that is not a literal, each checked by hand: module constants and literal fragments only
REVIEWED = {
    ("monitor/store/db.py", "_migrate", "statement"),  # from MIGRATIONS, the module's own schema scripts
    ("monitor/store/db.py", "_migrate", "f'PRAGMA user_version = {number + 1}'"),  # an int: PRAGMA takes no parameters
    ("monitor/store/db.py", "_sessions", "f'SELECT s.id, s.created_ns, s.name, (SELECT count(*) FROM events e "
                                      "WHERE e.session_id = s.id) FROM sessions s {where} ORDER BY s.id'"),
    ("monitor/store/db.py", "_rows", "query + ' ORDER BY id'"),  # literal fragments; values are parameters
    ("monitor/store/db.py", "_execute", "statement"),  # the transaction's own BEGIN IMMEDIATE and COMMIT
}


def module_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound once to a string literal (or literals joined)."""
    def literal(node: ast.AST) -> bool:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return literal(node.left) and literal(node.right)
        return isinstance(node, ast.Constant) and isinstance(node.value, str)

    return {target.id for node in tree.body if isinstance(node, ast.Assign) and literal(node.value)
            for target in node.targets if isinstance(target, ast.Name)}


def constant_sql(node: ast.AST, constants: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.IfExp):  # "ROLLBACK" if failed else "COMMIT"
        return constant_sql(node.body, constants) and constant_sql(node.orelse, constants)
    return False


def sql_calls():
    """(file, enclosing function, SQL argument as source, whether it is constant) for every call."""
    for path in sorted([*(ROOT / "monitor").rglob("*.py"), *(ROOT / "drivers").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = module_constants(tree)
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in SQL_CALLS and node.args:
                    yield (str(path.relative_to(ROOT)), func.name, ast.unparse(node.args[0]),
                           constant_sql(node.args[0], constants))


def test_every_sql_statement_is_a_constant_with_its_values_as_parameters():
    calls = list(sql_calls())
    assert len(calls) > 20  # the store's queries were found
    built = {(path, func, sql) for path, func, sql, constant in calls if not constant}
    assert built <= REVIEWED, f"SQL built from values; pass them as ? parameters: {sorted(built - REVIEWED)}"
    assert REVIEWED <= built, f"reviewed SQL no longer there: drop it from REVIEWED: {sorted(REVIEWED - built)}"
