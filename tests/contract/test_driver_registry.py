"""The source registry: specs parsed once, our drivers imported only when used, and a vendor's driver
plugged in through the `gates.drivers` entry-point group of an installed distribution."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from drivers import registry
from drivers.registry import SpecError, create, parse


def test_a_spec_is_scheme_target_and_options():
    spec = parse("serial:/dev/ttyUSB0?protocol=alge-timy&baud=9600")
    assert (spec.scheme, spec.target, spec.options) == ("serial", "/dev/ttyUSB0", {"protocol": "alge-timy",
                                                                                    "baud": "9600"})
    assert spec.name == "serial:/dev/ttyUSB0"
    assert parse("ble:AA:BB:CC:DD:EE:FF").target == "AA:BB:CC:DD:EE:FF"
    assert parse("ble:name=Gate*").target == "name=Gate*"
    assert parse("replay:session.cap").options == {}


@pytest.mark.parametrize("text, words", [
    ("", "is not a source spec"),
    ("ttyUSB0", "is not a source spec"),
    ("/dev/ttyUSB0", "did you mean 'serial:/dev/ttyUSB0'"),
    ("serial:", "nothing after 'serial:'"),
    ("serial:/dev/x?baud", "options must look like"),
    ("serial:/dev/x?a=1&a=2", "given twice"),
    ("carrier-pigeon:coop", "unknown source type 'carrier-pigeon'"),
])
def test_specs_we_cannot_use_are_one_clear_error(text, words):
    with pytest.raises(SpecError, match=words) as err:
        create(text)
    assert repr(text) in str(err.value) or text == ""


def test_our_drivers_are_imported_only_when_used():
    code = textwrap.dedent("""
        import sys
        from drivers import registry
        registry.create("serial:/dev/ttyUSB0")
        print(sorted(m for m in ("bleak", "drivers.ble_source", "drivers.line_source", "drivers.replay_source")
                     if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


VENDOR_DRIVER = '''
"""A vendor's driver, installed as its own distribution: counts to N on gate 1."""
import asyncio
from drivers.source import Source, State
from gates.events import GateEvent


class CountingSource(Source):
    def __init__(self, count, name):
        super().__init__(name)
        self.count = count

    @classmethod
    def from_spec(cls, spec):
        spec.take({})
        return cls(int(spec.target), spec.name)

    async def open(self):
        self._publish(state=State.CONNECTED)
        for seq in range(self.count):
            self._emit(GateEvent(1, seq, seq * 1000, host_ns=seq + 1))
        self._finish()

    async def close(self):
        self._publish(state=State.CLOSED)
'''


@pytest.fixture
def vendor(tmp_path, monkeypatch):
    """An installed distribution `acme-gates` whose entry point registers the `acme:` scheme."""
    (tmp_path / "acme_gates").mkdir()
    (tmp_path / "acme_gates" / "__init__.py").write_text("")
    (tmp_path / "acme_gates" / "driver.py").write_text(VENDOR_DRIVER)
    info = tmp_path / "acme_gates-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-gates\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[gates.drivers]\nacme = acme_gates.driver:CountingSource\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("acme_gates.driver", None)
    sys.modules.pop("acme_gates", None)


async def test_a_vendor_driver_plugs_in_through_the_entry_point_group(vendor):
    assert registry.schemes()["acme"] == "acme_gates.driver:CountingSource"
    source = create("acme:3")
    async with source:
        got = [e.seq async for e in source.events()]
    assert got == [0, 1, 2] and source.name == "acme:3"
    with pytest.raises(SpecError, match="unknown option 'x' for acme: sources"):
        create("acme:3?x=1")


def test_our_own_schemes_cannot_be_taken_over_by_a_plugin(vendor, tmp_path):
    info = tmp_path / "acme_gates-1.0.dist-info" / "entry_points.txt"
    info.write_text("[gates.drivers]\nserial = acme_gates.driver:CountingSource\n")
    assert type(create("serial:/dev/ttyUSB0")).__name__ == "SerialSource"
