"""Which wire formats the simulator speaks: every entry of the protocol registry (gates.protocols).

The simulator never formats a frame by hand and keeps no format facts of its own: a wire is the
registry's `Protocol`, whose encoder turns the simulator's messages into bytes and whose fields say
what the format can express (which id a course gate has on the wire, restores, heartbeats, resend,
a frame-start byte, clocks of its own, one input for every gate, a time-of-day clock). ALGE is
simulated as a Timy in training mode: impulses numbered in turn, comma decimals, CHK1 checksums.
Start numbers are not sent: athletes are named by the roster rotation, as for gateline.
"""

from __future__ import annotations

from gates.protocols import PROTOCOLS, Protocol

Wire = Protocol
WIRES: dict[str, Protocol] = PROTOCOLS


def get_wire(name: str) -> Protocol:
    try:
        return WIRES[name]
    except KeyError:
        raise ValueError(f"the simulator cannot speak protocol {name!r} (it speaks: {', '.join(WIRES)})") from None
