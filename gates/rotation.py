"""The roster queue: who runs next. Reps without a start number go to the athlete whose turn it is."""

from __future__ import annotations

from collections.abc import Iterable


class Rotation:
    """Athletes in running order; `take()` hands out the next turn and moves the queue on.

    The coach can skip the athlete who is up, send someone out of turn, move someone, or add a late
    arrival; every change is an ordinary method so the dashboard can store it as an annotation and
    replay it. An athlete who is `out` (their session reached END) keeps their place in the order but
    is passed over until brought back. `version` counts every change, so a turn handed out can be
    handed back only while nothing has happened since (`untake`).
    """

    def __init__(self, names: Iterable[str] = (), out: Iterable[str] = ()) -> None:
        self.names: list[str] = list(dict.fromkeys(names))
        self.out: set[str] = set(out) & set(self.names)
        self._next = 0
        self._first: str | None = None  # sent out of turn: up before the queue, which waits for them
        self._before: tuple[int, str | None] = (0, None)  # the queue as it was before the last take
        self.version = 0

    def __bool__(self) -> bool:
        return bool(self.names)

    @property
    def next_up(self) -> str | None:
        if self._first is not None:
            return self._first
        index = self._next_index()
        return None if index is None else self.names[index]

    @property
    def running(self) -> list[str]:
        """The athletes still taking turns, in order."""
        return [name for name in self.names if name not in self.out]

    def _next_index(self) -> int | None:
        names, index = self.names, self._next
        if index < len(names) and names[index] not in self.out:  # the usual turn: nobody passed over
            return index
        count = len(names)
        if len(self.out) >= count:  # everyone is out (`out` holds only names): nobody to look for
            return None
        for step in range(count):
            index = (self._next + step) % count
            if self.names[index] not in self.out:
                return index
        return None

    def _changed(self) -> None:
        self.version += 1

    def take(self) -> str | None:
        before = (self._next, self._first)
        if self._first is not None:  # out of turn: the queue stays where it was
            name, self._first = self._first, None
        else:
            index = self._next_index()
            if index is None:
                return None
            self._next = (index + 1) % len(self.names)
            name = self.names[index]
        self._before = before
        self._changed()
        return name

    def untake(self, name: str, version: int) -> None:
        """Give back the turn `take` handed `name` (a start that came to nothing), if the rotation has
        not changed since (`version` as it was right after that take)."""
        if self.version == version and name in self.names:
            self._next, self._first = self._before
            self._changed()

    def skip(self) -> None:
        """The athlete who is up sits this turn out (one sent out of turn: the queue is up again)."""
        self.take()

    def send_now(self, name: str) -> None:
        """`name` runs next, out of turn (back in the rotation if they were out); then the queue goes on
        from whoever was up, so nobody waiting misses a turn."""
        self.out.discard(name)
        index = self._next_index()
        self._first = None if index is not None and self.names[index] == name else name
        self._changed()

    def set_next(self, name: str) -> None:
        """Send `name` now (back in the rotation if they were out); the queue carries on after them, as
        sessions stored before `send_now` were run."""
        self.out.discard(name)
        self._first = None
        self._next = self.names.index(name)
        self._changed()

    def reorder(self, names: Iterable[str]) -> None:
        """A new running order, the first name up; whoever is out and still named stays out."""
        self.names = list(dict.fromkeys(names))
        self.out &= set(self.names)
        self._next = 0
        self._first = None
        self._changed()

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)
            self._changed()

    def leave(self, name: str) -> None:
        """`name` is passed over from now on (their session reached END)."""
        if name in self.names and name not in self.out:
            self.out.add(name)
            if self._first == name:
                self._first = None
            self._changed()

    def bring_back(self, name: str) -> None:
        if name in self.out:
            self.out.discard(name)
            self._changed()

    def remove(self, name: str) -> None:
        index = self.names.index(name)
        if self._first == name:
            self._first = None
        queued = self._next_index()  # who the queue has up, an athlete sent out of turn aside
        up = None if queued is None else self.names[queued]
        self.names.pop(index)
        self.out.discard(name)
        if self.names and up is not None:
            self._next = self.names.index(up) if up in self.names else index % len(self.names)
        else:
            self._next = 0
        self._changed()
