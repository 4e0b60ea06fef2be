"""`gates fit`: the sprint profile (MSS, MAC, τ, PMAX) of one set of splits."""

from __future__ import annotations

import argparse
import json

from gates.sprint_fit import CORRECTIONS, FitError, fit
from monitor.cli import UsageError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--distances", required=True, help="gate distances from the start, m: 5,10,20,30")
    parser.add_argument("--times", required=True, help="cumulative split times at those gates, s: 1.21,1.99,3.38,4.71")
    parser.add_argument("--correction", choices=CORRECTIONS, default="none",
                        help="none; tc: estimate a time correction (start triggered early/late); "
                             "fd: estimate a flying distance before the start gate")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def _numbers(option: str, text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a comma-separated list of numbers") from None


def run(args: argparse.Namespace) -> int:
    distances, times = _numbers("--distances", args.distances), _numbers("--times", args.times)
    try:
        profile = fit(distances, times, args.correction)
    except FitError as err:
        raise UsageError(str(err)) from None
    if args.json:
        print(json.dumps({"mss": profile.mss, "mac": profile.mac, "tau": profile.tau, "pmax": profile.pmax,
                          "correction": profile.correction, "tc": profile.tc, "fd": profile.fd,
                          "rmse_s": profile.rmse_s, "residuals_s": list(profile.residuals_s)}))
        return 0
    print(f"MSS  {profile.mss:6.2f} m/s    maximal sprinting speed")
    print(f"MAC  {profile.mac:6.2f} m/s²   maximal acceleration")
    print(f"τ    {profile.tau:6.3f} s      MSS / MAC")
    print(f"PMAX {profile.pmax:6.2f} W/kg   MSS·MAC/4")
    if profile.tc is not None:
        print(f"TC   {profile.tc:+6.3f} s      time correction")
    if profile.fd is not None:
        print(f"FD   {profile.fd:6.2f} m      flying distance")
    print(f"RMSE {profile.rmse_s * 1000:6.1f} ms     over {len(distances)} splits")
    return 0
