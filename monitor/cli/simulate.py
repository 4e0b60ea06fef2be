"""`gates simulate`: a whole simulated session into a capture file or onto a live pseudo-terminal,
with its ground truth as JSON (see simulators/ for the models)."""

from __future__ import annotations

import argparse
import math
import os
import stat
from pathlib import Path

from monitor.cli.options import UsageError, group_session
from simulators.capture import write_capture, write_truth
from simulators.gate_device import Faults
from simulators.plans import PLANS
from simulators.session import SessionConfig, SimSession, simulate
from simulators.wire import WIRES


def register(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--serial", action="store_true",
                       help="stream in real time on a new pseudo-terminal and print its path")
    where.add_argument("--out", metavar="CAPTURE", help="write the bytes the port would deliver to this file (- for stdout)")
    where.add_argument("--ble", action="store_true",
                       help="BLE gates on a simulated radio (bumble), in real time, each on its own clock; "
                            "prints how to monitor them")
    parser.add_argument("--hr", action="store_true",
                        help="with --ble: every athlete wears a heart-rate strap on the same radio")
    parser.add_argument("--truth", metavar="TRUTH.json", help="write the ground truth here")
    parser.add_argument("--protocol", default="gateline", help=f"wire format ({', '.join(WIRES)}; default gateline)")
    parser.add_argument("--athletes", default="4", metavar="N|A,B,C",
                        help="a count of preset athletes (MSS 7-11 m/s) or their names (default 4)")
    parser.add_argument("--plan", default="speed",
                        help="; ".join(f"{p.name}: {p.description}" for p in PLANS.values()).replace("%", "%%")
                        + "; or a session plan, as `gates monitor --plan` takes it: a template from `gates plans` "
                        "(micro-dosed, acceleration, ...) or a plan file, every block timed through the gates "
                        "(default speed)")
    parser.add_argument("--reps", type=int, help="reps per athlete in each timed block (default: the plan's)")
    parser.add_argument("--course", default="0,10,20,30", help="gate distances in metres (default 0,10,20,30)")
    parser.add_argument("--speed", type=float, default=1.0, help="with --serial: run X times faster than real time")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    parser.add_argument("--faults", default="none", metavar="NAME=RATE,...",
                        help="double, miss (per crossing), spurious (per gate per minute), noise, corrupt, drop "
                             "(per frame), latency, jitter (ms), link (outages per minute); default none")
    parser.add_argument("--clock", choices=("shared", "own"), default="shared",
                        help="shared: gates wired to one timer (default); own: each gate its own drifting clock")
    parser.add_argument("--resolution-us", type=int, help="clock resolution in µs (default: the format's, 1000 for gateline)")
    parser.add_argument("--link", metavar="PATH", help="with --serial: a symlink to the device that follows re-plugs")
    parser.add_argument("--hci-socket", metavar="PATH", help="with --ble: the unix socket the radio's host side is "
                        "served on (default: a new one in the temp directory)")
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace) -> SessionConfig:
    """Check every option, or raise UsageError naming the one that is wrong."""
    course, athletes, plan = group_session(args)
    if args.reps is not None:
        if not 1 <= args.reps <= 100_000:
            raise UsageError(f"--reps must be 1 to 100000, got {args.reps}")
        plan = plan.with_reps(args.reps)
    try:
        faults = Faults.parse(args.faults)
    except ValueError as err:
        raise UsageError(f"--faults {err}") from None
    if args.protocol not in WIRES:
        raise UsageError(f"--protocol: the simulator speaks {', '.join(WIRES)}, not {args.protocol!r}")
    if not (math.isfinite(args.speed) and args.speed > 0):
        raise UsageError(f"--speed must be a positive number, got {args.speed:g}")
    if args.resolution_us is not None and not 1 <= args.resolution_us <= 1_000_000:
        raise UsageError(f"--resolution-us must be 1 to 1000000, got {args.resolution_us}")
    if args.link and not args.serial:
        raise UsageError("--link only goes with --serial")
    if args.link:
        _check_made("--link", args.link, "symlink", Path.is_symlink)
    return SessionConfig(course=course, athletes=tuple(athletes), plan=plan, seed=args.seed, protocol=args.protocol,
                         faults=faults, shared_clock=args.clock == "shared", resolution_us=args.resolution_us)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    for option, path in (("--truth", args.truth), ("--out", args.out)):
        if path and path != "-" and not Path(path).parent.is_dir():  # before either is written
            raise UsageError(f"cannot write {option} {path}: no such directory {Path(path).parent}")
        if path and Path(path).is_dir():
            raise UsageError(f"cannot write {option} {path}: it is a directory; name the file to write")
    if args.hr and not args.ble:
        raise UsageError("--hr goes with --ble: the straps are on the simulated radio")
    if args.hci_socket and not args.ble:
        raise UsageError("--hci-socket only goes with --ble")
    if args.hci_socket:
        _check_made("--hci-socket", args.hci_socket, "socket", lambda path: stat.S_ISSOCK(path.lstat().st_mode))
    if args.ble:  # simulators/ble_gate.py: the gate profile, in real time (the monitor's clock is real)
        if args.speed != 1.0 or args.protocol != "gateline":
            raise UsageError("--ble gates speak the BLE gate profile in real time: leave out --speed and --protocol")
        try:
            from simulators.ble_gate import ble_config
        except ImportError as err:  # bumble comes with the [dev] extra
            raise UsageError(f"--ble needs bumble ({err}): pip install 'gates[dev]'") from None
        config = ble_config(config)
    try:
        session = simulate(config)
    except ValueError as err:  # the format cannot express this session
        raise UsageError(str(err)) from None
    if args.truth:
        _write(write_truth, session, args.truth)
    if args.serial:
        from simulators.pty_device import serve

        return serve(session, speed=args.speed, link=args.link)
    if args.ble:
        import asyncio

        from simulators.ble_gate import serve as serve_ble

        asyncio.run(serve_ble(session, args.hci_socket, hearts=args.hr))
        return 0
    _write(write_capture, session, args.out)
    return 0


def _check_made(option: str, where: str, kind: str, replaceable) -> None:
    """A path the command makes, and replaces when it starts again (a link at each re-plug, a stale
    socket), or UsageError: its directory must exist and be writable, and whatever is there now
    must be of that `kind`, never a file of the user's that would be lost."""
    path = Path(where)
    if path.is_dir() and not path.is_symlink():
        raise UsageError(f"{option} {where}: is a directory; name the {kind} to make, e.g. {path / 'gates'}")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {where}: no such directory {path.parent}")
    if not os.access(path.parent, os.W_OK):
        raise UsageError(f"{option} {where}: cannot make a {kind} in {path.parent}: permission denied")
    if (path.exists() or path.is_symlink()) and not replaceable(path):
        raise UsageError(f"{option} {where}: already exists and is not a {kind}; it would be replaced")


def _write(writer, session: SimSession, path: str) -> None:
    try:
        writer(session, path)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None
