"""`gates analyze FILE`: decode a capture headlessly and print reps, splits and verdicts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gates import protocols
from gates.assembly import DEFAULT_DEBOUNCE_US, RepAssembler
from gates.course import Course, CourseError
from gates.rep import Rep
from monitor.analyzer import Analyzer, RepResult, StopRule
from monitor.cli import UsageError, check_names
from monitor.offline import Counts, analyse
from monitor.tables import athlete_tables

CHUNK = 1 << 16
MAX_DEBOUNCE_MS = 10_000.0  # far above any arm swing; beyond it a rep's own gates would be merged
_RULE_OPTIONS = {"floor": "--floor", "consecutive": "--consecutive", "max reps": "--max-reps"}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="capture file: the raw bytes as received from the port")
    parser.add_argument("--protocol", help=f"wire format ({', '.join(protocols.PROTOCOLS)}); "
                        "detected from the file when omitted")
    add_session_options(parser)
    parser.add_argument("--json", action="store_true", help="JSON lines: one per rep, then a summary")
    parser.set_defaults(run=run)


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """Course, roster, stop rule and debounce: shared by every command that assembles reps."""
    parser.add_argument("--course", default="0,10,20,30", help="gate distances in metres (default 0,10,20,30)")
    parser.add_argument("--athletes", default="", help="roster rotation A,B,C: rep n goes to the next in turn")
    parser.add_argument("--floor", type=float, default=95.0, help="intensity floor, %% of session best (default 95)")
    parser.add_argument("--consecutive", type=int, default=2, help="reps in a row under the floor that END (default 2)")
    parser.add_argument("--max-reps", type=int, default=None, help="volume cap: END after this many valid reps")
    parser.add_argument("--debounce-ms", type=float, default=DEFAULT_DEBOUNCE_US / 1000,
                        help="a second break of a gate within this window counts once (default 300)")


@dataclass(frozen=True, slots=True)
class SessionOptions:
    course: Course
    rule: StopRule
    roster: list[str]
    debounce_us: int

    def assembler(self, protocol: protocols.Protocol) -> RepAssembler:
        return RepAssembler(self.course, protocol, self.roster, debounce_us=self.debounce_us)


def session_options(args: argparse.Namespace) -> SessionOptions:
    """Check the shared options, or raise UsageError naming the one that is wrong."""
    try:
        course = Course.parse(args.course)
    except CourseError as err:
        raise UsageError(f"--course {err}") from None
    try:
        rule = StopRule(floor_pct=args.floor, consecutive=args.consecutive, max_reps=args.max_reps)
    except ValueError as err:  # StopRule names its field ("floor must be ..."): name the option instead
        message = str(err)
        for field, option in _RULE_OPTIONS.items():
            if message.startswith(field):
                message = option + message[len(field):]
        raise UsageError(message) from None
    if not 0 <= args.debounce_ms <= MAX_DEBOUNCE_MS:  # NaN fails this too
        raise UsageError(f"--debounce-ms must be 0 to {MAX_DEBOUNCE_MS:g}, got {args.debounce_ms:g}")
    roster = check_names("--athletes", [name.strip() for name in args.athletes.split(",") if name.strip()])
    return SessionOptions(course, rule, roster, int(args.debounce_ms * 1000))


def _chunks(path: Path, head: bytes) -> Iterator[bytes]:
    yield head
    with path.open("rb") as f:
        f.seek(len(head))
        while chunk := f.read(CHUNK):
            yield chunk


def run(args: argparse.Namespace) -> int:
    options = session_options(args)
    path = Path(args.file)
    try:
        with path.open("rb") as f:
            head = f.read(CHUNK)
    except OSError as err:
        raise UsageError(f"cannot read {args.file}: {err.strerror or err}") from None
    if not head:
        raise UsageError(f"{args.file}: the capture is empty")
    if args.protocol:
        try:
            protocol = protocols.get(args.protocol)
        except protocols.UnknownProtocol as err:
            raise UsageError(f"--protocol: {err}") from None
        _check_format(args.file, head, protocol)
    else:
        protocol = protocols.detect(head)
        if protocol is None:
            raise UsageError(f"{args.file}: no known protocol recognised; name one with --protocol")
        print(f"gates analyze: {args.file}: detected protocol {protocol.name}", file=sys.stderr)
    assembler, analyzer = options.assembler(protocol), Analyzer(options.rule)
    decoder = protocol.decoder()
    counts = Counts()
    items = analyse(_chunks(path, head), decoder, assembler, analyzer, counts)
    if args.json:
        _print_json(items)
    else:
        results = [item for item in items if isinstance(item, RepResult)]
        sys.stdout.write(athlete_tables(results, analyzer))
    summary = {"type": "summary", "events": counts.events, "reps": counts.reps,
               "incomplete": counts.incomplete, "debounced": assembler.debounced, "strays": assembler.strays,
               "dropped_bytes": decoder.dropped_bytes, "dropped_frames": decoder.dropped_frames,
               "protocol": protocol.name}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{counts.events} events, {counts.reps} reps ({counts.incomplete} incomplete starts), "
              f"{assembler.debounced} double triggers absorbed, {assembler.strays} stray breaks, "
              f"{decoder.dropped_frames} bad frames / {decoder.dropped_bytes} bytes dropped ({protocol.name})")
    return 0


def _check_format(file: str, head: bytes, protocol: protocols.Protocol) -> None:
    """UsageError if most of the capture's first bytes are not `protocol`: a capture of another
    format, or not a capture at all (naming the format it looks like, if any)."""
    decoder = protocol.decoder()
    decoder.feed(head)
    if decoder.dropped_bytes * 2 <= len(head):
        return
    likely = protocols.detect(head)
    hint = f"; it looks like {likely.name}: try --protocol {likely.name}" if likely else ""
    raise UsageError(f"{file}: {decoder.dropped_bytes} of its first {len(head)} bytes are not {protocol.name} "
                     f"({decoder.dropped_frames} bad frames){hint}")


def _print_json(items: Iterator[RepResult | Rep]) -> None:
    from monitor.records import incomplete_record, rep_record

    write = sys.stdout.write
    for item in items:
        record = rep_record(item) if isinstance(item, RepResult) else incomplete_record(item)
        write(json.dumps(record) + "\n")
