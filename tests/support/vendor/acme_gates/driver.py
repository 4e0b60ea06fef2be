"""A vendor's driver, installed as its own distribution: counts to N on gate 1."""
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
