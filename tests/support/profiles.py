"""Example counts that follow the hypothesis profile (tests/conftest.py): a test that asks for `n`
examples gets `n` under `default`, half as many again under `ci`, twenty times under `thorough`."""

from __future__ import annotations

from hypothesis import settings

BASE_EXAMPLES = 100  # the default profile's max_examples


def examples(n: int) -> settings:
    """Settings for `n` examples under the default profile, scaled by the loaded one; no deadline."""
    return settings(max_examples=max(1, n * settings.default.max_examples // BASE_EXAMPLES), deadline=None)
