"""Terminal tables: the column-at-a-time layout gives what laying out each cell on its own gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from qms.base.safetext import visible
from qms.cli.output import GUTTER, MAX_COLUMN, _fit, clip, display_width, render_rows


class Labelled(str):
    """A str subclass whose str() is not its text (as a str-mixin Enum's): a cell shows str()."""

    def __str__(self) -> str:
        return f"label {self[:]}"


CELLS = st.one_of(
    st.none(), st.integers(-999, 99999), st.floats(allow_nan=False, width=16), st.booleans(),
    st.dates(), st.just(Labelled("red")),
    st.lists(st.sampled_from(["a", "咖啡", "b c"]), max_size=3),
    st.text(st.sampled_from("ab Z9-×咖\u0301\t\n\x1b%"), max_size=70))
COLUMNS = ["standard", "mean", "note"]


def cell_text(value: Any) -> str:
    """One cell on its own, as the table shows it (an oracle: no column-wide shortcuts)."""
    if value is None:
        text = ""
    elif isinstance(value, (list, tuple)):
        text = ", ".join(cell_text(item) for item in value)
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    if text.isprintable():
        return text
    return visible(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def padded(text: str, width: int) -> str:
    shown = clip(text, width)
    return shown + " " * (width - display_width(shown))


@given(st.lists(st.fixed_dictionaries({}, optional={c: CELLS for c in COLUMNS}), max_size=8),
       st.sampled_from([12, 30, 200, 10**6]))
def test_a_table_is_its_cells_laid_out_one_by_one(rows: list[dict[str, Any]], width: int) -> None:
    headers = [c.upper() for c in COLUMNS]
    texts = [[cell_text(row.get(c)) for c in COLUMNS] for row in rows]
    widths = [min(MAX_COLUMN, max([display_width(h), *(display_width(t[i]) for t in texts)]))
              for i, h in enumerate(headers)]
    widths = _fit(widths, headers, width)
    expected = [(" " * GUTTER).join(padded(t, w) for t, w in zip(line, widths, strict=True))
                .rstrip() for line in [headers, *texts]]
    assert render_rows(rows, COLUMNS, "table", width=width) == "\n".join(expected)
