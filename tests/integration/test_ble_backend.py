"""The bleak backend on bumble, through bleak's own public API: what a BLE driver sees of a gate.

No mocks: a bumble central and bumble gate peripherals on an in-process link, on virtual time.
"""

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from gates.bleprofile import (
    BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID, CONTROL_UUID, DEVICE_INFORMATION_UUID, EVENT_UUID, SERVICE_UUID,
    STATUS_UUID, ProfileDecoder, encode_resend, encode_time_request,
)
from gates.events import Kind
from simulators.ble_backend import INSTANT, BumbleRadio, JitteryLink, LinkTiming
from simulators.ble_gate import NO_EVENT_YET, BleGate
from simulators.virtual_time import run

MANUFACTURER_NAME_UUID = "00002a29-0000-1000-8000-00805f9b34fb"


async def radio_and_gate(timing=INSTANT):
    loop = asyncio.get_running_loop()
    link = JitteryLink(timing)
    gate = BleGate(link, 3, "C0:FF:EE:00:00:03", lambda: 5_000_000 + round(loop.time() * 1e6))
    await gate.start()
    radio = BumbleRadio.on_link(link)
    await radio.power_on()
    return radio, gate, link


async def find(radio, **scanner_options):
    found = await BleakScanner.discover(timeout=1.0, return_adv=True, backend=radio.scanner_backend,
                                        **scanner_options)
    return {device.address: (device, adv) for device, adv in found.values()}


def test_scanner_reports_name_service_and_address():
    async def scenario():
        radio, gate, link = await radio_and_gate()
        return await find(radio)

    found = run(scenario())
    device, adv = found["C0:FF:EE:00:00:03"]
    assert adv.local_name == "GATE-03" and device.name == "GATE-03"
    assert SERVICE_UUID in adv.service_uuids


def test_scanner_service_filter_leaves_out_other_peripherals():
    async def scenario():
        radio, gate, link = await radio_and_gate()
        other = BleGate(link, 9, "D0:00:00:00:00:09", lambda: 0)
        other.device.advertising_data = bytes.fromhex("0909") + b"NOTAGATE"
        await other.start()
        everything = await find(radio)
        filtered = await find(radio, service_uuids=[SERVICE_UUID])
        return everything, filtered

    everything, filtered = run(scenario())
    assert {"C0:FF:EE:00:00:03", "D0:00:00:00:00:09"} <= set(everything)
    assert set(filtered) == {"C0:FF:EE:00:00:03"}


def test_client_discovers_reads_writes_and_gets_notified():
    async def scenario():
        radio, gate, link = await radio_and_gate()
        found = await find(radio)
        device, _ = found["C0:FF:EE:00:00:03"]
        events, statuses = [], []
        decoder = ProfileDecoder()
        async with BleakClient(device, backend=radio.client_backend) as client:
            uuids = {s.uuid for s in client.services}
            battery = await client.read_gatt_char(BATTERY_LEVEL_UUID)
            maker = await client.read_gatt_char(MANUFACTURER_NAME_UUID)
            status = decoder.feed_status(await client.read_gatt_char(STATUS_UUID))
            await client.start_notify(EVENT_UUID, lambda _c, data: events.extend(decoder.feed(data)))
            await client.start_notify(STATUS_UUID, lambda _c, data: statuses.append(decoder.feed_status(data)))
            gate.beam()
            gate.beam(Kind.RESTORE)
            await asyncio.sleep(0.1)
            before = len(statuses)
            await client.write_gatt_char(CONTROL_UUID, encode_time_request(), response=False)
            await asyncio.sleep(0.1)
            asked = len(statuses) - before
            await client.write_gatt_char(CONTROL_UUID, encode_resend(3, 0), response=True)
            await asyncio.sleep(0.1)
            mtu = client.mtu_size
            props = client.services.get_characteristic(CONTROL_UUID).properties
        return uuids, battery, maker, status, events, asked, mtu, props, client.is_connected

    uuids, battery, maker, status, events, asked, mtu, props, connected = run(scenario())
    assert {SERVICE_UUID, BATTERY_SERVICE_UUID, DEVICE_INFORMATION_UUID} <= uuids
    assert battery == bytearray([100]) and maker == b"gates simulator"
    assert (status.gate, status.last_seq, status.beam_ok) == (3, NO_EVENT_YET, True)
    assert [(e.gate, e.seq, e.kind) for e in events] == [(3, 0, Kind.BREAK), (3, 1, Kind.RESTORE)] * 2  # live, then resent
    assert asked == 1 and mtu == 247
    assert set(props) == {"write", "write-without-response"}
    assert not connected


def test_disconnected_callback_fires_only_when_the_gate_goes():
    async def scenario():
        radio, gate, link = await radio_and_gate()
        device, _ = (await find(radio))["C0:FF:EE:00:00:03"]
        calls = []
        client = BleakClient(device, lambda c: calls.append("dropped"), backend=radio.client_backend)
        await client.connect()
        await client.disconnect()  # ours: not reported
        after_ours = list(calls)
        await asyncio.sleep(0.5)
        device, _ = (await find(radio))["C0:FF:EE:00:00:03"]
        client = BleakClient(device, lambda c: calls.append("dropped"), backend=radio.client_backend)
        await client.connect()
        await gate.drop(1.0)
        return after_ours, calls, client.is_connected

    after_ours, calls, connected = run(scenario())
    assert after_ours == [] and calls == ["dropped"] and not connected


def test_connecting_to_a_silent_address_fails_as_bleak_does():
    async def scenario():
        radio, gate, link = await radio_and_gate()
        client = BleakClient("D0:00:00:00:00:42", timeout=2.0, backend=radio.client_backend)
        with pytest.raises(BleakError):
            await client.connect()
        with pytest.raises(NotImplementedError):
            await client.pair()

    run(scenario())


def test_the_link_delays_and_keeps_order():
    async def scenario():
        radio, gate, link = await radio_and_gate(LinkTiming())
        device, _ = (await find(radio))["C0:FF:EE:00:00:03"]
        loop = asyncio.get_running_loop()
        arrivals = []
        async with BleakClient(device, backend=radio.client_backend) as client:
            await client.start_notify(EVENT_UUID, lambda _c, data: arrivals.append((loop.time(), data[1])))
            sent = []
            for _ in range(200):
                sent.append(loop.time())
                gate.beam()
                await asyncio.sleep(0.01)
            await asyncio.sleep(1.0)
        return sent, arrivals

    sent, arrivals = run(scenario())
    assert [seq for _, seq in arrivals] == [i % 256 for i in range(200)]  # in order, none lost
    delays = [at - sent[i] for i, (at, _) in enumerate(arrivals)]
    assert min(delays) >= 0.0075 - 1e-9 and max(delays) > 0.050  # a connection interval's wait, and retries
