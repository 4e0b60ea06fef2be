"""What went wrong with a serial port, in words a coach can act on (shared by the serial drivers).

pyserial raises SerialException (an OSError) carrying the errno of the failed open or read; the errno
tells a port that does not exist (or vanished with its USB adapter) from one we may not open, one
another program holds, and one that is not a serial port at all.
"""

from __future__ import annotations

import errno
import os

from drivers.source import State

GONE = (errno.ENOENT, errno.ENODEV, errno.ENXIO)


def diagnose(port: str, err: BaseException, was_connected: bool) -> tuple[State, str]:
    """The state and reason to report for a port that failed to open."""
    code = getattr(err, "errno", None)
    if code in GONE:
        if was_connected:
            return State.RECONNECTING, f"{port} is gone; waiting for it to come back"
        return State.ERROR, f"{port} does not exist (is the adapter plugged in?); retrying"
    if code in (errno.EACCES, errno.EPERM):
        return State.ERROR, f"permission denied on {port} (on Linux, add your user to the 'dialout' group); retrying"
    if code in (errno.EBUSY, errno.EAGAIN):
        return State.ERROR, f"{port} is busy: another program has it open; retrying"
    if code in (errno.ENOTTY, errno.EINVAL):
        return State.ERROR, f"{port} cannot do this: no modem-status lines (a pseudo-terminal, or not a serial port)"
    return State.ERROR, f"cannot use {port}: {strerror(err)}; retrying"


def strerror(err: BaseException) -> str:
    """`Input/output error` rather than pyserial's `read failed: [Errno 5] Input/output error`."""
    code = getattr(err, "errno", None)
    if isinstance(code, int):
        return os.strerror(code)
    text = str(err)
    if "returned no data" in text:  # pyserial's words for a hung-up port: the cable went
        return "the device disconnected"
    return text.split("] ", 1)[-1]
