"""`gates analyze FILE`: decode a capture headlessly and print reps, splits and verdicts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from gates import protocols
from gates.assembly import NUMBERINGS
from monitor.cli.options import UsageError, add_session_options, plan_notes, session_options
from monitor.present.records import change_records
from monitor.present.tables import athlete_tables
from monitor.session import batch
from monitor.session.model import Settings

CHUNK = 1 << 16


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="capture file: the raw bytes as received from the port")
    parser.add_argument("--protocol", help=f"wire format ({', '.join(protocols.PROTOCOLS)}); "
                        "detected from the file when omitted")
    add_session_options(parser)
    parser.add_argument("--numbering", choices=NUMBERINGS, default="auto",
                        help="alge-timy: the number field is a start number (start), the timer's running "
                        "impulse count (impulse, a Timy in training mode) or told from the capture (auto, default)")
    parser.add_argument("--json", action="store_true", help="JSON lines: one per rep, then a summary")
    parser.add_argument("--no-profiles", action="store_true",
                        help="skip each rep's sprint profile (mss, mac: null) for speed on very large captures")
    parser.set_defaults(run=run)


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
    decoder_options = _decoder_options(args, protocol)
    settings = Settings(protocol.name, options.rule, options.debounce_us, plan=options.plan, numbering=args.numbering)
    if options.plan is not None:
        print("\n".join(f"gates analyze: {line}" for line in plan_notes(options.plan)), file=sys.stderr)
    model = batch.session(settings, options.course, options.roster, profiles=not args.no_profiles)
    decoder = protocol.decoder(**decoder_options)
    counts = batch.Counts()
    changes = batch.analyse(_chunks(path, head), decoder, model, counts)
    if args.json:
        write = sys.stdout.write
        for change in changes:
            for record in change_records(change):
                write(json.dumps(record) + "\n")
    else:
        for _ in changes:
            pass
        sys.stdout.write(athlete_tables(model))
    assembler = model.assembler
    results = model.ordered_results()
    summary = {"type": "summary", "events": counts.events, "reps": len(results),
               "incomplete": len(model.abandoned), "debounced": assembler.debounced, "strays": assembler.strays,
               "dropped_bytes": decoder.dropped_bytes, "dropped_frames": decoder.dropped_frames,
               "protocol": protocol.name}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{counts.events} events, {summary['reps']} reps ({summary['incomplete']} incomplete starts), "
              f"{assembler.debounced} double triggers absorbed, {assembler.strays} stray breaks, "
              f"{decoder.dropped_frames} bad frames / {decoder.dropped_bytes} bytes dropped ({protocol.name})")
    return 0


def _decoder_options(args: argparse.Namespace, protocol: protocols.Protocol) -> dict[str, str]:
    """--numbering for the decoder, as a source's `?numbering=` is; refused for a format without it."""
    if args.numbering == "auto":
        return {}
    if "numbering" not in protocol.decoder_options:
        owners = ", ".join(p.name for p in protocols.PROTOCOLS.values() if "numbering" in p.decoder_options)
        raise UsageError(f"--numbering is an option of {owners}, not of {protocol.name}")
    return {"numbering": args.numbering}


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
