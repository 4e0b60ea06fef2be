"""Opt-in: BleSource on this machine's real Bluetooth adapter and a real gate serving the profile.

Run with a gate powered on nearby: GATES_BLE_REAL='ble:name=GATE-*' python3 -m pytest tests/test_ble_hardware.py
(the spec is any allow-list BleSource takes). Skipped otherwise: CI has no radio.
"""

import asyncio
import os

import pytest

from drivers.registry import create
from drivers.source import State

SPEC = os.environ.get("GATES_BLE_REAL")
pytestmark = pytest.mark.skipif(not SPEC, reason="needs a Bluetooth adapter and a gate: set GATES_BLE_REAL to a ble: spec")


async def test_a_real_gate_connects_reports_and_its_clock_gets_pinned():
    source = create(SPEC)
    async with source:
        async with asyncio.timeout(90):
            async for status in source.statuses():
                if status.gate is not None and status.state is State.CONNECTED and status.last_heartbeat_ns:
                    break
        await asyncio.sleep(30)  # let it sample the gate's clock
        state = source.clock_state(status.gate)
    assert state is not None and state.synced and state.error_us < 1_000
