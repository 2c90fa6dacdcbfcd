"""The search index of an edit written without Sphinx, changed only where the edit changed it.

Sphinx writes searchindex.js as `Search.setIndex(` + json.dumps(index, sort_keys=True) +
`)`: with json's own separators (", " and ": ", Sphinx 8.0) or without spaces (8.1 on); the
separators are taken from the index's first key. After an edit of one standard, a dozen pages
gained or lost a few words; decoding the whole index, merging and encoding it again cost a
third of a second at 5,000 standards (6.7 MB). Here the index's sections are found in the text
and only what changed is written again:

- `terms` and `titleterms` (word -> page number, or the sorted page numbers; two thirds of
  the file): only the entries of words a changed page gained or lost are rewritten, and a new
  word goes in where the sorted keys put it;
- `titles`, `filenames` and `alltitles` are decoded and encoded again only when a changed
  page's title (or file name) changed; every other section is left as it is.

What the changed pages held before comes from an indexer fed their previous versions, and must
agree with the index: a page to take out of a word's entry that is not in it, or one to add that
already is, means the index is not the one those versions made, and None sends the caller to
the whole-index merge. So does a section, or a word's entry, that is changed here and does not
encode back to the text it has: what is written again is written as Sphinx writes it.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

PREFIX, SUFFIX = "Search.setIndex(", ")"
_KEY = r'"((?:[^"\\]|\\.)*)"'  # a key, as json.dumps writes it (its separator follows)
_NUMBER = re.compile(r"\d+")
_DECODER = json.JSONDecoder()
WORD_SECTIONS = (("terms", "_mapping"), ("titleterms", "_title_mapping"))
Span = tuple[int, int]
Entry = tuple[str, int, int, int]  # a word's key (as encoded), its start, its value's start and end


@dataclass(frozen=True)
class Style:
    """How the index's JSON separates items and keys from values."""

    item: str
    key: str

    @classmethod
    def of(cls, text: str) -> Style | None:
        """The style of an index (None: not an index)."""
        first = re.compile(_KEY + "(: ?)").match(text, len(PREFIX) + 1)
        if not text.startswith(PREFIX + "{") or first is None:
            return None
        return cls(", ", ": ") if first.group(2) == ": " else cls(",", ":")

    @functools.cached_property
    def key_pattern(self) -> re.Pattern[str]:
        """A key and the separator after it."""
        return re.compile(_KEY + re.escape(self.key))

    def dumps(self, value: Any) -> str:
        """A value as Sphinx's js_index encodes the index."""
        return json.dumps(value, separators=(self.item, self.key), sort_keys=True)


def patched_index(text: str, before: Any, after: Any) -> str | None:
    """The index with the pages fed to `after` (a sphinx.search.IndexBuilder) changed from
    what they were when fed to `before` (the same pages as they were); None when the index is
    not as expected."""
    try:
        return _patched(text, before, after)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def _patched(text: str, before: Any, after: Any) -> str | None:
    style = Style.of(text)
    if style is None:
        return None
    sections, values, words = _sections(text, style)
    if sections is None or set(before._titles) != set(after._titles):
        return None
    position = {docname: i for i, docname in enumerate(values["docnames"])}
    changed = {position[docname]: docname for docname in after._titles}
    replaced: dict[str, str] = {}
    for name, attribute in WORD_SECTIONS:
        found = _word_changes(getattr(before, attribute), getattr(after, attribute), position)
        if found:
            patched = _patched_words(text, words[name], found, style)
            if patched is None:
                return None
            replaced[name] = patched
    for name, attribute in (("titles", "_titles"), ("filenames", "_filenames")):
        was, now = getattr(before, attribute), getattr(after, attribute)
        if any(was.get(d) != now.get(d) for d in changed.values()):
            listed = values[name]
            if not _encodes_back(text, sections[name], listed, style):
                return None
            for number, docname in changed.items():
                if listed[number] != was.get(docname):
                    return None  # the index does not hold the page as it was
                listed[number] = now.get(docname)
            replaced[name] = style.dumps(listed)
    if any(before._all_titles.get(d) != after._all_titles.get(d) for d in changed.values()):
        alltitles = values["alltitles"]
        if not _encodes_back(text, sections["alltitles"], alltitles, style):
            return None
        for number, docname in changed.items():
            if not _retitled(alltitles, number, before._all_titles.get(docname, []),
                             after._all_titles.get(docname, [])):
                return None
        replaced["alltitles"] = style.dumps(alltitles)
    pieces: list[str] = []
    last = 0
    for name, (start, end) in sorted(sections.items(), key=lambda item: item[1]):
        if name in replaced:
            pieces += (text[last:start], replaced[name])
            last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _encodes_back(text: str, span: Span, value: Any, style: Style) -> bool:
    # Whether a section encodes back to its own text: what is encoded again of it is then
    # written as Sphinx writes it (checked for each section changed, each time).
    return style.dumps(value) == text[span[0]:span[1]]


def _retitled(alltitles: dict[str, list[list[Any]]], number: int,
              was: list[tuple[str, str | None]], now: list[tuple[str, str | None]]) -> bool:
    # A page's section titles (title -> [page, anchor], in page order) replaced in place;
    # False when one it had is not there.
    for title, anchor in was:
        entries = alltitles.get(title, [])
        if [number, anchor] not in entries:
            return False
        entries.remove([number, anchor])
        if not entries:
            del alltitles[title]
    for title, anchor in now:
        entries = alltitles.setdefault(title, [])
        entries.append([number, anchor])
        entries.sort(key=lambda entry: entry[0])  # stable: the page's own order stays
    return True


def _sections(text: str, style: Style) -> tuple[dict[str, Span] | None, dict[str, Any],
                                  dict[str, list[Entry]]]:
    # Where each top-level section's value is, the values of all but the word sections, and
    # the word sections' entries.
    if not text.startswith(PREFIX + "{") or not text.endswith("}" + SUFFIX):
        return None, {}, {}
    sections: dict[str, Span] = {}
    values: dict[str, Any] = {}
    words: dict[str, list[Entry]] = {}
    at = len(PREFIX) + 1
    while True:
        key = style.key_pattern.match(text, at)
        if key is None:
            return None, {}, {}
        name = key.group(1)
        if name in dict(WORD_SECTIONS):
            words[name], end = _entries(text, key.end(), style)
        else:
            values[name], end = _DECODER.raw_decode(text, key.end())
        sections[name] = (key.end(), end)
        if not text.startswith(style.item, end):
            break
        at = end + len(style.item)
    if end != len(text) - len(SUFFIX) - 1 or not {"docnames", "titles", "filenames",
                                                    "alltitles", *dict(WORD_SECTIONS)} <= \
            sections.keys():
        return None, {}, {}
    return sections, values, words


def _entries(text: str, start: int, style: Style) -> tuple[list[Entry], int]:
    # The entries of a word -> pages object: values are a number or a list of numbers, so a
    # list ends at the first ']' after it.
    if text[start] != "{":
        raise ValueError("not an object")
    entries: list[Entry] = []
    at = start + 1
    if text[at] == "}":
        return entries, at + 1
    while True:
        key = style.key_pattern.match(text, at)
        if key is None:
            raise ValueError("not a key")
        if text[key.end()] == "[":
            end = text.index("]", key.end()) + 1
        else:
            number = _NUMBER.match(text, key.end())
            if number is None:
                raise ValueError("not a number")
            end = number.end()
        entries.append((key.group(1), at, key.end(), end))
        if text[end] == "}":
            return entries, end + 1
        if not text.startswith(style.item, end):
            raise ValueError("not an entry")
        at = end + len(style.item)


def _word_changes(before: dict[str, set[str]], after: dict[str, set[str]],
                  position: dict[str, int]) -> dict[str, tuple[set[int], set[int]]]:
    # Per word, the page numbers that gained it and those that lost it.
    changes: dict[str, tuple[set[int], set[int]]] = {}
    for word in before.keys() | after.keys():
        old, new = before.get(word, set()), after.get(word, set())
        if old != new:
            changes[word] = ({position[d] for d in new - old}, {position[d] for d in old - new})
    return changes


def _patched_words(text: str, entries: list[Entry],
                   changes: dict[str, tuple[set[int], set[int]]], style: Style) -> str | None:
    # The section's object with the words' entries changed, added or dropped, keys in order.
    index = {entry[0]: i for i, entry in enumerate(entries)}
    made: dict[int, str | None] = {}  # entry number -> its new text (None: dropped)
    added: list[tuple[int, str, str]] = []  # (before which entry, word, its text)
    for word, (gained, lost) in changes.items():
        key = json.dumps(word)[1:-1]
        if key in index:
            number = index[key]
            value = json.loads(text[entries[number][2]:entries[number][3]])
            pages = {value} if isinstance(value, int) else set(value)
            if (not lost <= pages or gained & pages
                    or _entry(key, pages, style) != text[entries[number][1]:entries[number][3]]):
                return None  # not the index those pages made, or not as this encodes it
            made[number] = _entry(key, (pages - lost) | gained, style)
        elif lost:
            return None
        else:
            where = bisect.bisect_left(entries, word, key=lambda entry: json.loads(
                f'"{entry[0]}"'))
            added.append((where, word, _entry(key, gained, style) or ""))
    out: list[str] = []
    run = 0  # the first entry not written yet
    for number in sorted({*made, *(where for where, _, _ in added)}):
        if number > run:  # entries unchanged between: as they are, commas and all
            out.append(text[entries[run][1]:entries[number - 1][3]])
        out += [entry for where, _, entry in sorted(added) if where == number]
        if number < len(entries):
            kept = made.get(number, text[entries[number][1]:entries[number][3]])
            if kept is not None:
                out.append(kept)
        run = number + 1
    if run < len(entries):
        out.append(text[entries[run][1]:entries[-1][3]])
    return "{" + style.item.join(out) + "}"


def _entry(key: str, pages: set[int], style: Style) -> str | None:
    # As Sphinx freezes a word: one page's number, or the sorted numbers (no page: no entry).
    if not pages:
        return None
    ordered = sorted(pages)
    return f'"{key}"{style.key}{style.dumps(ordered[0] if len(ordered) == 1 else ordered)}'


def merged_words(frozen: dict[str, Any], changed: set[int], fed: dict[str, set[str]],
                 position: dict[str, int]) -> dict[str, Any]:
    """Sphinx's frozen word -> page (one) or sorted pages (several), with the changed pages'
    numbers taken out and put back where the fed indexer has them; a word of no page goes."""
    # Changed in place, and only the words of a changed page are touched (a set per word of
    # the whole index cost a fifth of an edit's search update at 5,000 standards).
    added = {word: {position[d] for d in docs} for word, docs in fed.items()}
    touched = [word for word, held in frozen.items()
               if (held in changed if isinstance(held, int) else not changed.isdisjoint(held))]
    for word in {*touched, *added}:
        held = frozen.get(word, [])
        kept = [held] if isinstance(held, int) else held
        docs = [doc for doc in kept if doc not in changed]
        more = added.get(word)
        if more:
            docs = sorted(more.union(docs))
        if not docs:
            del frozen[word]
        else:
            frozen[word] = docs[0] if len(docs) == 1 else docs
    return frozen


def merged_titles(frozen: dict[str, list[Any]], changed: set[int],
                  fed: dict[str, list[tuple[str, str | None]]],
                  position: dict[str, int]) -> dict[str, list[Any]]:
    """Every section title -> [page, anchor] in page order (and the page's own order), as
    Sphinx's freeze makes it, with the changed pages' titles replaced."""
    merged = {title: [entry for entry in entries if entry[0] not in changed]
              for title, entries in frozen.items()}
    for docname, titles in fed.items():
        for title, title_id in titles:
            merged.setdefault(title, []).append([position[docname], title_id])
    return {title: sorted(entries, key=lambda entry: entry[0])
            for title, entries in merged.items() if entries}
