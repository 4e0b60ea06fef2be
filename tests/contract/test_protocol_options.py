"""What a source spec says about the protocol reaches its decoder, and what it may not say is refused
in one line: `?numbering=` for ALGE (start numbers, or the Timy's running impulse count)."""

from __future__ import annotations

import asyncio

import pytest

from drivers.registry import SpecError, create
from gates import microgate
from gates.alge import encode_impulse

LINES = b"".join(encode_impulse(n, ch, 36_000_000_000 + n * 1_000_000) for n, ch in ((51, "C0"), (52, "C1")))


async def numbers(spec: str) -> list[int | None]:
    return (await replayed(spec))[0]


async def replayed(spec: str) -> tuple[list[int | None], str]:
    """The start numbers a replay delivers, and the numbering it tells the session to pair by."""
    source = create(spec)
    await source.open()
    out = [e.start_number async for e in source.events()]
    await source.close()
    return out, source.numbering


@pytest.mark.parametrize(("option", "expected"), [("", [51, 52]), ("&numbering=start", [51, 52]),
                                                  ("&numbering=impulse", [None, None])])
def test_numbering_reaches_the_replayed_decoder(tmp_path, option, expected):
    path = tmp_path / "timy.cap"
    path.write_bytes(LINES)
    assert asyncio.run(numbers(f"replay:{path}?speed=max&protocol=alge-timy{option}")) == expected


@pytest.mark.parametrize("option", ["", "&numbering=start", "&numbering=impulse"])
def test_the_session_pairs_a_replay_by_its_numbering(tmp_path, option):
    path = tmp_path / "timy.cap"
    path.write_bytes(LINES)
    _, numbering = asyncio.run(replayed(f"replay:{path}?speed=max{option}"))
    assert numbering == (option.partition("=")[2] or "auto")


def test_a_detected_format_without_numbers_to_choose_pairs_as_it_always_does(tmp_path):
    """`?numbering=` without `protocol=` is ALGE's; a capture that turns out to be Microgate keeps its own."""
    path = tmp_path / "rei2.cap"
    path.write_bytes(microgate.encode_event(0, 36_000_000_000, 7) + microgate.encode_event(255, 36_005_000_000, 7))
    assert asyncio.run(replayed(f"replay:{path}?speed=max&numbering=impulse")) == ([7, 7], "auto")


@pytest.mark.parametrize(("spec", "words"), [
    ("serial:/dev/ttyUSB3?numbering=impulse", "numbering is an option of alge-timy, not of gateline"),
    ("serial:/dev/ttyUSB3?protocol=alge-timy&numbering=bib", "numbering must be auto, start or impulse"),
    ("replay:x.cap?protocol=microgate&numbering=impulse", "not of microgate"),
])
def test_a_numbering_that_cannot_apply_is_refused_naming_the_spec(spec, words):
    with pytest.raises(SpecError) as err:
        create(spec)
    assert words in str(err.value) and spec in str(err.value)


@pytest.mark.parametrize("numbering", ["start", "impulse"])
def test_a_serial_timer_tells_the_session_its_numbering(numbering):
    assert create(f"serial:/dev/ttyUSB3?protocol=alge-timy&numbering={numbering}").numbering == numbering
