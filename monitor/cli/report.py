"""`gates report`: a stored session as one self-contained HTML page (inline charts, no network), athlete by athlete."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION", help="session id (see `gates sessions`)")
    parser.add_argument("-o", "--output", metavar="FILE", required=True,
                        help="the HTML file to write, e.g. report.html")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.cli import output
    from monitor.cli.options import load_saved
    from monitor.report.heart import with_heart
    from monitor.report.page import render

    saved = load_saved(args.db, args.session)
    output.write(args.output, with_heart(render(saved), saved), database=saved.path)
    return 0
