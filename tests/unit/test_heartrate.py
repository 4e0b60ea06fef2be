"""The Heart Rate Measurement (0x2A37) and Body Sensor Location (0x2A38) codec.

References the examples are built from:
- the Bluetooth SIG's characteristic XML `org.bluetooth.characteristic.heart_rate_measurement`, as
  mirrored verbatim in particle-iot/docs, src/content/reference/device-os/bluetooth-le.md (flag bits,
  contact keys 0-3, Energy Expended in kJ, RR in 1/1024 s with value 0 the oldest);
- the public parser in abcsds/hrv, src/helperfuncs.py (from fg1/BLEHeartRateLogger): contact
  `(flags >> 1) & 3`, 2 = no contact, 3 = contact, anything else unsupported;
- the flag table in elp3dr0/WRowFusion, docs/ble_client.md, whose example flags 0x1B we decode by the
  SIG's table (contact bits 01: not supported);
- bumble's own Heart Rate service, google/bumble bumble/profiles/heart_rate_service.py
  (`HeartRateService.HeartRateMeasurement.from_bytes` / `__bytes__`), run here as the reference
  implementation in both directions, and its BodySensorLocation enumeration.
"""

import struct

from bumble.profiles.heart_rate_service import HeartRateService
from hypothesis import given
from hypothesis import strategies as st

from gates.heartrate import (
    BodySensorLocation, Contact, HrSample, Measurement, MeasurementDecoder, decode_body_sensor_location,
    decode_measurement, encode_body_sensor_location, encode_measurement, rr_from_us, rr_to_us,
)

Reference = HeartRateService.HeartRateMeasurement


def test_the_smallest_measurement_is_flags_and_a_uint8_bpm():
    assert decode_measurement(bytes([0x00, 72])) == Measurement(72)
    assert encode_measurement(Measurement(72)) == bytes([0x00, 72])


def test_bit_0_makes_bpm_a_little_endian_uint16():
    assert decode_measurement(bytes([0x01, 0x2C, 0x01])) == Measurement(300)
    assert encode_measurement(Measurement(300)) == bytes([0x01, 0x2C, 0x01])
    assert encode_measurement(Measurement(72), wide=True) == bytes([0x01, 72, 0])


def test_contact_bits_as_the_sig_enumerates_them():
    # keys 0 and 1: not supported; 2: supported, no contact; 3: contact (bits 1-2 of the flags)
    assert [decode_measurement(bytes([key << 1, 80])).contact for key in range(4)] == [
        Contact.UNSUPPORTED, Contact.UNSUPPORTED, Contact.LOST, Contact.OK]
    assert encode_measurement(Measurement(80, Contact.OK))[0] == 0x06
    assert encode_measurement(Measurement(80, Contact.LOST))[0] == 0x04


def test_wrowfusion_flags_0x1b_wide_bpm_energy_and_rr_contact_not_supported():
    data = bytes([0x1B]) + struct.pack("<HHHH", 150, 420, 410, 398)
    assert decode_measurement(data) == Measurement(150, Contact.UNSUPPORTED, 420, (410, 398))


def test_energy_comes_before_rr_and_rr_are_oldest_first():
    data = bytes([0x1E, 165]) + struct.pack("<HHH", 12, 380, 372)
    assert decode_measurement(data) == Measurement(165, Contact.OK, 12, (380, 372))
    assert encode_measurement(Measurement(165, Contact.OK, 12, (380, 372))) == data


def test_rr_in_1024ths_of_a_second_convert_to_microseconds():
    assert rr_to_us(1024) == 1_000_000 and rr_to_us(512) == 500_000 and rr_to_us(811) == 791_992
    assert rr_from_us(791_992) == 811
    sample = HrSample("AA:BB:CC:DD:EE:FF", 5, 74, Contact.OK, (811, 820))
    assert sample.rr_us == (791_992, 800_781)


def test_reserved_flag_bits_are_ignored():
    assert decode_measurement(bytes([0xE0, 61])) == Measurement(61)


def test_a_notification_shorter_or_longer_than_its_flags_say_is_not_trusted():
    for data in [b"", b"\x00", b"\x01\x50", b"\x08\x50\x01", b"\x10\x50\x01", b"\x00\x50\x01\x02",
                 b"\x10\x50\x01\x02\x03"]:
        assert decode_measurement(data) is None, data.hex()
    assert decode_measurement(b"\x10\x50") == Measurement(80)  # bit 4 with no interval yet: none


def test_the_decoder_stamps_host_time_and_counts_what_it_drops():
    decoder = MeasurementDecoder("C0:FF:EE:00:10:01")
    assert decoder.feed(bytearray(b"\x16\x4a\x2b\x03"), 123) == HrSample(
        "C0:FF:EE:00:10:01", 123, 74, Contact.OK, (811,))
    assert decoder.feed(b"\x01\x4a", 124) is None
    assert (decoder.dropped_frames, decoder.dropped_bytes) == (1, 2)


def test_encoding_refuses_values_the_characteristic_cannot_carry():
    for bad in [Measurement(70000), Measurement(60, energy_kj=-1), Measurement(60, rr_1024=(1 << 16,))]:
        try:
            encode_measurement(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was encoded")


def test_body_sensor_location_values_and_reserved_ones():
    assert decode_body_sensor_location(b"\x01") is BodySensorLocation.CHEST
    assert [int(x) for x in BodySensorLocation] == [int(x) for x in HeartRateService.BodySensorLocation]
    assert encode_body_sensor_location(BodySensorLocation.WRIST) == b"\x02"
    assert decode_body_sensor_location(b"\x07") is None and decode_body_sensor_location(b"") is None
    assert decode_body_sensor_location(b"\x01\x00") is None


measurements = st.builds(
    Measurement, st.integers(0, 0xFFFF), st.sampled_from(list(Contact)),
    st.none() | st.integers(0, 0xFFFF), st.lists(st.integers(0, 0xFFFF), max_size=9).map(tuple))


@given(st.binary(max_size=64))
def test_any_bytes_decode_to_a_bounded_measurement_or_none_and_never_raise(data):
    m = decode_measurement(data)
    if m is not None:
        assert 0 <= m.bpm <= 0xFFFF and len(m.rr_1024) <= (len(data) - 2) // 2
        again = encode_measurement(m, wide=bool(data[0] & 1))  # the same fields, flags normalised
        assert len(again) == len(data) and decode_measurement(again) == m
    assert decode_body_sensor_location(data) in (None, *BodySensorLocation)


@given(st.lists(st.binary(max_size=24), max_size=30))
def test_every_notification_is_a_sample_or_counted_as_dropped(notifications):
    decoder = MeasurementDecoder("s")
    samples = [s for i, data in enumerate(notifications) if (s := decoder.feed(data, i)) is not None]
    assert len(samples) + decoder.dropped_frames == len(notifications)
    assert decoder.dropped_bytes <= sum(map(len, notifications))


@given(measurements, st.booleans())
def test_what_we_encode_decodes_to_itself(m, wide):
    assert decode_measurement(encode_measurement(m, wide=wide)) == m


@given(measurements)
def test_bumble_reads_what_we_send(m):
    ref = Reference.from_bytes(encode_measurement(m))
    assert ref.heart_rate == m.bpm and ref.energy_expended == m.energy_kj
    assert ref.sensor_contact_detected == {Contact.UNSUPPORTED: None, Contact.LOST: False, Contact.OK: True}[m.contact]
    assert tuple(round(rr * 1024) for rr in ref.rr_intervals or ()) == m.rr_1024


@given(st.integers(0, 0xFFFF), st.none() | st.booleans(), st.none() | st.integers(0, 0xFFFF),
       st.none() | st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=9))
def test_we_read_what_bumble_sends(bpm, detected, energy, rr):
    ref = Reference(bpm, detected, energy, None if rr is None else [x / 1024 for x in rr])
    m = decode_measurement(bytes(ref))
    assert m == Measurement(bpm, {None: Contact.UNSUPPORTED, False: Contact.LOST, True: Contact.OK}[detected],
                            energy, tuple(rr or ()))
