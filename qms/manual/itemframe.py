"""An item page's frame: the theme's page drawn once with stand-ins for what differs from page
to page (title, article, name), filled in per page, escaped as the theme's template escapes each
(sphinx_frame draws and checks it in Sphinx's build; itemdirect fills it in without Sphinx).

No Sphinx here: a build that only writes item pages does not import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", ">": "&gt;", "@": "&#64;"})
# The stand-ins. The title's characters are escaped differently by the title as it is and by
# `striptags|e` (' " @); the name is letters and digits only, as shown by any escaping.
NAME = "qms0frame0page0name"
TITLE = "qms0frame0title '\"@<&>"
BODY = "<!--qms0frame0body-->"
# A page name any escaping leaves as it is (others are not filled into a frame).
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def escaped_title(title: str) -> str:
    """A page's title (text) as the page's context gives it to the theme (HTML)."""
    return title.translate(_ESCAPES)


def _title_text(title: str) -> str:
    # `title|striptags|e` of the theme's <title>
    return str(escape(Markup(title).striptags()))


_FILLERS = {escaped_title(TITLE): "title", _title_text(escaped_title(TITLE)): "title-text",
            BODY: "body", NAME: "name"}
_STAND_INS = re.compile("|".join(re.escape(text) for text in _FILLERS))


@dataclass(frozen=True)
class Frame:
    """An item page's frame: its text between the places each page fills in, and what goes
    in each place."""

    pieces: tuple[str, ...]
    places: tuple[str, ...]

    @classmethod
    def of(cls, drawn: str) -> Frame:
        """The frame of a page drawn with the stand-ins."""
        parts = _STAND_INS.split(drawn)
        return cls(tuple(parts), tuple(_FILLERS[m.group()] for m in _STAND_INS.finditer(drawn)))

    def fill(self, title: str, body: str, name: str) -> str:
        """The page with this title (as the context gives it), article and name."""
        values = {"title": title, "title-text": _title_text(title), "body": body, "name": name}
        out = [self.pieces[0]]
        for place, piece in zip(self.places, self.pieces[1:], strict=True):
            out += (values[place], piece)
        return "".join(out)
