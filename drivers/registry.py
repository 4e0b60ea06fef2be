"""Source specs to drivers, python-can style: `serial:/dev/ttyUSB0?protocol=alge-timy&baud=9600`.

A spec is `SCHEME:TARGET[?OPTION=VALUE&...]` (DESIGN.md, "CLI contract"). The scheme picks a driver;
our own are imported only when used, so starting the monitor on a serial port never imports bleak.
A vendor's driver plugs in without editing this file through the `gates.drivers` entry-point group:

    [project.entry-points."gates.drivers"]
    acme = "acme_gates.driver:AcmeSource"

The entry point names a class (or any object) with `from_spec(spec: Spec) -> Source`.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from urllib.parse import parse_qsl

from drivers.source import Source
from gates import protocols

ENTRY_POINT_GROUP = "gates.drivers"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")  # as in a URL

BUILTIN = {
    "serial": "drivers.serial_source:SerialSource",
    "line": "drivers.line_source:LineSource",
    "replay": "drivers.replay_source:ReplaySource",
    "ble": "drivers.ble_source:BleSource",
    "hr": "drivers.hr_source:HrSource",
}
# The bundled simulator (`sim:`) registers through the entry-point group like any vendor's driver
# (pyproject.toml): drivers never import the simulators that sit above them.


class SpecError(ValueError):
    """A source spec we cannot use; the message names the spec and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed source spec. `text` is the spec as written; `name` (scheme and target, without the
    options) names the source in statuses and in the store, so a monitor restarted on the same port
    resumes the same source whatever options it is given."""

    text: str
    scheme: str
    target: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Text the store can hold: a path's bytes that are not UTF-8 (a file name from another
        system) are written as \\xNN escapes, the same each time, so the source still resumes."""
        name = f"{self.scheme}:{self.target}"
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    def take(self, allowed: dict[str, str]) -> dict[str, str]:
        """The options, checked against `allowed` (name -> what it means, for the error message)."""
        unknown = sorted(set(self.options) - set(allowed))
        if unknown:
            known = ", ".join(f"{k} ({v})" for k, v in allowed.items()) or "none"
            raise SpecError(f"{self.text!r}: unknown option {unknown[0]!r} for {self.scheme}: sources "
                            f"(known: {known})")
        return dict(self.options)

    def error(self, problem: str) -> SpecError:
        return SpecError(f"{self.text!r}: {problem}")


def parse(text: str) -> Spec:
    scheme, colon, rest = text.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        hint = f"; did you mean 'serial:{text}'?" if text.startswith("/dev/") else ""
        raise SpecError(f"{text!r} is not a source spec: expected SCHEME:TARGET, e.g. serial:/dev/ttyUSB0 "
                        f"or replay:session.cap{hint}")
    target, _, query = rest.partition("?")
    if not target:
        raise SpecError(f"{text!r}: nothing after '{scheme}:'")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise SpecError(f"{text!r}: options must look like ?name=value&name=value") from None
    options: dict[str, str] = {}
    for key, value in pairs:
        if key in options:
            raise SpecError(f"{text!r}: option {key!r} given twice")
        options[key] = value
    return Spec(text, scheme.lower(), target, options)


def decoder_options(spec: Spec, protocol: protocols.Protocol, options: dict[str, str]) -> dict[str, str]:
    """The spec's options that configure the protocol's decoder (`numbering`), checked."""
    chosen = {key: options[key] for key in ("numbering",) if key in options}
    for key, value in chosen.items():
        if key not in protocol.decoder_options:
            owners = ", ".join(p.name for p in protocols.PROTOCOLS.values() if key in p.decoder_options)
            raise spec.error(f"{key} is an option of {owners}, not of {protocol.name}")
        if value not in ("auto", "start", "impulse"):
            raise spec.error(f"numbering must be auto, start or impulse, not {value!r}")
    return chosen


def schemes() -> dict[str, str]:
    """Every scheme we can open, ours and plugged-in, with where its driver lives."""
    found = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def create(text: str, **context: object) -> Source:
    """The (unopened) source for a spec; SpecError, naming the spec, for anything we cannot open.
    `context` goes to the driver's `from_spec` (a BLE source's `radio`)."""
    spec = parse(text)
    known = schemes()
    if spec.scheme not in known:
        raise SpecError(f"{text!r}: unknown source type {spec.scheme!r} (known: {', '.join(sorted(known))})")
    driver = _load(spec.scheme, known[spec.scheme])
    return driver.from_spec(spec, **context)


def _load(scheme: str, where: str) -> object:
    if scheme not in BUILTIN:
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=scheme):
            return ep.load()
    module, _, attr = where.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except ImportError as err:
        raise SpecError(f"{scheme}: sources are not available here ({err})") from None
