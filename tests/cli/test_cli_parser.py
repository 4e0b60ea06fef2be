"""How `gates` builds its parser: only the command asked for, every command when none is known."""

from __future__ import annotations

import gc

import pytest

from monitor.cli.main import COMMANDS, build_parser, main
from support.cli import gates


def _commands(argv: list[str]) -> set[str]:
    (sub,) = [action for action in build_parser(argv)._actions if action.dest == "command"]
    return set(sub.choices)


def test_a_known_command_builds_its_own_parser_alone():
    assert _commands(["demo", "--speed", "2"]) == {"demo"}


@pytest.mark.parametrize("argv", [[], ["--help"], ["analyse"]], ids=["none", "help", "a typo"])
def test_without_a_known_command_every_command_is_there_to_list_or_suggest(argv):
    assert _commands(argv) == set(COMMANDS)


def test_help_and_a_wrong_command_still_name_every_command():
    listed = gates("--help").stdout
    assert all(f"    {name}" in listed for name in COMMANDS)
    wrong = gates("analyse", check=False)
    assert wrong.returncode == 2
    assert wrong.stderr.count("\n") == 1 and all(f"'{name}'" in wrong.stderr for name in COMMANDS)


def test_demo_holds_the_collector_from_its_start_until_the_first_frame():
    """The dashboard's first frame is due 0.5 s after launch: the demo's own imports and options made
    ~30 collector passes before Textual's; an error in the options ends the process anyway."""
    assert gc.isenabled()
    try:
        assert main(["demo", "--speed", "0"]) == 2
        assert not gc.isenabled()
    finally:
        gc.enable()
