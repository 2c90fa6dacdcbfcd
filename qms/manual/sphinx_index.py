"""The search index kept in memory between builds of one Sphinx application (`qms serve`; part
of the extension in sphinx_build, the one module that runs Sphinx).

Every build Sphinx reads the last build's search index back from searchindex.js, prunes the
pages it writes again, feeds them afresh, and freezes the whole index into sorted lists of
page numbers: at 5,000 standards, with a million (word, page) pairs, reading costs 0.2 s and
freezing 0.25 s of a one-title rebuild. With an application kept between builds, both follow
the few pages that changed instead:

- loading: while searchindex.js is the file this application last wrote (same inode, time
  and size), the index is taken from the builder's memory of it, not parsed again. Sphinx's
  loading rebuilds the same entries from the file, and freezing reads them in sorted order;
- freezing: while the index holds the same pages, a word's list of pages is the last one,
  with the pages fed or dropped since put in or taken out.

Both go through parts of Sphinx's IndexBuilder it does not document (its entries, and the
methods `load` and `get_terms`); they are used only when those are the ones this was written
for, and otherwise Sphinx loads and freezes as always (tests compare the two paths' bytes).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qms.manual.sphinx_items import parameters

if TYPE_CHECKING:  # only sphinx_build runs Sphinx
    from sphinx.application import Sphinx

KEEP_IN_MEMORY = True  # False: Sphinx reads and freezes the whole index (the tests compare)
# What IndexBuilder.load rebuilds from the file: the rest comes from the environment.
_ENTRIES = ("_titles", "_filenames", "_all_titles", "_mapping", "_title_mapping")
Terms = dict[str, "list[int] | int"]


@dataclass
class _Kept:
    """The index as the last build wrote it: its entries, frozen word lists and file."""

    entries: dict[str, Any]
    docnames: tuple[str, ...]  # the page of each number in the frozen lists
    terms: tuple[Terms, Terms]  # words and title words, as Sphinx froze them
    file: tuple[int, int, int]
    encoded: dict[str, dict[str, tuple[Any, str]]]  # see _Build


@dataclass
class _Build:
    """What one build's indexer does that the next build's freezing follows."""

    kept: _Kept | None = None  # taken from memory (None: loaded from the file by Sphinx)
    fed: set[str] = field(default_factory=set)
    terms: tuple[Terms, Terms] | None = None
    docnames: tuple[str, ...] = ()
    # each word's list of pages with its JSON, for words and title words
    encoded: dict[str, dict[str, tuple[Any, str]]] = field(
        default_factory=lambda: {"terms": {}, "titleterms": {}})


def _can_keep(builder: Any) -> bool:
    from sphinx.search import IndexBuilder

    return (KEEP_IN_MEMORY
            and parameters(getattr(type(builder), "load_indexer", None)) == ["self", "docnames"]
            and callable(getattr(type(builder), "dump_search_index", None))
            and parameters(IndexBuilder.load) == ["self", "stream", "format"]
            and parameters(IndexBuilder.get_terms) == ["self", "fn2index"]
            and parameters(IndexBuilder.prune) == ["self", "docnames"]
            and parameters(IndexBuilder.feed)[:3] == ["self", "docname", "filename"])


def _file(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _has_entries(indexer: Any) -> bool:
    return all(isinstance(getattr(indexer, name, None), dict) for name in _ENTRIES)


def _changed_pages(build: _Build, indexer: Any) -> set[str]:
    # The pages whose words may differ from the last freeze: those fed since, and those gone
    # (pruning drops a page from every word and from the titles together).
    assert build.kept is not None
    return build.fed | (set(build.kept.docnames) - indexer._titles.keys())


def _moved(frozen: list[int] | int, pages: set[str], changed: list[tuple[str, int]]) -> list[int]:
    # The last sorted list of a word, with the changed pages put in or taken out.
    # Unchanged, it is the same list (its JSON is kept by that: see _terms_json).
    numbers = frozen if isinstance(frozen, list) else [frozen]
    for docname, number in changed:
        at = bisect_left(numbers, number)
        present = at < len(numbers) and numbers[at] == number
        if (docname in pages) != present:
            numbers = list(numbers) if numbers is frozen else numbers
            if present:
                del numbers[at]
            else:
                numbers.insert(at, number)
    return numbers


def _terms_following(build: _Build, indexer: Any, fn2index: dict[str, int],
                     original: Any) -> tuple[Terms, Terms]:
    """Sphinx's get_terms: each word with the number of its one page or the sorted numbers of
    its pages; from the last build's lists where the index holds the same pages."""
    kept = build.kept
    if kept is None or tuple(fn2index) != kept.docnames:
        return original(fn2index)  # type: ignore[no-any-return]
    touched = _changed_pages(build, indexer)
    changed = sorted((name, fn2index[name]) for name in touched if name in fn2index)
    numbers = {number for _name, number in changed}
    result: tuple[Terms, Terms] = ({}, {})
    for words, mapping, before in zip(result, (indexer._mapping, indexer._title_mapping),
                                      kept.terms, strict=True):
        for word, pages in mapping.items():
            frozen = before.get(word)
            if frozen is not None and pages.isdisjoint(touched) and (
                    frozen not in numbers if isinstance(frozen, int)
                    else numbers.isdisjoint(frozen)):
                words[word] = frozen  # none of its pages changed
            elif len(pages) == 1:
                (page,) = pages
                if page in fn2index:
                    words[word] = fn2index[page]
            else:
                moved = _moved(frozen, pages, changed) if frozen is not None else []
                # a page outside the index (never the case for Sphinx's own entries) or a
                # word new to the index: counted from nothing, as Sphinx does
                words[word] = moved if frozen is not None and len(moved) == len(pages) else (
                    sorted(fn2index[page] for page in pages if page in fn2index))
    return result


def _follow(indexer: Any, build: _Build) -> None:
    # Instance attributes over the class's methods: only this build's indexer is changed.
    feed, get_terms = indexer.feed, indexer.get_terms

    def feed_and_note(docname: str, *args: Any, **kwargs: Any) -> None:
        build.fed.add(docname)
        feed(docname, *args, **kwargs)

    def terms(fn2index: dict[str, int]) -> tuple[Terms, Terms]:
        build.terms = _terms_following(build, indexer, fn2index, get_terms)
        build.docnames = tuple(fn2index)
        return build.terms

    def prune(docnames: Any) -> None:
        _prune_pages_gone(indexer, docnames)

    dump = indexer.dump

    def dump_encoding_once(stream: Any, format: Any) -> None:
        # Only from the second build of an application on: a build that loaded the index
        # from its file encodes it in one go, as Sphinx does (faster, word by word, for the
        # first time).
        if build.kept is None or not _encodes_as_expected(format):
            dump(stream, format)
            return
        build.encoded = build.kept.encoded
        stream.write(_script(format, indexer.freeze(), build.encoded))

    indexer.feed, indexer.get_terms, indexer.prune = feed_and_note, terms, prune
    indexer.dump = dump_encoding_once


_SAMPLE = {"b": [2, 1], "a": {"y": 1, "x": "\u00e9"}}  # and how Sphinx's script holds it
_SAMPLE_JSON = '{"a":{"x":"\\u00e9","y":1},"b":[2,1]}'


def _encodes_as_expected(format: Any) -> bool:
    # Sphinx's search index script: JSON with sorted keys and no spaces between a prefix and
    # a suffix (sphinx.search.js_index). Anything else is dumped by Sphinx.
    prefix, suffix = getattr(format, "PREFIX", None), getattr(format, "SUFFIX", None)
    if not isinstance(prefix, str) or not isinstance(suffix, str):
        return False
    try:
        return bool(format.dumps(_SAMPLE) == prefix + _SAMPLE_JSON + suffix)
    except Exception:  # noqa: BLE001 - another format: Sphinx dumps it
        return False


def _script(format: Any, frozen: dict[str, Any],
            encoded: dict[str, dict[str, tuple[Any, str]]]) -> str:
    """Sphinx's search index script of the frozen index (js_index.dumps), with the JSON of
    each word's pages kept while the list is the same: 0.1 s at 5,000 standards otherwise."""
    parts = []
    for key in sorted(frozen):
        value = frozen[key]
        text = (_terms_json(value, encoded[key]) if key in encoded and isinstance(value, dict)
                else json.dumps(value, separators=(",", ":"), sort_keys=True))
        parts.append(f"{json.dumps(key)}:{text}")
    return f"{format.PREFIX}{{{','.join(parts)}}}{format.SUFFIX}"


def _terms_json(terms: Terms, known: dict[str, tuple[Any, str]]) -> str:
    out = []
    for word in sorted(terms):
        pages = terms[word]
        last = known.get(word)
        if last is None or not (last[0] is pages or last[0] == pages):
            last = known[word] = (
                pages, f"{json.dumps(word)}:{json.dumps(pages, separators=(',', ':'))}")
        out.append(last[1])
    for word in known.keys() - terms.keys():  # words gone
        del known[word]
    return "{" + ",".join(out) + "}"


def _prune_pages_gone(indexer: Any, docnames: Any) -> None:
    """Sphinx's prune (keep the entries of `docnames` only), by taking out the pages that go.

    Sphinx intersects every word's pages with the pages kept: three times a build, 60 ms each
    at 5,000 standards. A word's pages are always pages with a title (feeding and loading add
    both together), so taking the pages that lose their title out of the words that hold them
    leaves the same entries.
    """
    names = docnames if isinstance(docnames, (set, frozenset, dict)) else list(docnames)
    keep = names if isinstance(names, (set, frozenset, dict)) else set(names)
    gone = {name for name in indexer._titles if name not in keep}
    kept = [name for name in names if name in indexer._titles]
    indexer._titles = {name: indexer._titles[name] for name in kept}
    indexer._filenames = {name: indexer._filenames[name] for name in kept}
    indexer._all_titles = {name: indexer._all_titles[name] for name in kept}
    if gone:
        for words in (indexer._mapping, indexer._title_mapping):
            for pages in words.values():
                if not pages.isdisjoint(gone):
                    pages.difference_update(gone)


def keep_index_in_memory(app: Sphinx) -> None:
    """Keep the search index between the builds of this application, where Sphinx allows it."""
    builder: Any = app.builder
    if not getattr(builder, "search", False) or not _can_keep(builder):
        return
    load_indexer, dump_search_index = builder.load_indexer, builder.dump_search_index
    memory: dict[str, _Kept] = {}
    path = Path(builder.outdir) / builder.searchindex_filename
    builds: list[_Build] = []

    def load_from_memory(docnames: Any) -> None:
        indexer = builder.indexer
        kept = memory.pop("index", None)  # taken: a build that fails leaves none behind
        build = _Build()
        builds[:] = [build]
        if indexer is not None and _has_entries(indexer):
            if kept is not None and kept.file == _file(path):
                def load(stream: Any, format: Any) -> None:
                    # The entries Sphinx would rebuild from the file this application wrote.
                    for name, value in kept.entries.items():
                        setattr(indexer, name, value)
                    build.kept = kept

                indexer.load = load
            _follow(indexer, build)
        load_indexer(docnames)

    def dump_and_remember() -> None:
        dump_search_index()
        indexer, build = builder.indexer, builds[0] if builds else None
        file = _file(path)
        if (indexer is None or build is None or build.terms is None or file is None
                or not _has_entries(indexer)
                or builder.__dict__.get("_qms_kept_application") is False):
            return  # (an application that ends with this build keeps nothing for the next)
        memory["index"] = _Kept({name: getattr(indexer, name) for name in _ENTRIES},
                                build.docnames, build.terms, file, build.encoded)

    builder.load_indexer, builder.dump_search_index = load_from_memory, dump_and_remember
