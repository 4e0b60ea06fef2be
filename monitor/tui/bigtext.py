"""Block letters five rows high for the verdict banner: a word a coach can read from three metres.

Textual's `Digits` draws numbers only; the banner needs words (GO, CAUTION, END SESSION), so that
the verdict is unmistakable on a monochrome terminal as well as in colour. Drawn in full blocks, one
column of space between letters.
"""

from __future__ import annotations

ROWS = 5

_FONT_SOURCE = """
A| ███ |█   █|█████|█   █|█   █
B|████ |█   █|████ |█   █|████
C| ████|█    |█    |█    | ████
D|████ |█   █|█   █|█   █|████
E|█████|█    |████ |█    |█████
F|█████|█    |████ |█    |█
G| ████|█    |█  ██|█   █| ████
H|█   █|█   █|█████|█   █|█   █
I|███| █ | █ | █ |███
J|    █|    █|    █|█   █| ███
K|█   █|█  █ |███  |█  █ |█   █
L|█    |█    |█    |█    |█████
M|█   █|██ ██|█ █ █|█   █|█   █
N|█   █|██  █|█ █ █|█  ██|█   █
O| ███ |█   █|█   █|█   █| ███
P|████ |█   █|████ |█    |█
Q| ███ |█   █|█   █|█  ██| ████
R|████ |█   █|████ |█  █ |█   █
S| ████|█    | ███ |    █|████
T|█████|  █  |  █  |  █  |  █
U|█   █|█   █|█   █|█   █| ███
V|█   █|█   █|█   █| █ █ |  █
W|█   █|█   █|█ █ █|██ ██|█   █
X|█   █| █ █ |  █  | █ █ |█   █
Y|█   █| █ █ |  █  |  █  |  █
Z|█████|   █ |  █  | █   |█████
"""


def _parse(source: str) -> dict[str, tuple[str, ...]]:
    font: dict[str, tuple[str, ...]] = {}
    for line in source.strip("\n").splitlines():
        letter, *rows = line.split("|")
        width = max(len(row) for row in rows)
        font[letter] = tuple(row.ljust(width) for row in rows)
    font[" "] = ("   ",) * ROWS
    return font


FONT = _parse(_FONT_SOURCE)


def can_draw(word: str) -> bool:
    """Whether every letter of `word` is in the block font (a name with other letters is drawn plain)."""
    return all(ch in FONT for ch in word.upper())


def width(word: str) -> int:
    glyphs = [FONT[ch] for ch in word.upper()]
    return sum(len(g[0]) for g in glyphs) + max(0, len(glyphs) - 1)


def render(word: str) -> list[str]:
    """The word as ROWS lines of block letters (letters A–Z and space only)."""
    glyphs = [FONT[ch] for ch in word.upper()]
    return [" ".join(g[row] for g in glyphs) for row in range(ROWS)]
