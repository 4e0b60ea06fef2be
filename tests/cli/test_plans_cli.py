"""`gates plans` lists the templates and the coach's own, `gates plans show NAME` prints one as TOML
that reads back as the same plan, and a bad plan file is one line naming the file, the block and the
key, exit 2, wherever `--plan` is taken."""

from __future__ import annotations


import pytest
from support.cli import gates

from monitor.session import plans


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A data directory of its own, with one plan of the coach's in it."""
    import os

    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    own = tmp_path / "data" / "gates" / "plans"
    own.mkdir(parents=True)
    (own / "tuesday.toml").write_text(plans.TEMPLATES["acceleration"].replace('name = "Acceleration"',
                                                                              'name = "Tuesday"'), encoding="utf-8")
    return env


def test_plans_lists_every_template_and_the_coachs_own(home):
    proc = gates("plans", env=home)
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert names == [*plans.TEMPLATES, "tuesday"]
    assert "Haugen et al. 2019" in proc.stdout and "Bishop et al. 2011" in proc.stdout


@pytest.mark.parametrize("name", list(plans.TEMPLATES))
def test_show_prints_toml_that_reads_back_as_the_same_plan(name, tmp_path):
    proc = gates("plans", "show", name)
    assert proc.returncode == 0
    assert plans.parse(proc.stdout, "copy") == plans.template(name)
    assert f"plan {plans.template(name).name}:" in proc.stderr  # the blocks, each with its noise


def test_show_takes_the_coachs_own_plan_by_name(home):
    proc = gates("plans", "show", "tuesday", env=home)
    assert proc.returncode == 0 and 'name = "Tuesday"' in proc.stdout


def test_a_floor_within_the_noise_is_flagged_when_the_plan_is_shown(tmp_path):
    path = tmp_path / "ten.toml"
    path.write_text('name = "ten"\n[[block]]\nname = "10 m"\ntype = "acceleration"\ncourse = [0, 10]\nreps = 4\n',
                    encoding="utf-8")
    proc = gates("plans", "show", str(path))
    assert proc.returncode == 0
    assert "98 % over 10 m is within the gates' noise (± 1.1 %): confirm over 2 reps or use ≥ 20 m" in proc.stderr


@pytest.mark.parametrize("command", [["analyze", "{cap}"], ["monitor", "--headless", "--source", "replay:{cap}"],
                                     ["demo"], ["plans", "show"]])
def test_a_bad_plan_file_is_one_line_and_exit_2_everywhere(command, tmp_path):
    cap = tmp_path / "c.cap"
    cap.write_bytes(b"G1 0 0\n")
    bad = tmp_path / "bad.toml"
    bad.write_text(plans.TEMPLATES["micro-dosed"].replace('against = "pb"', 'against = "yesterday"'), encoding="utf-8")
    args = [a.format(cap=cap) for a in command] + ([] if command[0] == "plans" else ["--plan"]) + [str(bad)]
    if command[0] in ("monitor", "demo"):
        args += ["--db", str(tmp_path / "g.db")]
    proc = gates(*args)
    err = proc.stderr.strip()
    assert proc.returncode == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"plan {bad}: block 2 (150 m): key 'against': one of session, pb, target, got 'yesterday'" in err
    assert not (tmp_path / "g.db").exists()


def test_an_unknown_plan_name_lists_the_known_ones():
    proc = gates("analyze", "nothing.cap", "--plan", "marathon")
    assert proc.returncode == 2
    assert "--plan: unknown plan 'marathon' (known: micro-dosed, acceleration" in proc.stderr


def test_show_of_an_unknown_plan_names_the_plan_not_an_option_never_typed(tmp_path):
    proc = gates("plans", "show", "marathon", env={"XDG_DATA_HOME": str(tmp_path)})
    assert proc.returncode == 2
    assert proc.stderr == ("gates plans: unknown plan 'marathon' (known: micro-dosed, acceleration, flying, strides, "
                           "rsa; or a .toml file)\n")
