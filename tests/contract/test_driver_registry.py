"""The source registry: specs parsed once, our drivers imported only when used, and a vendor's driver
plugged in through the `gates.drivers` entry-point group of an installed distribution."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from support.vendor import install, uninstall

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




@pytest.fixture
def vendor(tmp_path, monkeypatch):
    """An installed distribution `acme-gates` whose entry point registers the `acme:` scheme."""
    install(tmp_path, monkeypatch)
    yield
    uninstall()


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
