"""`gates export`: a stored session as CSV (one row per split) or JSON (everything, for `gates import`)."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION", help="session id (see `gates sessions`)")
    parser.add_argument("--format", required=True, choices=("csv", "json"),
                        help="csv: one row per split, for spreadsheets, pandas and R's shorts; "
                             "json: raw events, annotations and reps, which `gates import` reads back")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor import exchange
    from monitor.cli import output
    from monitor.cli.options import load_saved

    saved = load_saved(args.db, args.session)
    text = exchange.csv_text(saved) if args.format == "csv" else exchange.json_text(saved)
    output.write(args.output, text, database=saved.path)
    return 0
