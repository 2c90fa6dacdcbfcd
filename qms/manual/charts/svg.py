"""A small SVG writer: paths, marks, texts and groups in points from the top left.

Every chart is a static SVG written at build time: no JavaScript, nothing from the internet, the
same bytes for the same data (coordinates rounded to 0.01 pt, ids named after what they draw),
text kept as <text> (selectable, searchable, Chinese drawn with the reader's fonts), ink in
`currentColor` (furo's light and dark themes) and a viewBox that scales to the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from html import escape  # xml.sax.saxutils would load urllib (25 ms)

INK = "currentColor"
# an SVG inlined in a page takes the theme's text colour; a standalone one (an <img>) gets this
# grey, with 4.3:1 contrast on furo's white and dark backgrounds
FALLBACK_INK = "#7a7a7a"
# the layout is measured in DejaVu Sans; the reader's browser falls back to these for Chinese
FONT_FAMILIES = ("'DejaVu Sans'", "'Noto Sans CJK SC'", "'Source Han Sans SC'", "'PingFang SC'",
                 "'Microsoft YaHei'", "sans-serif")
FONT_SIZE = 9  # points, unless a text says otherwise
STYLE = (f"svg.qms-chart:root{{color:{FALLBACK_INK}}}"
         f".qms-chart text{{font-family:{', '.join(FONT_FAMILIES)};font-size:{FONT_SIZE}px;"
         "text-anchor:middle;fill:currentColor}"
         ".qms-chart path{stroke-linejoin:round}")
# hatches: the stroke pattern inside a tile of HATCH points (empty: none)
HATCH = 6
HATCH_STROKES = {"//": "M-1 1L1-1M0 6L6 0M5 7L7 5", "..": "M1.5 1.5h0M4.5 4.5h0",
                 "xx": "M0 6L6 0M0 0L6 6", "\\\\": "M-1 5L1 7M0 0L6 6M5-1L7 1",
                 "--": "M0 3H6"}
MARKER_NAMES = {"o": "dot", "s": "square", "^": "up", "v": "down", "D": "diamond", "P": "plus",
                "X": "cross"}
ANCHORS = {"left": "start", "center": "middle", "right": "end"}


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros, the same on every machine."""
    text = f"{value:.2f}"
    # most coordinates: two decimals, nothing to strip (and never -0)
    return text if text[-1] != "0" else _stripped(text)


def spots(points: Iterable[tuple[float, float] | None]) -> list[str | None]:
    """Each point as 'x y' text (None stays None): formatted once, for a line and its dots."""
    # num written out: a year of weekly readings per site makes half a million coordinates.
    # Both in one format; the few with a zero to strip (x's ends before the space) again.
    listed = list(points)
    texts: list[str | None] = [f"{point[0]:.2f} {point[1]:.2f}" if point is not None else None
                               for point in listed]
    for index, text in enumerate(texts):
        if text is not None and (text[-1] == "0" or "0 " in text):
            x, y = text.split(" ")
            texts[index] = f"{_stripped(x) if x[-1] == '0' else x} {_stripped(y)}"
    return texts


def _stripped(text: str) -> str:
    # num's second half: a coordinate already written with two decimals, its zeros dropped
    if text[-1] != "0":
        return text
    text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def polyline(points: Iterable[tuple[float, float] | None]) -> str:
    """Path data through the points; None breaks the line there."""
    return path_through(spots(points))


def path_through(texts: Iterable[str | None], *, lone: str = "") -> str:
    """Path data through points already written as 'x y' text; None breaks the line there
    (`lone` is written after a point without a neighbour: 'h0' makes it a segment)."""
    listed = texts if isinstance(texts, list) else list(texts)
    if None not in listed:  # one unbroken line (most series): joined in one go
        if len(listed) == 1:
            return f"M{listed[0]}{lone}"
        return "M" + "L".join(listed) if listed else ""  # type: ignore[arg-type]
    parts: list[str] = []
    for index, text in enumerate(listed):
        if text is None:
            continue
        from_last = index > 0 and listed[index - 1] is not None
        to_next = index + 1 < len(listed) and listed[index + 1] is not None
        parts.append(("L" if from_last else "M") + text + ("" if from_last or to_next else lone))
    return "".join(parts)


@lru_cache(maxsize=64)
def marker_path(shape: str, size: float) -> str:
    """Path data of a marker `size` points across, centred on 0 0 (shapes as matplotlib's)."""
    h = size / 2
    if shape == "o":
        arc = f"a{num(h)} {num(h)} 0 1 0"
        return f"M{num(-h)} 0{arc} {num(size)} 0{arc} {num(-size)} 0z"
    corners: Sequence[tuple[float, float]]
    if shape == "s":
        corners = ((-h, -h), (h, -h), (h, h), (-h, h))
    elif shape == "^":
        corners = ((0, -h), (h, h), (-h, h))
    elif shape == "v":
        corners = ((0, h), (h, -h), (-h, -h))
    elif shape == "D":
        d = h * 2 ** 0.5  # a square turned 45°: its diagonal is the size
        corners = ((0, -d), (d, 0), (0, d), (-d, 0))
    else:  # "P" a filled plus, "X" the same turned 45°
        t = h / 3
        plus = ((-t, -h), (t, -h), (t, -t), (h, -t), (h, t), (t, t), (t, h), (-t, h), (-t, t),
                (-h, t), (-h, -t), (-t, -t))
        root = 0.5 ** 0.5
        corners = plus if shape == "P" else tuple(
            ((x - y) * root, (x + y) * root) for x, y in plus)
    return "M" + "L".join(f"{num(x)} {num(y)}" for x, y in corners) + "z"


def dashes(style: str, width: float) -> str:
    """The stroke-dasharray of a matplotlib line style, scaled by the line's width."""
    pattern = {"--": (3.7, 1.6), "-.": (6.4, 1.6, 1.0, 1.6), ":": (1.0, 1.65)}.get(style)
    return ",".join(num(part * width) for part in pattern) if pattern else ""


@lru_cache(maxsize=256)  # a chart strokes a few dozen paths in a handful of styles
def stroke(colour: str, width: float, style: str = "-", opacity: float = 1.0) -> str:
    """The style of a stroked, unfilled path."""
    text = f"fill:none;stroke:{colour};stroke-width:{num(width)}"
    dash = dashes(style, width)
    if dash:
        text += f";stroke-dasharray:{dash}"
    if opacity < 1:
        text += f";stroke-opacity:{num(opacity)}"
    return text


@lru_cache(maxsize=256)
def _text_style(size: float, anchor: str, extra: str) -> str:
    # A chart writes a score of texts in two or three styles: each style's attribute made once.
    styles = [f"font-size:{num(size)}px"] if size != FONT_SIZE else []
    if anchor != "center":
        styles.append(f"text-anchor:{ANCHORS[anchor]}")
    if extra:
        styles.append(extra)
    return f' style="{";".join(styles)}"' if styles else ""


class Svg:
    """One SVG document built up element by element."""

    def __init__(self, width: float, height: float) -> None:
        """An empty drawing width × height points."""
        self.width, self.height = width, height
        self.parts: list[str] = []
        self.defs: dict[str, str] = {}

    def open(self, name: str, style: str = "") -> None:
        """Start a group of class `name` (closed by close)."""
        styled = f' style="{style}"' if style else ""
        self.parts.append(f'<g class="{name}"{styled}>')

    def close(self) -> None:
        """End the innermost group."""
        self.parts.append("</g>")

    def path(self, data: str, style: str) -> None:
        """A path (nothing when it has no data)."""
        if data:
            self.parts.append(f'<path d="{data}" style="{style}"/>')

    def rect(self, x: float, y: float, width: float, height: float, style: str) -> None:
        """A rectangle from its top left corner (a negative height is drawn upwards)."""
        if height < 0:
            y, height = y + height, -height
        self.parts.append(f'<rect x="{num(x)}" y="{num(y)}" width="{num(width)}" '
                          f'height="{num(height)}" style="{style}"/>')

    def hatch(self, pattern: str) -> str:
        """A fill of hatch lines in currentColor, defined once per drawing ('' for none)."""
        strokes = HATCH_STROKES.get(pattern)
        if not strokes:
            return ""
        name = "qms-hatch-" + "".join(f"{ord(char):x}" for char in pattern[:1])
        width = "1.5" if pattern == ".." else "1"
        cap = ";stroke-linecap:round" if pattern == ".." else ""
        self.defs[name] = (f'<pattern id="{name}" patternUnits="userSpaceOnUse" width="{HATCH}" '
                           f'height="{HATCH}"><path d="{strokes}" style="fill:none;stroke:'
                           f'currentColor;stroke-width:{width}{cap}"/></pattern>')
        return f"url(#{name})"

    def marks(self, shape: str, size: float, places: Iterable[tuple[float, float]], *,
              edge: float = 1.0, hollow: bool = False) -> None:
        """A marker at each place, coloured by the enclosing group (its edge `edge` wide)."""
        if shape == "o" and not hollow:
            self.dots(spots(places), size, edge=edge)
            return
        name = f"qms-{MARKER_NAMES.get(shape, 'mark')}-{num(size)}"
        self.defs[name] = f'<path id="{name}" d="{marker_path(shape, size)}"/>'
        self.parts.extend(f'<use href="#{name}" x="{num(x)}" y="{num(y)}"/>' for x, y in places)

    def dots(self, texts: Iterable[str | None], size: float, *, edge: float = 1.0) -> None:
        """A filled round marker at each point written as 'x y' text (None: no dot there)."""
        # a round cap on a zero-length line is a filled dot: a fifth of the bytes of a <use>
        kept = [text for text in texts if text is not None]
        self.path("M" + "h0M".join(kept) + "h0" if kept else "",
                  f"fill:none;stroke-width:{num(size + edge)};stroke-linecap:round")

    def dotted_line(self, texts: Sequence[str | None], colour: str, width: float,
                    size: float, *, edge: float = 1.0) -> None:
        """A line through points written as 'x y' text (None breaks it) with a filled round dot
        `size + edge` across on every point, all in one colour."""
        # The dots are the line's markers: each point is written once, not again for its dot
        # (a year of weekly readings drawn twice per measure page). A point alone between gaps
        # gets a zero-length segment, so that it is a vertex with a dot in every renderer.
        across = size + edge
        name = f"qms-dot-{colour.lstrip('#').lower()}-{num(across)}"
        box = num(across + 2)  # the dot and a point of margin: nothing of it clipped
        self.defs[name] = (f'<marker id="{name}" markerUnits="userSpaceOnUse" markerWidth="{box}" '
                           f'markerHeight="{box}" viewBox="-{num((across + 2) / 2)} '
                           f'-{num((across + 2) / 2)} {box} {box}"><circle r="{num(across / 2)}" '
                           f'style="fill:{colour}"/></marker>')
        self.path(path_through(texts, lone="h0"),
                  f"{stroke(colour, width)};marker:url(#{name})")

    def text(self, x: float, y: float, content: str, size: float = FONT_SIZE, *,
             anchor: str = "center", turn: float = 0.0, extra: str = "") -> None:
        """Text whose baseline starts (left), centres (center) or ends (right) at x, y; turned
        counter-clockwise by `turn` degrees round that point."""
        at_x, at_y = num(x), num(y)
        turned = f' transform="rotate({num(-turn)} {at_x} {at_y})"' if turn else ""
        self.parts.append(f'<text x="{at_x}" y="{at_y}"{turned}{_text_style(size, anchor, extra)}>'
                          f"{escape(content, quote=False)}</text>")

    def document(self, title: str, description: str) -> str:
        """The SVG element: title and description first (screen readers), then the drawing.

        Charts are inlined side by side in a page, whose ids are one namespace (HTML allows an
        id once per page): each id defined here, and every reference to it, ends in a digest of
        the drawing, so two charts' ids never meet and the same drawing keeps the same bytes."""
        defs = "".join(self.defs[name] for name in sorted(self.defs))
        head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" class="qms-chart" '
                f'role="img" viewBox="0 0 {num(self.width)} {num(self.height)}">',
                f"<title>{escape(title, quote=False)}</title>",
                f"<desc>{escape(description, quote=False)}</desc>",
                f"<style>{STYLE}</style>"]
        body = [*([f"<defs>{defs}</defs>"] if defs else []), *self.parts, "</svg>"]
        if self.defs:
            drawing = "\n".join(head + body).encode("utf-8", "replace")
            tag = "-" + hashlib.blake2b(drawing, digest_size=4).hexdigest()
            # (a text's words are the repository's: never changed, whatever they say)
            body = [_with_tag(part, self.defs, tag)
                    if "qms-" in part and not part.startswith("<text") else part
                    for part in body]
        return "\n".join(head + body)


def _with_tag(part: str, names: Iterable[str], tag: str) -> str:
    # Each id and reference whole: one id may begin another (qms-dot-…-5, qms-dot-…-5.5).
    for name in names:
        for form in ('id="{}"', '"#{}"', "#{})"):
            part = part.replace(form.format(name), form.format(name + tag))
    return part
