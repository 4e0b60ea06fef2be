"""A session's events packed as columns: a derived cache that reads back without stepping SQLite's rows.

Reading a session row by row costs SQLite's stepping and a Python tuple per row before any event is
built; that alone is half of what the first reader took. A pack holds the same rows (those with an id
up to its mark) as numpy columns: the integers delta-coded in the narrowest type that holds them,
kind, source, channel and flag dictionary-coded, start_number with a null mask, every column in one
zlib stream and the frames' bytes, joined by a separator none of them contains, in another (a
derivation, which never reads the bytes, never inflates them). Filters are numpy masks applied before
any object is built, and the objects are built by `map` over the columns with the cyclic collector
paused (they hold no cycles). Events are never updated or deleted, so the store serves a pack plus the
rows after its mark (monitor/store/db.py).

The layout is `FORMAT`; a pack of another format, or whose rows do not match its mark, is not served.
"""

from __future__ import annotations

import gc
import json
import zlib
from collections.abc import Sequence

import numpy as np

from gates.events import GateEvent, Kind
from monitor.session.facts import StoredEvent

FORMAT = 1
LEVEL = 1  # inflating costs the same at any level; 6 packs 15 % tighter but deflates 1.6x slower
SEPARATORS = (b"\x00", b"\xff\xfe", b"\x00\xff\x00\xfe", b"\xa5\x00\x5a\xff\xc3\x00\x3c\xff")
_NARROW = (np.int8, np.int16, np.int32, np.int64)
_KIND_OF = {k.value: k for k in Kind}
_NONE = type(None)


def pack(session: int, rows: Sequence[tuple]) -> bytes | None:
    """The pack of a session's rows (id, source, gate, seq, device_us, host_ns, kind, start_number, channel,
    flag, raw, in id order: `db.PACK_ROWS`); None if there are none or one holds what a
    pack cannot (a value of another type than the store writes, an unknown kind, bytes no separator
    keeps apart): those sessions are read from their rows."""
    if not rows:
        return None
    ids, sources, gates, seqs, device_us, host_ns, kinds, numbers, channels, flags, raws = zip(*rows)
    ints = [np.array(col) for col in (ids, gates, seqs, device_us, host_ns)]  # integers only if dtype says so
    if not (all(col.dtype.kind == "i" for col in ints) and _only((int, _NONE), numbers)
            and _only((str,), sources, flags) and _only((str, _NONE), channels) and _only((bytes,), raws)
            and set(kinds) <= _KIND_OF.keys()):
        return None
    sep = next((s for s in SEPARATORS if s.join(raws).split(s) == list(raws)), None)
    if sep is None:
        return None
    nulls = np.array([n is None for n in numbers], dtype=np.bool_)
    ints = [col.astype(np.int64) for col in ints]
    ints.append(np.array([0 if n is None else n for n in numbers], dtype=np.int64))
    deltas = [_narrow(np.diff(col, prepend=np.int64(0))) for col in ints]  # wraps, and cumsum wraps back
    coded = [_codes(col) for col in (sources, kinds, channels, flags)]
    header = {"session": session, "n": len(rows), "last": ids[-1], "ints": [d.dtype.str for d in deltas],
              "dicts": [values for values, _ in coded], "codes": [c.dtype.str for _, c in coded],
              "nulls": bool(nulls.any()), "sep": sep.hex()}
    columns = zlib.compress(b"".join([*(d.tobytes() for d in deltas), *(c.tobytes() for _, c in coded),
                                      nulls.tobytes() if header["nulls"] else b""]), LEVEL)
    header["columns"] = len(columns)
    head = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    return len(head).to_bytes(4, "little") + head + columns + zlib.compress(sep.join(raws), LEVEL)


def read(data: bytes, session: int, last: int, count: int, **filters: object) -> list[StoredEvent] | None:
    """The pack's events (`filters`: `after`, `until`, `source`, `kinds` as values, `raw`, as `SessionStore.events`
    takes them) if the pack is what its row says (`session`'s `count` rows up to id `last`,
    as the events table holds them) and reads whole; else None: that pack is not served."""
    try:
        size = int.from_bytes(data[:4], "little")
        head = json.loads(data[4:4 + size])
        if (head["session"], head["n"], head["last"]) != (session, count, last):
            return None
        return _unpack(data, head, 4 + size, **filters)
    except (ValueError, KeyError, TypeError, IndexError, zlib.error):  # not a pack this code wrote
        return None


def _unpack(data: bytes, head: dict, start: int, *, after: int = 0, until: int | None = None,
            source: str | None = None, kinds: frozenset[str] | None = None, raw: bool = True) -> list[StoredEvent]:
    """The packed events (`head`: the pack's header, `start`: where its columns begin) with `after` < id <=
    `until`, of `source` and `kinds` (values) if given, in id order, as `SessionStore.events` gives them
    (without their bytes unless `raw`)."""
    n = head["n"]
    body = zlib.decompress(data[start:start + head["columns"]])
    offset = 0
    ints = []
    for dtype in head["ints"]:
        column = np.frombuffer(body, dtype=dtype, count=n, offset=offset)
        offset += column.nbytes
        ints.append(np.cumsum(column, dtype=np.int64))
    codes = []
    for dtype in head["codes"]:
        column = np.frombuffer(body, dtype=dtype, count=n, offset=offset)
        offset += column.nbytes
        codes.append(column)
    nulls = np.frombuffer(body, dtype=np.bool_, count=n, offset=offset) if head["nulls"] else None
    sources, kind_values, channels, flags = head["dicts"]
    ids = ints[0]
    keep = ids > after
    if until is not None:
        keep &= ids <= until
    if source is not None:
        keep &= codes[0] == (sources.index(source) if source in sources else -1)
    if kinds is not None:
        keep &= np.isin(codes[1], [i for i, k in enumerate(kind_values) if k in kinds])
    chosen = None if keep.all() else np.flatnonzero(keep)
    if chosen is not None:
        ints = [c[chosen] for c in ints]
        codes = [c[chosen] for c in codes]
        nulls = None if nulls is None else nulls[chosen]
    ids, gates, seqs, device_us, host_ns = (c.tolist() for c in ints[:5])
    if nulls is not None and nulls.all():  # no start numbers: the gates that send none
        numbers = [None] * len(ids)
    else:
        numbers = ints[5].tolist()
        if nulls is not None:
            numbers = [None if null else number for null, number in zip(nulls.tolist(), numbers)]
    kind_objects = [_KIND_OF[k] for k in kind_values]
    columns = [_decode(values, c) for values, c in zip((sources, kind_objects, channels, flags), codes)]
    fields = [gates, seqs, device_us, host_ns, columns[1], numbers, columns[2], columns[3]]
    if raw:
        frames = zlib.decompress(data[start + head["columns"]:]).split(bytes.fromhex(head["sep"]))
        fields.append(frames if chosen is None else list(map(frames.__getitem__, chosen.tolist())))
    paused = gc.isenabled()
    gc.disable()  # a hundred thousand objects without a cycle among them: nothing for the collector to find
    try:
        return list(map(StoredEvent, ids, columns[0], map(GateEvent, *fields)))
    finally:
        if paused:
            gc.enable()


def _only(types: tuple[type, ...], *columns: Sequence) -> bool:
    return all(set(map(type, column)) <= set(types) for column in columns)


def _narrow(column: np.ndarray) -> np.ndarray:
    """`column` in the narrowest signed type that holds every value."""
    low, high = int(column.min()), int(column.max())
    dtype = next(t for t in _NARROW if np.iinfo(t).min <= low and high <= np.iinfo(t).max)
    return column.astype(dtype)


def _codes(values: Sequence) -> tuple[list, np.ndarray]:
    """(the distinct values in order of first appearance, each value's index among them)."""
    distinct = list(dict.fromkeys(values))
    dtype = np.uint8 if len(distinct) <= 256 else np.int32
    if len(distinct) == 1:
        return distinct, np.zeros(len(values), dtype=dtype)
    index = {v: i for i, v in enumerate(distinct)}.__getitem__
    return distinct, np.fromiter(map(index, values), dtype=dtype, count=len(values))


def _decode(values: list, codes: np.ndarray) -> list:
    if len(values) == 1:
        return [values[0]] * len(codes)
    return list(map(values.__getitem__, codes.tolist()))
