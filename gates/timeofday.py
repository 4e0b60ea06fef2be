"""Timers that print the time of day (ALGE, Microgate): readings to one running device clock."""

from __future__ import annotations

DAY_US = 86_400_000_000
HALF_DAY_US = DAY_US // 2


class DayClock:
    """Time of day to a running clock: each reading is placed within 12 h of the latest one seen,
    so a session that runs past midnight keeps counting up (and a late correction repeating a time
    from before midnight stays on the day before). The clock starts on day 0 and never goes below it."""

    __slots__ = ("_latest",)

    def __init__(self) -> None:
        self._latest: int | None = None

    def __call__(self, tod_us: int) -> int:
        latest = self._latest
        if latest is None:
            self._latest = tod_us
            return tod_us
        t = latest + (tod_us - latest + HALF_DAY_US) % DAY_US - HALF_DAY_US
        if t > latest:
            self._latest = t
        return t if t >= 0 else t + DAY_US
