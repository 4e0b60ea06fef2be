"""The `gates` command. Each subcommand lives in its own `monitor/cmd_<name>.py` with
`register(subparsers)` and a `run(args) -> int`; they are imported lazily so `gates --help` and each
command start fast. A user's mistake ends as one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# name -> (module, one-line help); order is the order shown in `gates --help`
COMMANDS = {
    "demo": ("monitor.cmd_demo", "the live dashboard on the bundled simulator: no hardware needed"),
    "analyze": ("monitor.cmd_analyze", "decode a capture file and print reps, splits and verdicts"),
    "simulate": ("monitor.cmd_simulate", "a simulated session into a capture file or onto a pseudo-terminal, with truth"),
    "monitor": ("monitor.cmd_monitor", "live gates into a stored session, judged rep by rep (--headless: lines)"),
    "sessions": ("monitor.cmd_sessions", "list the stored sessions"),
    "review": ("monitor.cmd_review", "browse a stored session: each athlete's reps, splits, profiles and plots"),
    "fit": ("monitor.cmd_fit", "the sprint profile (MSS, MAC, tau, PMAX) of one set of splits"),
    "export": ("monitor.cmd_export", "a stored session as CSV (one row per split) or JSON (everything)"),
    "import": ("monitor.cmd_import", "a session exported as JSON into a database, as a new session"),
    "report": ("monitor.cmd_report", "a stored session as one self-contained HTML page, athlete by athlete"),
}


class UsageError(Exception):
    """A mistake in what the user asked for: printed as one line, exit 2."""


MAX_NAME = 60  # characters: an athlete's name fits a table column and a banner line


def check_names(option: str, names: list[str]) -> list[str]:
    """Athlete names as typed, or UsageError: they are drawn on the dashboard and stored as text, so
    no control characters (terminal escapes), no bytes that are not UTF-8, and a readable length."""
    for name in names:
        if not name.isprintable():
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(f"{option}: '{shown}' is not a name: control characters or bytes that are not UTF-8")
        if len(name) > MAX_NAME:
            raise UsageError(f"{option}: a name is at most {MAX_NAME} characters, got {len(name)}")
    return names


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other user error
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = _Parser(prog="gates", description="Timing-gate session monitor for sprint coaches.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    for name, (module, help_text) in COMMANDS.items():
        if wanted in (None, name):
            importlib.import_module(module).register(sub.add_parser(name, help=help_text, description=help_text))
        else:
            sub.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except UsageError as err:
        sys.stderr.write(f"gates {args.command}: {err}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gates analyze … | head`: the reader has all it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
