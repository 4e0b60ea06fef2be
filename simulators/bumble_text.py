"""bumble's packets put into words only when its debug log would print them.

bumble hands every packet to its debug log in an f-string (`logger.debug(f'... {packet}')` in Host,
Controller, the GATT client and server, L2CAP), so the text of each packet, ANSI colours and hex dumps
included, is built before the logger is asked whether it wants it: a fifth to a third of the CPU of a
simulated BLE session (`gates demo --ble`, `gates simulate --ble`, the tests), and no line is printed.
While the "bumble" logger is not on at DEBUG, a packet's text is its class name and `color()` adds no
colour; turned on, every line is bumble's own. Upstream, the fix is an `isEnabledFor` guard."""

from __future__ import annotations

import functools
import logging
import sys

from bumble import att, colors, hci, l2cap

_LOG = logging.getLogger("bumble")
_PACKETS = (hci.HCI_Packet, att.ATT_PDU, l2cap.L2CAP_PDU)
_COLOR = colors.color


def _logged() -> bool:
    return _LOG.isEnabledFor(logging.DEBUG)


def _lazy_str(full):
    def __str__(self) -> str:
        return full(self) if _logged() else type(self).__name__
    return __str__


def _lazy_color(s: str, *args, **kwargs) -> str:
    return _COLOR(s, *args, **kwargs) if _logged() else s


@functools.cache
def install() -> None:
    """Once per process, after bumble's modules are imported: one imported later keeps its `color`."""
    for module in (hci, att, l2cap):
        for cls in list(vars(module).values()):
            if isinstance(cls, type) and issubclass(cls, _PACKETS) and "__str__" in vars(cls):
                cls.__str__ = _lazy_str(vars(cls)["__str__"])
    for name, module in list(sys.modules.items()):
        if name.startswith("bumble.") and module is not colors and getattr(module, "color", None) is _COLOR:
            module.color = _lazy_color
