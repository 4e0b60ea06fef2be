"""A whole simulated Timy training session, run as a coach would: `gates simulate` writes what an ALGE
Timy in training mode prints (no start list, so every impulse numbered in turn; comma decimals as in
the Timy manuals; CHK1 checksums as metarace's timy.py sets them up), then `gates analyze` and
`gates monitor --headless --json` on a replay of it give the truth's reps, to the timer's 0.1 ms; so
does `gates monitor` on the same timer simulated live (the `sim:` driver)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from support.cli import gates

from gates.gateline import encode_event

GATES = [sys.executable, "-m", "monitor"]
WAIT_S = 120.0
RESOLUTION_S = 1e-4  # the Timy's 1/10,000 s
pytestmark = pytest.mark.slow


def records(done: subprocess.CompletedProcess) -> list[dict]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    where = tmp_path_factory.mktemp("timy")
    capture, truth = where / "timy.cap", where / "timy.json"
    done = gates("simulate", "--protocol", "alge-timy", "--out", str(capture), "--truth", str(truth),
                 "--athletes", "4", "--plan", "speed", "--reps", "5", "--seed", "16",
                 "--faults", "double=0.05")
    assert done.returncode == 0, done.stderr
    return where, capture, json.loads(truth.read_text())


def assert_reps_match_truth(reps: list[dict], truth: dict) -> None:
    counted = [t for t in truth["reps"] if t["rep"] is not None]
    by_number = {r["rep"]: r for r in reps}  # a revision repeats a number: the last one stands
    assert sorted(by_number) == [t["rep"] for t in counted] and len(counted) == 20
    for t in counted:
        rep = by_number[t["rep"]]
        assert rep["athlete"] == t["athlete"] and rep["valid"]
        assert abs(rep["time_s"] - t["time_s"]) <= RESOLUTION_S + 1e-9
        for got, true in zip(rep["splits_s"], t["splits_s"]):
            assert abs(got - true) <= RESOLUTION_S + 1e-9


def test_the_capture_is_what_a_timy_in_training_mode_prints(training):
    _, capture, _ = training
    lines = capture.read_bytes().split(b"\r")[:-1]
    assert all(len(line) == 28 for line in lines)  # 26 + two checksum characters (CHK1)
    numbers = [int(line[1:5]) for line in lines]
    assert numbers == list(range(1, len(lines) + 1))  # the impulse counter: a start and its finish never share
    assert all(re.fullmatch(rb"\d\d:\d\d:\d\d,\d{4}", line[10:23]) for line in lines)


@pytest.mark.parametrize("numbering", [(), ("--numbering", "impulse")])
def test_analyze_gives_the_truths_reps(training, numbering):
    _, capture, truth = training
    names = ",".join(a["name"] for a in truth["athletes"])
    out = records(gates("analyze", str(capture), "--athletes", names, "--course", "0,10,20,30", "--json", *numbering))
    summary = out[-1]
    assert summary["protocol"] == "alge-timy" and summary["dropped_frames"] == summary["dropped_bytes"] == 0
    assert_reps_match_truth([r for r in out if r["type"] == "rep"], truth)


@pytest.mark.parametrize("numbering", ["", "&numbering=impulse"])
def test_monitor_on_a_replay_gives_the_truths_reps(training, numbering):
    where, capture, truth = training
    names = ",".join(a["name"] for a in truth["athletes"])
    out = records(gates("monitor", "--headless", "--json", "--source", f"replay:{capture}?speed=max{numbering}",
                        "--db", str(where / f"g{len(numbering)}.sqlite3"), "--athletes", names,
                        "--course", "0,10,20,30"))
    assert_reps_match_truth([r for r in out if r["type"] == "rep"], truth)


def test_monitor_live_on_the_simulated_timy_gives_the_truths_reps(tmp_path):
    """Live: the `sim:` driver sends the same Timy bytes (impulse count, comma decimals, CHK1) through
    the decoder as they are made; `gates simulate` with the same settings writes their truth."""
    settings = {"athletes": "4", "plan": "speed", "reps": "5", "seed": "16"}
    done = gates("simulate", "--protocol", "alge-timy", "--out", str(tmp_path / "timy.cap"),
                 "--truth", str(tmp_path / "timy.json"), *(f"--{k}={v}" for k, v in settings.items()))
    assert done.returncode == 0, done.stderr
    truth = json.loads((tmp_path / "timy.json").read_text())
    names = ",".join(a["name"] for a in truth["athletes"])
    spec = "sim:timy?protocol=alge-timy&speed=1000&" + "&".join(f"{k}={v}" for k, v in settings.items())
    out = records(gates("monitor", "--headless", "--json", "--source", spec, "--db", str(tmp_path / "g.sqlite3"),
                        "--athletes", names, "--course", "0,10,20,30"))
    assert_reps_match_truth([r for r in out if r["type"] == "rep"], truth)


def test_numbering_start_pairs_by_number_even_on_the_impulse_count(training):
    """`--numbering start` is binding (as `?numbering=start` is for a source): on a training capture,
    whose start and finish never share a number, every start stays open and every later impulse is a stray."""
    _, capture, truth = training
    names = ",".join(a["name"] for a in truth["athletes"])
    out = records(gates("analyze", str(capture), "--athletes", names, "--course", "0,10,20,30", "--json",
                        "--numbering", "start"))
    channels = [line[6:9] for line in capture.read_bytes().split(b"\r")[:-1]]
    summary = out[-1]
    assert summary["dropped_frames"] == 0 and summary["reps"] == 0
    assert summary["incomplete"] == channels.count(b"C0 ") and summary["strays"] == len(channels) - channels.count(b"C0 ")


@pytest.mark.parametrize(("args", "words"), [
    (("--numbering", "bib"), "argument --numbering: invalid choice: 'bib'"),
    (("--protocol", "gateline", "--numbering", "impulse"), "--numbering is an option of alge-timy, not of gateline"),
])
def test_a_bad_numbering_is_one_line_and_exit_2(training, tmp_path, args, words):
    _, capture, _ = training
    target = capture if "gateline" not in args else tmp_path / "gateline.cap"
    if target != capture:
        target.write_bytes(encode_event(1, 0, 1_000_000))
    done = gates("analyze", str(target), *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and words in done.stderr, done.stderr

