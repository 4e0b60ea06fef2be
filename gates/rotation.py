"""The roster queue: who runs next. Reps without a start number go to the athlete whose turn it is."""

from __future__ import annotations

from collections.abc import Iterable


class Rotation:
    """Athletes in running order; `take()` hands out the next turn and moves the queue on.

    The coach can skip the athlete who is up, move someone, or add a late arrival; every change is
    an ordinary method so the dashboard can store it as an annotation and replay it.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = list(dict.fromkeys(names))
        self._next = 0

    def __bool__(self) -> bool:
        return bool(self.names)

    @property
    def next_up(self) -> str | None:
        return self.names[self._next % len(self.names)] if self.names else None

    def take(self) -> str | None:
        name = self.next_up
        if name is not None:
            self._next = (self._next + 1) % len(self.names)
        return name

    def skip(self) -> None:
        """The athlete who is up sits this turn out."""
        if self.names:
            self._next = (self._next + 1) % len(self.names)

    def set_next(self, name: str) -> None:
        """Send `name` now; the queue carries on after them."""
        self._next = self.names.index(name)

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)

    def remove(self, name: str) -> None:
        index = self.names.index(name)
        up = self.next_up
        self.names.pop(index)
        if self.names and up is not None:
            self._next = self.names.index(up) if up in self.names else index % len(self.names)
        else:
            self._next = 0
