"""A bleak backend on bumble: the host's BLE adapter played by a bumble central, so BleSource runs
unchanged through bleak's public API over a real GATT/ATT/L2CAP/HCI stack, with no radio.

Sources: bleak's backend interface (`bleak.backends.client.BaseBleakClient`,
`bleak.backends.scanner.BaseBleakScanner`, passed as `backend=`), bumble's `Device`, GATT client and
`LocalLink` (google/bumble). Test equipment, not a product driver: it lives in simulators/.

Two ways to reach the gates:
- in-process: the central's controller joins the simulated gates' `JitteryLink`;
- across processes: the central talks HCI over any bumble transport (`unix:PATH`, `tcp-client:...`)
  to a controller that `gates simulate --ble` serves on its link (see `RadioServer`).

`JitteryLink` delays every LE data packet as a radio would: the wait for the next connection event
(7.5-50 ms) and, now and then, retries, keeping each direction in order as the link layer does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bumble import core, hci, ll
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt import Characteristic
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport import open_transport
from bumble.transport.common import AsyncPipeSink, Transport

from simulators import bumble_text

bumble_text.install()

CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:F0"
HCI_ENV = "GATES_BLE_HCI"  # bumble transport of the simulator's radio, e.g. unix:/tmp/gates-ble.sock
PACKET_S = 1e-5  # air time of one LE packet, near enough
ATT_MTU = 247  # room for 20 event records per notification in a resend burst
_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}
_UUID_LISTS = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)


@dataclass(frozen=True, slots=True)
class LinkTiming:
    """How late an LE data packet arrives: a wait for the next connection event, sometimes retries."""

    min_s: float = 0.0075
    max_s: float = 0.050
    retry_p: float = 0.05
    retry_min_s: float = 0.050
    retry_max_s: float = 0.200

    def scaled(self, factor: float) -> LinkTiming:
        """The same link on a clock running 1/factor times as fast (a sped-up simulation)."""
        return LinkTiming(self.min_s * factor, self.max_s * factor, self.retry_p, self.retry_min_s * factor,
                          self.retry_max_s * factor)

    def delay(self, rng: random.Random) -> float:
        late = rng.uniform(self.retry_min_s, self.retry_max_s) if rng.random() < self.retry_p else 0.0
        return rng.uniform(self.min_s, self.max_s) + late


INSTANT = LinkTiming(0.0, 0.0, 0.0, 0.0, 0.0)


class JitteryLink(LocalLink):
    """bumble's in-process link, with LE data delivered late and in order per direction."""

    def __init__(self, timing: LinkTiming = LinkTiming(), seed: int = 0) -> None:
        super().__init__()
        self.timing = timing
        self._rng = random.Random(seed)
        self._last: dict[tuple[hci.Address, hci.Address], float] = {}

    def send_acl_data(self, sender_controller: Controller, destination_address: hci.Address,
                      transport: core.PhysicalTransport, data: bytes) -> None:
        if transport != core.PhysicalTransport.LE:
            super().send_acl_data(sender_controller, destination_address, transport, data)
            return
        destination = self.find_le_controller(destination_address)
        if destination is None:
            return
        source = sender_controller.random_address
        loop = asyncio.get_running_loop()
        key = (source, destination_address)
        # strictly after the previous packet: timers due at the same instant may run in any order
        at = max(self._last.get(key, 0.0) + PACKET_S, loop.time() + self.timing.delay(self._rng))
        self._last[key] = at
        loop.call_at(at, destination.on_link_acl_data, source, transport, data)


class GateController(Controller):
    """bumble's emulated controller, with two commands as the spec has them (Vol 4, Part E):
    LE Create Connection Cancel (7.8.13) drops the pending connection and reports it failed with
    Unknown Connection Identifier, so a connect that timed out ends instead of waiting for ever; and
    Reset (7.3.2) ends the controller's connections, so a host that comes back (a restarted
    `gates monitor` on the simulator's radio) finds the gates advertising again."""

    def on_hci_reset_command(self, command: hci.HCI_Command) -> hci.HCI_StatusReturnParameters:
        for connection in list(self.le_connections.values()):
            connection.send_ll_control_pdu(ll.TerminateInd(hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR))
            del self.le_connections[connection.peer_address]
        self.pending_le_connection = None
        return super().on_hci_reset_command(command)

    def on_hci_le_create_connection_cancel_command(self, command: hci.HCI_Command) -> hci.HCI_StatusReturnParameters:
        pending, self.pending_le_connection = self.pending_le_connection, None
        if pending is not None:
            failed = hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR, connection_handle=0,
                role=hci.Role.CENTRAL, peer_address_type=pending.peer_address.address_type,
                peer_address=pending.peer_address, connection_interval=0, peripheral_latency=0,
                supervision_timeout=0, central_clock_accuracy=0)
            asyncio.get_running_loop().call_soon(self.send_hci_packet, failed)  # after the command completes
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


def device_on_link(link: LocalLink, name: str, address: str) -> Device:
    """A bumble device (host + emulated controller) attached to an in-process link."""
    controller = GateController(name, link=link)
    return Device(name=name, address=hci.Address(address), host=Host(controller, AsyncPipeSink(controller)))


def bleak_uuid(u: core.UUID) -> str:
    return str(uuid.UUID(bytes=bytes(reversed(u.to_bytes(force_128=True)))))


class BumbleRadio:
    """The host's adapter as a bumble central. `scanner_backend` and `client_backend` are bleak
    backend classes bound to it, for `BleakScanner(backend=...)` / `BleakClient(backend=...)`."""

    def __init__(self, device: Device | None = None, *, transport: str | None = None,
                 address: str = CENTRAL_ADDRESS) -> None:
        self._device = device
        self._transport_spec = transport
        self._transport: Transport | None = None
        self._address = address
        self._powered: asyncio.Task[None] | None = None
        self._scanners: set[BumbleScanner] = set()
        self.connect_lock = asyncio.Lock()  # a controller creates one LE connection at a time
        self.scanner_backend: type[BaseBleakScanner] = type("BumbleScanner", (BumbleScanner,), {"radio": self})
        self.client_backend: type[BaseBleakClient] = type("BumbleClient", (BumbleClient,), {"radio": self})

    @classmethod
    def on_link(cls, link: LocalLink, address: str = CENTRAL_ADDRESS) -> BumbleRadio:
        return cls(device_on_link(link, "gates-host", address))

    @classmethod
    def over(cls, transport_spec: str, address: str = CENTRAL_ADDRESS) -> BumbleRadio:
        """A central whose controller is at the other end of a bumble HCI transport (opened on power-on)."""
        return cls(transport=transport_spec, address=address)

    @property
    def device(self) -> Device:
        if self._device is None:
            raise BleakError("the simulated radio is not powered on")
        return self._device

    async def power_on(self) -> None:
        """Once, however many sources share the radio (a second reset would drop their links). A
        failed attempt is forgotten, so a source retrying finds a radio that appeared meanwhile."""
        if self._powered is None:
            self._powered = asyncio.ensure_future(self._power_on())
        powered = self._powered
        try:
            await asyncio.shield(powered)
        except Exception:
            if powered.done() and self._powered is powered:
                self._powered = None
            raise

    async def _power_on(self) -> None:
        if self._device is None:
            try:
                self._transport = await open_transport(self._transport_spec or "")
            except (OSError, ValueError, core.BaseBumbleError) as err:
                raise BleakError(f"cannot reach the simulated radio at {self._transport_spec}: {err}") from err
            self._device = Device.with_hci("gates-host", hci.Address(self._address), self._transport.source,
                                           self._transport.sink)
        await self._device.power_on()

    async def close(self) -> None:
        if self._device is not None:
            for connection in list(self._device.connections.values()):
                try:
                    await connection.disconnect()
                except core.BaseBumbleError:
                    pass
        if self._transport is not None:
            await self._transport.close()
            self._transport = self._device = None
        self._powered = None

    async def _scan(self, scanner: BumbleScanner, on: bool) -> None:
        was = bool(self._scanners)
        (self._scanners.add if on else self._scanners.discard)(scanner)
        if bool(self._scanners) != was:
            if on:
                self.device.on(Device.EVENT_ADVERTISEMENT, self._advertisement)
                await self.device.start_scanning(filter_duplicates=False)
            else:
                self.device.remove_listener(Device.EVENT_ADVERTISEMENT, self._advertisement)
                await self.device.stop_scanning()

    def _advertisement(self, advertisement: Advertisement) -> None:
        for scanner in list(self._scanners):
            scanner.seen(advertisement)


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend: bumble advertising reports as bleak BLEDevice + AdvertisementData."""

    radio: ClassVar[BumbleRadio]

    def __init__(self, detection_callback: AdvertisementDataCallback | None, service_uuids: list[str] | None,
                 scanning_mode: str = "active", **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)

    async def start(self) -> None:
        self.seen_devices = {}
        await self.radio._scan(self, True)

    async def stop(self) -> None:
        await self.radio._scan(self, False)

    def seen(self, advertisement: Advertisement) -> None:
        data = advertisement.data
        names = data.get_all(AdvertisingData.COMPLETE_LOCAL_NAME, raw=True) or data.get_all(
            AdvertisingData.SHORTENED_LOCAL_NAME, raw=True)
        uuids = [bleak_uuid(u) for kind in _UUID_LISTS for listed in data.get_all(kind) for u in listed]
        if not self.is_allowed_uuid(uuids):
            return
        manufacturer = {int.from_bytes(raw[:2], "little"): bytes(raw[2:])
                        for raw in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA, raw=True)}
        tx_power = data.get(AdvertisingData.TX_POWER_LEVEL)
        adv = AdvertisementData(
            local_name=names[0].decode("utf-8", "replace") if names else None, manufacturer_data=manufacturer,
            service_data={}, service_uuids=uuids, tx_power=tx_power if isinstance(tx_power, int) else None,
            rssi=advertisement.rssi, platform_data=(advertisement,))
        address = str(advertisement.address).split("/")[0]
        device = self.create_or_update_device(address, address, adv.local_name, advertisement.address, adv)
        self.call_detection_callbacks(device, adv)


class BumbleClient(BaseBleakClient):
    """bleak client backend: connection, service discovery, reads, writes and notifications through
    bumble's GATT client."""

    radio: ClassVar[BumbleRadio]

    def __init__(self, address_or_ble_device: BLEDevice | str, *, disconnected_callback: Callable[[], None] | None,
                 timeout: float, services: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._peer_address = (address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice)
                              else hci.Address(address_or_ble_device))
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._notify: dict[int, Callable[[bytes], None]] = {}
        self._leaving = False  # we asked to disconnect: not the unsolicited kind bleak reports

    @property
    def name(self) -> str:
        return str(self._peer_address)

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        device = self.radio.device
        try:
            async with self.radio.connect_lock:
                connection = await device.connect(self._peer_address, timeout=self._timeout)
        except (core.BaseBumbleError, asyncio.TimeoutError) as err:
            raise BleakError(f"could not connect to {self.address}: {err}") from err
        self._connection = connection
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            async with asyncio.timeout(self._timeout):
                self._peer = peer = Peer(connection)
                await peer.request_mtu(ATT_MTU)
                await peer.discover_all()
        except (core.BaseBumbleError, asyncio.TimeoutError) as err:
            await self.disconnect()
            raise BleakError(f"service discovery on {self.address} failed: {err}") from err
        self.services = self._collection(peer)

    def _collection(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        mtu = self.mtu_size
        for proxy in peer.services:
            service = BleakGATTService(proxy, proxy.handle, bleak_uuid(proxy.uuid))
            collection.add_service(service)
            for char in proxy.characteristics:
                props = [name for flag, name in _PROPERTY_NAMES.items() if char.properties & flag]
                characteristic = BleakGATTCharacteristic(char, char.handle, bleak_uuid(char.uuid), props,
                                                         lambda: mtu - 3, service)
                collection.add_characteristic(characteristic)
                for desc in char.descriptors:
                    collection.add_descriptor(BleakGATTDescriptor(desc, desc.handle, bleak_uuid(desc.type),
                                                                  characteristic))
        return collection

    def _on_disconnection(self, reason: int) -> None:
        self._connection = self._peer = None
        self._notify.clear()
        if self._disconnected_callback is not None and not self._leaving:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._leaving = True
        try:
            await connection.disconnect()
        except core.BaseBumbleError:
            pass  # already gone: the disconnection event has done the bookkeeping

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the simulated gates do not pair (the gate profile needs no bonding)")

    async def unpair(self) -> None:
        raise NotImplementedError("the simulated gates do not pair (the gate profile needs no bonding)")

    def _client(self) -> Peer:
        if self._peer is None:
            raise BleakError(f"not connected to {self.address}")
        return self._peer

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False,
                             **kwargs: Any) -> bytearray:
        return bytearray(await self._client().read_value(characteristic.handle))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False,
                                   **kwargs: Any) -> bytearray:
        return bytearray(await self._client().read_value(descriptor.handle))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any, response: bool) -> None:
        await self._client().write_value(characteristic.handle, bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._client().write_value(descriptor.handle, bytes(data), with_response=True)

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback,
                           **kwargs: Any) -> None:
        peer = self._client()

        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._notify[characteristic.handle] = deliver
        await peer.subscribe(characteristic.obj, deliver)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        deliver = self._notify.pop(characteristic.handle, None)
        if deliver is not None:
            await self._client().unsubscribe(characteristic.obj, deliver)


@functools.cache
def radio_from_env() -> BumbleRadio | None:
    """The simulator's radio if $GATES_BLE_HCI names one (what `gates simulate --ble` prints); one
    per process, shared by every BLE source, as one adapter would be."""
    spec = os.environ.get(HCI_ENV)
    if not spec:
        return None
    quiet_bumble()
    return BumbleRadio.over(spec)


def quiet_bumble() -> None:
    """bumble warns about every packet still in flight when a link drops, which a simulated drop is
    made of; on a terminal that is noise, so only its errors are shown."""
    logging.getLogger("bumble").setLevel(logging.ERROR)


class RadioServer:
    """`gates simulate --ble` for other processes: one more controller on the gates' link, served
    over a bumble HCI transport (a unix socket by default), that `BumbleRadio.over` drives."""

    def __init__(self, link: LocalLink, transport: Transport) -> None:
        self.transport = transport
        self.controller = GateController("gates-host", host_source=transport.source, host_sink=transport.sink,
                                         link=link)

    @classmethod
    async def serve(cls, link: LocalLink, socket_path: str) -> RadioServer:
        """Serve HCI on a unix socket (nothing listens on the network)."""
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        return cls(link, await open_transport(f"unix-server:{socket_path}"))

    async def close(self) -> None:
        await self.transport.close()
        server = getattr(self.transport, "server", None)
        if server is not None:
            server.close()
