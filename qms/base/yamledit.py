"""Helpers of round-trip editing: keep every byte a person wrote outside the part qms changes.

ruamel.yaml keeps comments, key order and quotes, but it writes one indentation style for the
whole file and attaches a comment that follows a block to the last value before it. Three
helpers close those gaps:

- `indent_candidates` reads the file's own indentation, so ruamel writes it back the same way;
- `Rewrite` carries only qms's change into the original text (a three-way line merge), so a
  file ruamel cannot reproduce exactly (mixed indentation) still keeps its untouched lines;
- `set_key` and `append_item` add a key or an item without pulling the comment lines that
  followed the previous value (the next block's heading, the end-of-file note) above it.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import CommentToken

from qms.base.errors import QmsError
from qms.base.files import atomic_write, folder_lock
from qms.base.yamlread import YamlProblem, parse, read_text

DEFAULT_INDENT = (2, 4, 2)  # mapping, sequence, offset: what `qms` itself writes

# `key:` (optionally after `- ` markers) with nothing but a comment after the colon.
_OPEN_KEY = re.compile(r"^(?P<lead>\s*(?:-\s+)*)(?:'[^']*'|\"[^\"]*\"|[^\s#'\"-][^#]*?):\s*(#.*)?$")
_BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")
_DASH = re.compile(r"^(\s*)-(\s+)")


def _significant(text: str) -> list[tuple[int, str]]:
    """(indent, line) of every line that is not blank, a comment or block-scalar content."""
    lines: list[tuple[int, str]] = []
    scalar_indent: int | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if scalar_indent is not None and indent > scalar_indent:
            continue
        scalar_indent = None
        lines.append((indent, line))
        if _BLOCK_SCALAR.search(line):
            scalar_indent = _key_column(line)
    return lines


def _key_column(line: str) -> int:
    match = _DASH.match(line)
    column = 0
    while match:  # `- - key:` nests: the key starts after every marker
        column = match.end()
        match = _DASH.match(line, column) if line[column:].startswith("-") else None
    return column or len(line) - len(line.lstrip(" "))


Indent = tuple[int, int, int]


def indent_candidates(text: str) -> list[Indent]:
    """The (mapping, sequence, offset) indentations a YAML text uses, the most used first."""
    mappings: Counter[int] = Counter()
    sequences: Counter[tuple[int, int]] = Counter()
    lines = _significant(text)
    for (_, line), (indent, following) in zip(lines, lines[1:], strict=False):
        if not _OPEN_KEY.match(line):
            continue
        key_column = _key_column(line)
        dash = _DASH.match(following)
        if dash and indent >= key_column:
            offset = indent - key_column
            sequences[(offset + 1 + len(dash.group(2)), offset)] += 1
        elif indent > key_column:
            mappings[indent - key_column] += 1
    found = [(m, s, o) for m, _ in mappings.most_common(2) or [(DEFAULT_INDENT[0], 0)]
             for (s, o), _ in sequences.most_common(2) or [(DEFAULT_INDENT[1:], 0)]]
    usable = [c for c in found if c[0] >= 1 and c[2] >= 0 and c[1] >= c[2] + 2]
    return usable + [DEFAULT_INDENT] if DEFAULT_INDENT not in usable else usable


def guess_indent(text: str) -> Indent:
    """The (mapping, sequence, offset) indentation a YAML text uses most; qms's own by default."""
    return indent_candidates(text)[0]


def _dump(rt: Any, doc: Any, indent: Indent) -> str:
    rt.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    stream = io.StringIO()
    rt.dump(doc, stream)
    return stream.getvalue()


class Rewrite:
    """Remembers a loaded document as ruamel writes it, to write back only what changed."""

    def __init__(self, rt: Any, doc: Any, text: str, parse: Callable[[str], Any]) -> None:
        self.rt, self.doc, self.text, self.parse = rt, doc, text, parse
        self.bases: list[tuple[Indent, str]] = []
        for indent in indent_candidates(text):
            base = _dump(rt, doc, indent)
            if base == text:
                self.bases = [(indent, base)]
                break
            self.bases.append((indent, base))

    def result(self) -> str | None:
        """The new text of the edited document, or None when it did not change."""
        first, first_base = self.bases[0]
        updated = _dump(self.rt, self.doc, first)
        if updated == first_base:
            return None
        for indent, base in self.bases:
            new = updated if indent == first else _dump(self.rt, self.doc, indent)
            merged = merge_edit(self.text, base, new, self.parse)
            if merged is not None:
                return merged
        return updated


def merge_edit(original: str, base: str, updated: str,
               parse: Callable[[str], Any]) -> str | None:
    """Carry the change base -> updated into original (base: the unedited document re-dumped).

    Returns None when the change touches lines that the original writes differently, or when
    the merged text would not mean the same as `updated` (checked with `parse`).
    """
    if base == original:
        return updated
    ours, theirs, new = (t.splitlines(keepends=True) for t in (original, base, updated))
    same = _line_map(theirs, ours)
    edits: list[tuple[int, int, list[str]]] = []
    opcodes = SequenceMatcher(None, theirs, new, autojunk=False).get_opcodes()
    for tag, b1, b2, u1, u2 in opcodes:
        if tag == "equal":
            continue
        span = _span(same, b1, b2, len(theirs), len(ours))
        if span is None:
            return None
        edits.append((*span, new[u1:u2]))
    merged = list(ours)
    for start, end, lines in reversed(edits):
        merged[start:end] = lines
    text = "".join(merged)
    if not text.endswith("\n") and updated.endswith("\n"):
        return None
    try:
        return text if parse(text) == parse(updated) else None
    except Exception:  # noqa: BLE001 - any doubt about the merge means: do not use it
        return None


def _line_map(theirs: Sequence[str], ours: Sequence[str]) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, _ in SequenceMatcher(None, theirs, ours, autojunk=False).get_opcodes():
        if tag == "equal":
            mapping.update((i1 + k, j1 + k) for k in range(i2 - i1))
    return mapping


def _span(same: dict[int, int], b1: int, b2: int, size: int,
          original_size: int) -> tuple[int, int] | None:
    """Where the base lines b1:b2 are in the original, if they are there unchanged."""
    if b1 < b2:
        if any(k not in same for k in range(b1, b2)) or same[b2 - 1] - same[b1] != b2 - 1 - b1:
            return None
        return same[b1], same[b2 - 1] + 1
    if b1 == 0:
        return 0, 0
    if b1 - 1 in same:
        return same[b1 - 1] + 1, same[b1 - 1] + 1
    if b1 < size and b1 in same:
        return same[b1], same[b1]
    if b1 == size:  # added at the end, after a last line written differently (`a<TAB>b`)
        return original_size, original_size
    return None


# ---------------------------------------------------------------- comment-aware insertion


def _is_block(value: Any) -> bool:
    return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0 and (
        not value.fa.flow_style())


def _last_slot(container: Any, key: Any) -> tuple[Any, Any, int]:
    """The (container, key, comment position) of the last scalar written under container[key]."""
    value = container[key]
    while _is_block(value):
        container, key = value, (next(reversed(value)) if isinstance(value, CommentedMap)
                                 else len(value) - 1)
        value = container[key]
    return container, key, 2 if isinstance(container, CommentedMap) else 0


def _detach(container: Any, key: Any) -> tuple[str, Any]:
    """Remove the whole comment lines that follow container[key]; return them and their mark."""
    holder, slot, position = _last_slot(container, key)
    entry = holder.ca.items.get(slot)
    token = entry[position] if entry and len(entry) > position else None
    if token is None or "\n" not in token.value:
        return "", None
    cut = token.value.index("\n") + 1
    head, rest = token.value[:cut], token.value[cut:]
    if not rest:
        return "", None
    if head.strip():
        token.value = head
    else:
        entry[position] = None
    return rest, token.start_mark


def _attach(container: Any, key: Any, lines: str, mark: Any) -> None:
    """Put comment lines (as taken by `_detach`) after the last scalar under container[key]."""
    if not lines:
        return
    holder, slot, position = _last_slot(container, key)
    entry = holder.ca.items.setdefault(slot, [None, None, None, None])
    while len(entry) <= position:
        entry.append(None)
    token = entry[position]
    if token is None:
        entry[position] = CommentToken("\n" + lines, start_mark=mark)
    else:
        token.value = (token.value if token.value.endswith("\n") else token.value + "\n") + lines


def set_key(mapping: CommentedMap, key: str, value: Any, order: Sequence[str]) -> None:
    """Set mapping[key]; a new key goes to its place in `order`, comments stay where they were."""
    if key in mapping:
        old = mapping[key]
        # An equal value stays as it was written (its quotes, its spelling of the date).
        if not (old == value and (type(old) is type(value) or isinstance(old, str) and
                                  isinstance(value, str))):
            mapping[key] = value
        return
    rank = order.index(key) if key in order else len(order)
    keys = list(mapping)
    position = next((i for i, k in enumerate(keys)
                     if k in order and order.index(k) > rank), len(keys))
    if position == 0:
        mapping.insert(0, key, value)
        return
    lines, mark = _detach(mapping, keys[position - 1])
    mapping.insert(position, key, value)
    _attach(mapping, key, lines, mark)


def append_item(sequence: CommentedSeq, item: Any) -> None:
    """Append an item; comment lines that followed the last item move below the new one."""
    if not sequence:
        sequence.append(item)
        return
    lines, mark = _detach(sequence, len(sequence) - 1)
    sequence.append(item)
    _attach(sequence, len(sequence) - 1, lines, mark)


# ---------------------------------------------------------------- editing files


def _round_trip(text: str | None = None) -> Any:
    """A ruamel round-trip YAML that writes back the indentation `text` uses (qms's own if none)."""
    from ruamel.yaml import YAML  # imported lazily: only commands that edit files need it

    from qms.base.yamltabs import TabTolerantScanner

    rt = YAML(typ="rt")
    rt.Scanner = TabTolerantScanner  # what `qms check` reads, the editor reads too
    rt.preserve_quotes = True
    rt.width = 4096  # never re-wrap a person's long lines
    mapping, sequence, offset = guess_indent(text) if text else DEFAULT_INDENT
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    rt.representer.add_representer(datetime, _represent_datetime)
    return rt


def _represent_datetime(representer: Any, value: datetime) -> Any:
    # ISO 8601 with a 'T', as the format writes `started:`; ruamel's default uses a space.
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


def dump_round_trip(data: Any, rt: Any = None) -> str:
    """Serialise round-trip data (or plain data) as YAML text."""
    stream = io.StringIO()
    (rt or _round_trip()).dump(data, stream)
    return stream.getvalue()


@contextmanager
def edit(path: Path) -> Iterator[Any]:
    """Edit a YAML file in place keeping every comment, key order and quote; written atomically.

    The block receives the round-trip document; the file is rewritten only if it changed, and
    only the lines the change needs are rewritten: the rest stays byte for byte as it was.
    """
    with folder_lock(path.parent):
        yield from _edit_locked(path)


def _edit_locked(path: Path) -> Iterator[Any]:
    try:
        original = read_text(path)
    except YamlProblem as problem:
        raise QmsError(f"{path}: {problem.message}") from None
    text = original.replace("\r\n", "\n")
    rt = _round_trip(text)
    try:
        doc = rt.load(text)
    except YAMLError as problem:  # qms's reader took it, ruamel does not: say where, not how
        mark = getattr(problem, "problem_mark", None)
        place = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise QmsError(f"{place}: qms cannot edit this file ({getattr(problem, 'problem', '')}); "
                       "`qms check` shows whether it is valid YAML") from None
    rewrite = Rewrite(rt, doc, text, parse)
    yield doc
    merged = rewrite.result()
    if merged is None:
        return
    with path.open("rb") as handle:
        bom = "\ufeff" if handle.read(3) == b"\xef\xbb\xbf" else ""
    atomic_write(path, bom + with_line_endings(original, merged))


_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def with_line_endings(original: str, merged: str) -> str:
    """merged (LF only) with each line ending as it did in original (LF or CRLF, line by line).

    A line that was there keeps its own ending; a changed or added line takes the ending of the
    line it replaces, else of the line above it.
    """
    if "\r\n" not in original:
        return merged
    lines = _LINE.findall(original)
    endings = ["\r\n" if line.endswith("\r\n") else "\n" for line in lines]
    old = [line.removesuffix("\n").removesuffix("\r") for line in lines]
    new = _LINE.findall(merged)
    out: list[str] = []
    ending = endings[0] if endings else "\n"
    matcher = SequenceMatcher(None, old, [line.removesuffix("\n") for line in new], autojunk=False)
    for tag, o1, o2, n1, n2 in matcher.get_opcodes():
        if tag == "equal":
            for line, fresh in zip(lines[o1:o2], new[n1:n2], strict=True):
                # the last line had no line break and now is followed by more
                out.append(line if line.endswith("\n") or not fresh.endswith("\n")
                           else line + ending)
                if line.endswith("\n"):
                    ending = "\r\n" if line.endswith("\r\n") else "\n"
            continue
        for k, line in enumerate(new[n1:n2]):
            ending = endings[o1 + k] if o1 + k < o2 else ending
            out.append(line[:-1] + ending if line.endswith("\n") else line)
    return "".join(out)


def update_file(path: Path, change: Callable[[Any], None]) -> None:
    """Apply `change` to the round-trip document of `path` and save it atomically."""
    with edit(path) as doc:
        change(doc)
