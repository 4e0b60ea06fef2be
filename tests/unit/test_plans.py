"""Plan files: the templates, defaults by rep type, the noise check, and one line per mistake.

The numbers are those of Haugen, Seiler, Sandbakk & Tønnessen 2019 (Sports Medicine - Open 5:44,
Table 2, https://sportsmedicine-open.springeropen.com/articles/10.1186/s40798-019-0221-0/tables/2)
and Duthie et al. 2006 (J Strength Cond Res 20:246: typical error of a 10 m sprint ~0.02 s, < 1 %).
"""

from __future__ import annotations

import pytest

from monitor.session import plans
from monitor.session.plans import PlanError, RepType, Start

ISSUE_PLAN = '''
name = "Micro-dosed speed endurance"
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
against = "pb"
'''


def test_the_issues_plan_reads_with_its_defaults_filled_in():
    plan = plans.parse(ISSUE_PLAN, "mixed.toml")
    first, second = plan.blocks
    assert (first.rep_type, first.start, first.reps, first.floor_pct, first.gates) == (
        RepType.ACCELERATION, Start.BLOCK, 6, 98.0, (1, 2, 3, 4))
    assert second.course.distances_m == (0.0, 150.0) and second.against == "pb"
    assert second.floor_pct == 95.0  # sprint-specific endurance: > 95 % (Haugen 2019)
    assert second.rest_s == 15 * 60  # at least a minute per 10 m, within Haugen's 8-30 min


@pytest.mark.parametrize("name", list(plans.TEMPLATES))
def test_every_template_reads_back_the_same_from_its_stored_form(name):
    plan = plans.template(name)
    assert plans.from_dict(plan.as_dict(), "stored") == plan
    assert plan.description and "#" in plans.TEMPLATES[name].splitlines()[0]  # each cites its source


def test_strides_are_judged_against_a_target_band_by_default():
    block = plans.template("strides").blocks[0]
    assert (block.against, block.target_pct, block.band_pct) == ("target", 85.0, 3.0)


def test_defaults_by_type_follow_haugen_2019():
    assert plans.TYPES[RepType.ACCELERATION].floor_pct == 98 and plans.TYPES[RepType.MAX_VELOCITY].floor_pct == 98
    assert plans.TYPES[RepType.SPRINT_ENDURANCE].floor_pct == 95
    assert plans.TYPES[RepType.SPEED_ENDURANCE].floor_pct == 90
    assert plans.default_rest_s(RepType.ACCELERATION, 30) == 180  # 2-7 min, 1 min per 10 m
    assert plans.default_rest_s(RepType.ACCELERATION, 50) == 300
    assert plans.default_rest_s(RepType.RSA, 30) == 30  # repeated sprints rest briefly on purpose


def test_a_98_pct_floor_over_10_m_is_within_the_noise_and_over_20_m_it_is_not():
    ten = plans.parse(ISSUE_PLAN.replace("[0, 10, 20, 30]", "[0, 10]").replace("[1, 2, 3, 4]", "[1, 2]"), "x")
    assert plans.noise_pct(10) == pytest.approx(1.1)  # 1 % typical error + 1 ms over a fast 1 s
    assert ten.noisy(ten.blocks[0]) and not ten.noisy(ten.blocks[1])
    assert any("98 % over 10 m is within the gates' noise" in note and "use ≥ 20 m" in note
               for note in plans.check(ten))
    twenty = plans.parse(ISSUE_PLAN.replace("[0, 10, 20, 30]", "[0, 10, 20]").replace("[1, 2, 3, 4]", "[1, 2, 3]"), "x")
    assert not twenty.noisy(twenty.blocks[0])
    assert plans.check(twenty) == []


@pytest.mark.parametrize("change, says", [
    (("floor_pct = 98", "floor_pct = 120"), "block 1 (30 m block starts): key 'floor_pct': must be above 0 and at most 100"),
    (('type = "sprint-endurance"', 'type = "jogging"'), "block 2 (150 m): key 'type': one of acceleration"),
    (("gates = [1, 2]\n", "gates = [1, 2, 3]\n"), "block 2 (150 m): key 'gates': 3 gate ids for 2 distances"),
    (("course = [0, 150]", "course = [0, 150, 100]"), "block 2 (150 m): key 'course': gate distances must increase"),
    (("reps = 6", "reps = 0"), "block 1 (30 m block starts): key 'reps': give a whole number from 1"),
    (("reps = 1\n", "reps = 1\nfloor = 95\n"), "block 2 (150 m): key 'floor': unknown"),
    (('against = "pb"', 'against = "yesterday"'), "block 2 (150 m): key 'against': one of session, pb, target"),
    (('against = "pb"', 'against = "target"'), "block 2 (150 m): key 'target_pct'"),
    (('name = "Micro-dosed speed endurance"', ""), "plan my.toml: key 'name': required"),
])
def test_a_bad_plan_is_one_line_naming_the_file_the_block_and_the_key(change, says):
    old, new = change
    assert old in ISSUE_PLAN
    with pytest.raises(PlanError) as err:
        plans.parse(ISSUE_PLAN.replace(old, new, 1), "my.toml")
    assert str(err.value).startswith("plan my.toml") and says in str(err.value)
    assert "\n" not in str(err.value)


def test_text_that_is_not_toml_is_named_too():
    with pytest.raises(PlanError, match="plan bad.toml: not TOML"):
        plans.parse("name = ", "bad.toml")
    with pytest.raises(PlanError, match="key 'block': give at least one"):
        plans.parse('name = "empty"', "bad.toml")


def test_against_pb_on_the_command_line_turns_session_blocks_to_the_pb_and_keeps_target_bands():
    from monitor.cli.options import plan_against

    strides = plans.template("strides")
    assert plan_against(strides, "pb") == strides
    turned = plan_against(plans.template("micro-dosed"), "pb")
    assert [b.against for b in turned.blocks] == ["pb", "pb"]
    assert plan_against(plans.template("micro-dosed"), "session") == plans.template("micro-dosed")
