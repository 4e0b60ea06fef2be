"""A simulated session made once per test process for each config.

`simulate` is a pure function of its config (every draw is seeded), and the long sessions the live
dashboard tests stream from (200 reps, two and a half hours of heartbeats) take over a second of CPU
to make: every test of them made the same one again. Whoever takes a session from here reads it
(LiveSimulator, Responder, truth) and never changes it."""

from __future__ import annotations

import functools

from simulators.session import SessionConfig, SimSession, simulate


@functools.cache
def simulated(config: SessionConfig) -> SimSession:
    return simulate(config)
