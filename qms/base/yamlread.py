"""The one owner of YAML reading: libyaml's C parser, with the line of every key and item.

Reading is safe (only plain YAML types) and builds plain dicts and lists that remember where
each key and item is, so any later check can name its place. Editing is yamledit's job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

import yaml

from qms.base.issues import Issue, error

try:  # libyaml's C parser is the fast path; the pure-Python one is a slow fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - only without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class LineDict(dict[str, Any]):
    """A mapping read from YAML: `line` is where it starts, `lines[key]` where each key is."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}


class LineList(list[Any]):
    """A sequence read from YAML: `line` is where it starts, `lines[i]` where each item is."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


class YamlProblem(Exception):
    """A problem found while building values from the YAML nodes."""

    def __init__(self, line: int, code: str, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.line, self.code, self.message, self.column = line, code, message, column


_constructor = yaml.constructor.SafeConstructor()
_resolver = yaml.resolver.Resolver()
_PLAIN_CACHE: dict[str, Any] = {}
_CACHE_LIMIT = 200_000
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP}


def _plain(text: str) -> Any:
    """The value of a plain (unquoted) scalar, resolved as YAML 1.1 does; memoised by text."""
    try:
        return _PLAIN_CACHE[text]
    except KeyError:
        pass
    tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))
    value = _construct(tag, text)
    if len(_PLAIN_CACHE) > _CACHE_LIMIT:
        _PLAIN_CACHE.clear()
    _PLAIN_CACHE[text] = value
    return value


def _construct(tag: str, text: str) -> Any:
    if tag == _STR:
        return text
    node = yaml.ScalarNode(tag, text)
    if tag == _TIMESTAMP:
        try:
            return _constructor.construct_yaml_timestamp(node)
        except ValueError:
            return text  # not a real date: the schema reports it as a bad date
    return _constructor.construct_object(node)


def _scalar(event: Any) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        return _plain(event.value) if event.implicit[0] and tag is None else event.value
    if tag not in _ALLOWED_TAGS:
        raise YamlProblem(
            event.start_mark.line + 1, "unsupported-tag",
            f"the tag {_short_tag(tag)} is not supported; remove it and write the plain value",
        )
    return _construct(tag, event.value)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _container_tag(event: Any, allowed: str) -> None:
    if event.tag not in (None, "!", allowed):
        raise YamlProblem(event.start_mark.line + 1, "unsupported-tag",
                          f"the tag {_short_tag(event.tag)} is not supported; remove it")


def _build(loader: Any) -> Any:
    """Build values straight from parser events (no node tree, no recursion).

    This is the hot loop of every command (hundreds of thousands of events at scale), so the
    common cases (plain scalars, mapping keys) are inlined, and the open container, whether it
    is a mapping and its key awaiting a value are local variables, saved on a stack only when
    a container opens inside it.
    """
    get_event = loader.get_event
    scalar_event, cache = yaml.ScalarEvent, _PLAIN_CACHE
    map_start, map_end = yaml.MappingStartEvent, yaml.MappingEndEvent
    seq_start, seq_end = yaml.SequenceStartEvent, yaml.SequenceEndEvent
    stack: list[tuple[Any, bool, Any]] = []  # the enclosing containers: (container, is_map, key)
    parent: Any = None
    is_map = False
    key: Any = None  # the key of the open mapping that awaits its value
    while True:
        event = get_event()
        kind = event.__class__
        if kind is scalar_event:
            if is_map and key is None:
                key = event.value  # the raw text, not the resolved value: `on:` is a key
                lines = parent.lines
                if key in lines or key == "<<":
                    _refuse_key(lines, key, event.start_mark.line + 1)
                lines[key] = event.start_mark.line + 1
                continue
            text = event.value
            if event.tag is None:
                value = (cache[text] if text in cache else _plain(text)) if event.implicit[0] \
                    else text
            else:
                value = _scalar(event)
        elif kind is map_start or kind is seq_start:
            line = event.start_mark.line + 1
            if is_map and key is None:
                raise YamlProblem(line, "wrong-type",
                                  "a key must be a plain word, not a list or mapping")
            if len(stack) >= MAX_DEPTH:
                raise YamlProblem(line, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
            opens_map = kind is map_start
            _container_tag(event, _MAP if opens_map else _SEQ)
            stack.append((parent, is_map, key))
            parent, is_map, key = (LineDict(line) if opens_map else LineList(line)), opens_map, None
            continue
        elif kind is map_end or kind is seq_end:
            value = parent
            parent, is_map, key = stack.pop()
        elif kind is yaml.AliasEvent:
            raise YamlProblem(event.start_mark.line + 1, "alias",
                              "anchors and aliases (&name, *name) are not supported; "
                              "write the value out in full")
        else:  # pragma: no cover - the parser sends nothing else inside a document
            raise YamlProblem(event.start_mark.line + 1, "syntax", "unexpected YAML content")
        if is_map:
            parent[key] = value
            key = None
        elif parent is None:
            return value
        else:  # an item of a list: where it starts is remembered
            parent.append(value)
            parent.lines.append(value.line if kind is not scalar_event
                                else event.start_mark.line + 1)


def _refuse_key(lines: dict[str, int], key: str, line: int) -> NoReturn:
    if key == "<<":
        raise YamlProblem(line, "alias", "merge keys (<<) are not supported")
    raise YamlProblem(
        line, "duplicate-key",
        f"the key '{key}' appears twice (first on line {lines[key]}); keep one",
    )


def decode(raw: bytes) -> str:
    """Decode file bytes as UTF-8 (a BOM is allowed), raising YamlProblem with a line."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise YamlProblem(line, "binary", "this is not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(
            line, "encoding",
            f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
        ) from None


def read_text(path: Path) -> str:
    """Read a text file qms accepts: at most MAX_BYTES, UTF-8, no NUL bytes."""
    return decode(read_bytes(path))


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file qms would read (at most MAX_BYTES); raise YamlProblem if not."""
    return read_with_status(path)[0]


def read_with_status(path: str | Path) -> tuple[bytes, os.stat_result]:
    """read_bytes, and the file's status, taken before its bytes were read (so a cache that
    records it with them sees any later edit)."""
    # os.open and os.read, not Path.read_bytes: a file object's set-up (isatty, seeks, a second
    # stat) took half the time of reading 5,000 small files.
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            status = os.fstat(descriptor)
            size = status.st_size
            data = b""
            if size <= MAX_BYTES:
                data = os.read(descriptor, size + 1)
                while len(data) <= MAX_BYTES and (more := os.read(descriptor, 1 << 16)):
                    data += more  # (the file grew since its size was read)
                size = len(data)
        finally:
            os.close(descriptor)
    except OSError as exc:
        raise YamlProblem(0, "unreadable", f"cannot read the file: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise YamlProblem(
            0, "too-large", f"the file is {size / 2**20:.1f} MB; qms reads files up to "
            f"{MAX_BYTES // (1024 * 1024)} MB (is it really a QMS file?)"
        )
    return data, status


def parse(text: str) -> Any:
    """Parse one YAML document into LineDict/LineList/scalars; raise YamlProblem if bad."""
    loader = _Loader(text)
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        value = _build(loader)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.peek_event()
            mark = getattr(event, "start_mark", None)
            raise YamlProblem(mark.line + 1 if mark else 0, "syntax",
                              "the file holds more than one YAML document ('---'); keep one")
        return value
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or ""):
            # libyaml (PyYAML >= 6.0.2 built against libyaml 0.2.5+) stops deep nesting itself,
            # before _build's own count: the same refusal, under the same code.
            mark = exc.problem_mark
            raise YamlProblem(mark.line + 1 if mark else 0, "too-deep",
                              f"nesting deeper than {MAX_DEPTH} levels") from None
        raise _syntax_problem(exc, text) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(0, "syntax", f"YAML syntax: {exc}") from None
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    if exc.context:
        problem = f"{problem} ({exc.context})"
    hint = ""
    if mark is not None:
        lines = text.splitlines()
        here = lines[mark.line][: mark.column + 1] if mark.line < len(lines) else ""
        if "\t" in here or "tab" in problem:
            hint = "; indent with spaces: YAML does not allow tabs for indentation"
    line = mark.line + 1 if mark else 0
    column = mark.column + 1 if mark else None
    return YamlProblem(line, "syntax", f"YAML syntax: {problem}{hint}", column)


def load_file(path: str | Path, shown: str) -> tuple[Any, list[Issue]]:
    """Read and parse one YAML file; problems come back as issues, never as exceptions."""
    return load_file_bytes(path, shown)[2:]


def load_file_bytes(path: str | Path, shown: str
                    ) -> tuple[bytes | None, os.stat_result | None, Any, list[Issue]]:
    """load_file, with the bytes read and the file's status before (None when unreadable or
    too large): what a cache keys on."""
    raw, status = None, None
    try:
        raw, status = read_with_status(path)
        return raw, status, parse(decode(raw)), []
    except YamlProblem as problem:
        return raw, status, None, [error(shown, problem.line, problem.code, problem.message,
                                         problem.column)]


def line_of(data: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest part of `loc` that exists in data read by `parse`."""
    line = getattr(data, "line", 0)
    current = data
    for step in loc:
        found = (isinstance(current, LineDict) and step in current) or (
            isinstance(current, LineList) and isinstance(step, int) and 0 <= step < len(current)
        )
        if not found:
            break
        line = current.lines[step]
        current = current[step]
    return line
