"""protocols.detect(): a capture of each wire format is recognised as that format, and nothing else."""


import pytest

from gates import alge, chronopic, gateline, microgate, protocols, wichro
from gates.codec import GateStatus
from gates.events import Kind
from support.shared_fixtures import ALGE_CAPTURES

T0 = 9 * 3_600_000_000  # 09:00 on the device clock


def gateline_sample() -> bytes:
    lines = []
    for rep in range(3):
        for gate in (1, 2, 3, 4):
            t = T0 + rep * 120_000_000 + (gate - 1) * 1_400_000
            lines.append(gateline.encode_event(gate, rep, t))
            lines.append(gateline.encode_event(gate, rep, t + 90_000, Kind.RESTORE))
        lines.append(gateline.encode_status(GateStatus(gate=1, last_seq=rep, device_us=T0, battery_pct=80, beam_ok=True)))
    return b"".join(lines)


def alge_sample() -> bytes:
    lines = []
    for number in (1, 2, 3):
        start = T0 + number * 60_000_000
        lines += [alge.encode_impulse(number, "C0", start), alge.encode_impulse(number, "C1", start + 4_210_000),
                  alge.encode_duration(number, Kind.RUN_TIME, 4_210_000)]
    return b"".join(lines)


def microgate_sample() -> bytes:
    lines = []
    for number in (1, 2, 3):
        start = T0 + number * 60_000_000
        lines += [microgate.encode_event(0, start, number), microgate.encode_event(1, start + 1_900_000, number),
                  microgate.encode_event(255, start + 4_210_000, number)]
    return b"".join(lines)


def chronopic_sample() -> bytes:
    enc = chronopic.ChronopicEncoder()
    frames = [chronopic.encode_status(0)]
    for rep in range(3):
        for k in range(4):
            t = T0 + rep * 60_000_000 + k * 1_400_000
            frames += [enc.edge(1, t), enc.edge(0, t + 90_000)]
    return b"".join(frames)


def wichro_sample() -> bytes:
    lines = []
    for rep in range(3):
        for photocell in range(4):
            t = 60_000_000 * rep + photocell * 1_400_000
            lines += [wichro.encode_event(photocell, t), wichro.encode_event(photocell, t + 90_000, Kind.RESTORE)]
    return b"".join(lines)


SAMPLES = {"gateline": gateline_sample, "alge-timy": alge_sample, "microgate": microgate_sample,
           "chronopic": chronopic_sample, "wichro": wichro_sample}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_format_is_detected(name):
    assert protocols.detect(SAMPLES[name]()).name == name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_detected_when_the_capture_starts_mid_frame(name):
    # a port opened in the middle of a frame: the first bytes are a fragment
    assert protocols.detect(SAMPLES[name]()[3:]).name == name


@pytest.mark.parametrize("path", ALGE_CAPTURES, ids=lambda p: p.name)
def test_real_alge_captures_are_detected(path):
    assert protocols.detect(path.read_bytes()).name == "alge-timy"


def test_nothing_recognisable_detects_nothing():
    assert protocols.detect(b"") is None
    assert protocols.detect(bytes(range(256)) * 4) is None


def test_registry_entries():
    expected = {"microgate": (9600, False, True), "chronopic": (9600, True, False), "wichro": (115200, False, False)}
    for name, (baud, sequential, resend) in expected.items():
        proto = protocols.get(name)
        assert (proto.baud, proto.sequential, proto.resend) == (baud, sequential, resend)
        assert proto.decoder().protocol == name
