"""Write qms/manual/charts/fontwidths.py: DejaVu Sans advance widths, read once from the font file
matplotlib ships (the charts size their margins from these widths and never load matplotlib).

    .venv/bin/python bench/make_font_widths.py

Run it again only to change the table; the output is the same for the same font file.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from matplotlib import __version__, ft2font, get_data_path
from matplotlib.ft2font import FT2Font

OUTPUT = Path(__file__).resolve().parent.parent / "qms" / "manual" / "charts" / "fontwidths.py"
LAST = 0xFFFF  # the basic plane: beyond it DejaVu has only a few symbols
# font units, not pixels (matplotlib 3.10 moved the flag into an enum)
NO_SCALE = (getattr(getattr(ft2font, "LoadFlags", None), "NO_SCALE", None)
            or vars(ft2font)["LOAD_NO_SCALE"])
WIDTH = 92  # characters of table per line


def widths(font: FT2Font) -> dict[int, int]:
    """Advance width in font units of every character the font has a glyph for, wide (East
    Asian) characters left out (the charts count them as one em)."""
    found = {}
    for code in sorted(font.get_charmap()):
        if code > LAST or unicodedata.east_asian_width(chr(code)) in "WF":
            continue
        found[code] = font.load_char(code, flags=NO_SCALE).horiAdvance
    return found


def tokens(table: dict[int, int]) -> list[str]:
    """The table as words: `@20` starts a run at U+0020, `651` is the next character's width and
    `1303*10` ten characters of the same width."""
    words: list[str] = []
    following = -1
    codes = list(table)
    index = 0
    while index < len(codes):
        code = codes[index]
        if code != following:
            words.append(f"@{code:X}")
        end = index
        while (end + 1 < len(codes) and codes[end + 1] == codes[end] + 1
               and table[codes[end + 1]] == table[code]):
            end += 1
        count = end - index + 1
        words.append(f"{table[code]}*{count}" if count > 1 else str(table[code]))
        following = codes[end] + 1
        index = end + 1
    return words


def module(font: FT2Font) -> str:
    """The Python source of the table."""
    lines = [
        f'"""DejaVu Sans advance widths in font units (written by bench/make_font_widths.py from '
        f"matplotlib\n{__version__}'s DejaVuSans.ttf; do not edit).",
        "",
        "Words: `@20` starts a run of consecutive characters at U+0020, `651` is the width of the",
        "next one, `1303*10` the width of the next ten.",
        '"""',
        "",
        f"UNITS_PER_EM = {font.units_per_EM}",
        "TABLE = (",
    ]
    line = ""
    for word in tokens(widths(font)):
        if len(line) + len(word) + 1 > WIDTH:
            lines.append(f'    "{line} "')
            line = ""
        line = f"{line} {word}" if line else word
    lines.append(f'    "{line}"')
    lines.append(")")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write the table."""
    font = FT2Font(f"{get_data_path()}/fonts/ttf/DejaVuSans.ttf")
    OUTPUT.write_text(module(font), encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
