"""What a source spec says about the protocol reaches its decoder, and what it may not say is refused
in one line: `?numbering=` for ALGE (start numbers, or the Timy's running impulse count)."""

from __future__ import annotations

import asyncio

import pytest

from drivers.registry import SpecError, create
from gates.alge import encode_impulse

LINES = b"".join(encode_impulse(n, ch, 36_000_000_000 + n * 1_000_000) for n, ch in ((51, "C0"), (52, "C1")))


async def numbers(spec: str) -> list[int | None]:
    source = create(spec)
    await source.open()
    out = [e.start_number async for e in source.events()]
    await source.close()
    return out


@pytest.mark.parametrize(("option", "expected"), [("", [51, 52]), ("&numbering=start", [51, 52]),
                                                  ("&numbering=impulse", [None, None])])
def test_numbering_reaches_the_replayed_decoder(tmp_path, option, expected):
    path = tmp_path / "timy.cap"
    path.write_bytes(LINES)
    assert asyncio.run(numbers(f"replay:{path}?speed=max&protocol=alge-timy{option}")) == expected


@pytest.mark.parametrize(("spec", "words"), [
    ("serial:/dev/ttyUSB3?numbering=impulse", "numbering is an option of alge-timy, not of gateline"),
    ("serial:/dev/ttyUSB3?protocol=alge-timy&numbering=bib", "numbering must be auto, start or impulse"),
    ("replay:x.cap?protocol=microgate&numbering=impulse", "not of microgate"),
])
def test_a_numbering_that_cannot_apply_is_refused_naming_the_spec(spec, words):
    with pytest.raises(SpecError) as err:
        create(spec)
    assert words in str(err.value) and spec in str(err.value)
