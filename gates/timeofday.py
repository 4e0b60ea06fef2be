"""Timers that print the time of day (ALGE, Microgate): readings to one running device clock."""

from __future__ import annotations

from itertools import islice

DAY_US = 86_400_000_000
HALF_DAY_US = DAY_US // 2


class DayClock:
    """Time of day to a running clock: each reading is placed within 12 h of the latest one seen,
    so a session that runs past midnight keeps counting up (and a late correction repeating a time
    from before midnight stays on the day before). The clock starts on day 0 and never goes below it.
    `latest` is the latest reading so far (None before the first): a decoder's hot loop may place
    readings itself, as `__call__` does, and store back where the clock stands."""

    __slots__ = ("latest",)

    def __init__(self) -> None:
        self.latest: int | None = None

    def __call__(self, tod_us: int) -> int:
        latest = self.latest
        if latest is None:
            self.latest = tod_us
            return tod_us
        t = latest + (tod_us - latest + HALF_DAY_US) % DAY_US - HALF_DAY_US
        if t > latest:
            self.latest = t
        return t if t >= 0 else t + DAY_US


class Recent(dict):
    """The latest impulses a timer sent, to tell a resent one (from memory, a static response) from a
    new one: a dict in arrival order that keeps at least the newest `size` keys. It forgets in bulk
    (past twice `size`, all but the newest `size` at once) rather than one key per new one, so a
    decoder's hot path pays a plain dict store per impulse and a length check. `newest` is the latest
    device time of any impulse ever added: a later one cannot be in it, and needs no look-up."""

    __slots__ = ("newest", "size")

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.newest = -1

    def remember(self, key: object, value: object, device_us: int) -> None:
        if device_us > self.newest:
            self.newest = device_us
        self[key] = value
        if len(self) > 2 * self.size:
            self.forget_older()

    def forget_older(self) -> None:
        for key in list(islice(self, len(self) - self.size)):
            del self[key]
