"""`gates fit`: the sprint profile (MSS, MAC, τ, PMAX) of one set of splits, with shorts' fit statistics."""

from __future__ import annotations

import argparse
import json
import math

from gates.sprint_fit import CORRECTIONS, FitError, SprintProfile, fit
from monitor.cli.options import UsageError

MODELS = {"none": "model_timing_gates", "tc": "model_timing_gates_TC", "fd": "model_timing_gates_FD"}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--distances", required=True, help="gate distances from the start, m: 5,10,20,30")
    parser.add_argument("--times", required=True, help="cumulative split times at those gates, s: 1.21,1.99,3.38,4.71")
    parser.add_argument("--correction", choices=CORRECTIONS, default="none",
                        help="none; tc: estimate a time correction (start triggered early/late); "
                             "fd: estimate a flying distance before the start gate")
    parser.add_argument("--time-correction", default="0", metavar="S",
                        help="seconds added to every split before fitting, e.g. 0.3 for a standing start "
                             "behind the gate (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def _numbers(option: str, text: str, what: str = "a comma-separated list of numbers") -> list[float]:
    try:
        values = [float(x) for x in text.split(",")]
    except ValueError:
        raise UsageError(f"{option} {text!r} is not {what}") from None
    if not all(map(math.isfinite, values)):
        raise UsageError(f"{option} {text!r}: every value must be a finite number")
    return values


def run(args: argparse.Namespace) -> int:
    distances, times = _numbers("--distances", args.distances), _numbers("--times", args.times)
    time_correction = _numbers("--time-correction", args.time_correction, "a number of seconds")
    if len(time_correction) != 1:
        raise UsageError(f"--time-correction {args.time_correction!r} is not a number of seconds")
    try:
        profile = fit(distances, times, args.correction, time_correction=time_correction[0])
    except FitError as err:
        raise UsageError(str(err)) from None
    print(json.dumps(as_json(profile, distances)) if args.json else as_text(profile, distances))
    return 0


def as_json(profile: SprintProfile, distances: list[float]) -> dict:
    """shorts' names for the parameters and the model_fit statistics (seconds; MAPE in %)."""
    out = {"model": profile.correction, "MSS": profile.mss, "MAC": profile.mac, "TAU": profile.tau,
           "PMAX": profile.pmax}
    if profile.tc is not None:
        out["TC"] = profile.tc
    if profile.fd is not None:
        out["FD"] = profile.fd
    out.update({
        "timeCorrection": profile.time_correction_s, "n": len(profile.residuals_s),
        "RSE": profile.rse_s, "R2": profile.r2, "minErr": profile.min_err_s, "maxErr": profile.max_err_s,
        "maxAbsErr": profile.max_abs_err_s, "RMSE": profile.rmse_s, "MAE": profile.mae_s, "MAPE": profile.mape_pct,
        "distances": distances, "times": list(profile.times_s), "predicted": list(profile.predicted_s),
        "residuals": list(profile.residuals_s),
    })
    return out


def as_text(profile: SprintProfile, distances: list[float]) -> str:
    corrected = f", {profile.time_correction_s:+g} s added to every split" if profile.time_correction_s else ""
    lines = [
        f"model {profile.correction} (shorts {MODELS[profile.correction]}), {len(distances)} splits{corrected}",
        f"MSS  {profile.mss:7.3f} m/s    maximal sprinting speed",
        f"MAC  {profile.mac:7.3f} m/s²   maximal acceleration",
        f"TAU  {profile.tau:7.3f} s      MSS / MAC",
        f"PMAX {profile.pmax:7.3f} W/kg   MSS·MAC/4",
    ]
    if profile.tc is not None:
        lines.append(f"TC   {profile.tc:+7.3f} s      estimated time correction (added to the splits)")
    if profile.fd is not None:
        lines.append(f"FD   {profile.fd:7.3f} m      estimated flying distance before the start gate")
    lines.append(f"fit  RSE {_ms(profile.rse_s)}  R² {profile.r2:.5f}  max |error| {_ms(profile.max_abs_err_s)}  "
                 f"RMSE {_ms(profile.rmse_s)}  MAE {_ms(profile.mae_s)}  MAPE {profile.mape_pct:.3f} %")
    lines.append("residuals (observed − model): " + "  ".join(
        f"{d:g} m {_ms(r)}" for d, r in zip(distances, profile.residuals_s)))
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
