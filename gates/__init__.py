"""Pure core of the timing-gate monitor: domain values, wire codecs, rep assembly.

No I/O, no asyncio, no Textual here: drivers own I/O, simulators own time, this package owns meaning.
"""
