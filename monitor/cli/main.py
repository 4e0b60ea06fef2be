"""The `gates` command. Each subcommand lives in its own module here (`monitor/cli/<name>.py`) with
`register(parser)` and `run(args) -> int`. Only the command that runs is imported, so `gates --help`
loads no subcommand at all. A user's mistake ends as one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# numpy's OpenBLAS starts a spinning thread per core as it loads: 0.05-0.1 s of CPU in every command that
# fits a sprint profile or reads packed events, for arrays of a few splits, far too small to share out
# among threads. A user's own setting stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# name -> (module, one-line help); order is the order shown in `gates --help`
COMMANDS = {
    "demo": ("monitor.cli.demo", "the live dashboard on the bundled simulator: no hardware needed"),
    "analyze": ("monitor.cli.analyze", "decode a capture file and print reps, splits and verdicts"),
    "simulate": ("monitor.cli.simulate", "a simulated session into a capture file or onto a pseudo-terminal, with truth"),
    "monitor": ("monitor.cli.monitor", "live gates into a stored session, judged rep by rep (--headless: lines)"),
    "sessions": ("monitor.cli.sessions", "list the stored sessions"),
    "plans": ("monitor.cli.plans", "session plans: the built-in templates and your own; `show NAME` prints one"),
    "db": ("monitor.cli.db", "check the derived rows against the stored facts, or derive them all again"),
    "review": ("monitor.cli.review", "browse a stored session: each athlete's reps, splits, profiles and plots"),
    "fit": ("monitor.cli.fit", "the sprint profile (MSS, MAC, tau, PMAX) of one set of splits"),
    "export": ("monitor.cli.export", "a stored session as CSV (one row per split) or JSON (everything)"),
    "import": ("monitor.cli.import_", "a session exported as JSON into a database, as a new session"),
    "report": ("monitor.cli.report", "a stored session as one self-contained HTML page, athlete by athlete"),
    "log": ("monitor.cli.log", "the athlete's log after a session: RPE, minutes, leg feel, resting HR, a note"),
    "week": ("monitor.cli.week", "per athlete and ISO week: high-intensity volume, load, spacing, next week's step"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other user error
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser for `argv`: with a known command first, that command's alone (each parser is a few
    ms of argparse and gettext); otherwise every command, for `--help` and the error naming them."""
    parser = _Parser(prog="gates", description="Timing-gate session monitor for sprint coaches.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    for name, (module, help_text) in COMMANDS.items():
        if wanted is None or name == wanted:
            command = sub.add_parser(name, help=help_text, description=help_text)
            if name == wanted:
                importlib.import_module(module).register(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo"]:  # always a dashboard: the collector waits for its first frame from the start
        from monitor.tui.collector import hold_until_first_frame

        hold_until_first_frame()
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra:  # argparse names only `gates`; the options to look up are the command's own
        prog = "gates" if args.command is None else f"gates {args.command}"
        sys.stderr.write(f"{prog}: error: unrecognized arguments: {' '.join(extra)}\n")
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    from monitor.cli.options import UsageError

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
