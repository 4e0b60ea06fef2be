"""`gates simulate`: files out, byte-identical for a seed, and one-line errors for bad arguments."""

import json

import pytest

from monitor.cli.main import main


def test_simulate_writes_capture_and_truth_byte_identical_for_a_seed(tmp_path):
    args = ["--athletes", "3", "--plan", "rsa", "--reps", "4", "--seed", "11", "--faults", "double=0.1,noise=0.02"]
    for name in ("a", "b"):
        assert main(["simulate", "--out", str(tmp_path / f"{name}.cap"), "--truth", str(tmp_path / f"{name}.json"),
                     *args]) == 0
    assert (tmp_path / "a.cap").read_bytes() == (tmp_path / "b.cap").read_bytes()
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()
    truth = json.loads((tmp_path / "a.json").read_text())
    assert truth["seed"] == 11 and truth["plan"] == "rsa" and len(truth["reps"]) == 12
    assert [a["name"] for a in truth["athletes"]] == ["Ada", "Ben", "Cleo"]
    assert truth["fault_rates"] == {"double": 0.1, "noise": 0.02}
    assert (tmp_path / "a.cap").read_bytes().startswith(b"$G")


def test_simulate_named_athletes_course_and_own_clocks(tmp_path):
    out, truth = tmp_path / "s.cap", tmp_path / "s.json"
    assert main(["simulate", "--out", str(out), "--truth", str(truth), "--athletes", "Kim,Sam", "--course", "0,5,10,20,40",
                 "--plan", "flying", "--reps", "1", "--clock", "own", "--resolution-us", "100"]) == 0
    data = json.loads(truth.read_text())
    assert data["course_m"] == [0, 5, 10, 20, 40] and [r["athlete"] for r in data["reps"]] == ["Kim", "Sam"]
    assert all(len(r["splits_s"]) == 4 for r in data["reps"])
    assert data["clock"] == {**data["clock"], "shared": False, "resolution_us": 100}


def test_simulate_to_stdout(capsysbinary):
    assert main(["simulate", "--out", "-", "--athletes", "1", "--reps", "1", "--plan", "rsa"]) == 0
    assert capsysbinary.readouterr().out.count(b"$GT,") == 8


@pytest.mark.parametrize(("args", "words"), [
    (["--athletes", "0"], "--athletes"),
    (["--athletes", "a,a"], "must differ"),
    (["--plan", "marathon"], "unknown plan 'marathon'"),
    (["--reps", "0"], "--reps"),
    (["--course", "0,10,5"], "--course"),
    (["--faults", "miss=3"], "probability"),
    (["--faults", "gremlins=1"], "gremlins"),
    (["--speed", "0"], "--speed"),
    (["--seed", "-1"], "--seed"),
    (["--protocol", "morse"], "morse"),
    (["--resolution-us", "0"], "--resolution-us"),
    (["--link", "/tmp/x"], "--link"),
    (["--protocol", "alge-timy", "--clock", "own"], "one clock"),
    (["--protocol", "alge-timy", "--course", "0,5,10,15,20,25,30,35,40,45"], "at most 9 gates"),
])
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, capsys, args, words):
    assert main(["simulate", "--out", str(tmp_path / "x.cap"), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert not (tmp_path / "x.cap").exists()


def test_argparse_errors_are_one_line_too(capsys):
    for args in ([], ["--serial", "--out", "x"], ["--out", "x", "--reps", "many"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["simulate", *args])
        assert exit_info.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_unwritable_output_is_a_usage_error(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "no" / "such" / "dir.cap")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_help_lists_plans_and_fault_names(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(word in out for word in ("rsa", "strides", "spurious", "--serial", "--truth"))
