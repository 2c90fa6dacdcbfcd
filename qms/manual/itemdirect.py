"""Item pages written without Sphinx, after a build whose only changes are item pages.

When rendering wrote nothing but item pages (`_items/*.json`: no reST page, no file of the
frame, nothing removed), Sphinx's documents, its navigation and the theme's frame are as its
last run left them. What Sphinx would do then is fill each changed page into its folder's
frame, check the page's links, and replace the page's words in the search index and its
excerpt. That is done here without starting Sphinx, from what the last Sphinx run recorded in
build/.qms/items.json (signed with the cache key, as Sphinx's cache is: doctreetrust): the
frames it checked, its documents, its search language, and the search files it left. The words
of a page come from Sphinx's own indexer (sphinx.search, without an application), so the files
are the bytes Sphinx writes: tests build both ways and compare.

Pages that are reST documents are brought up to date here too when only their cards and tables
changed (blockpatch): an edit of a standard's title, statement, do or don't.

At any doubt it declines, and Sphinx builds as before: a folder without a checked frame, a page
name the frame cannot take, a link to no page (Sphinx warns about it), a search index or
excerpts file that is not the one last written, an indexer other than the one this was
written for.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import posixpath
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from docutils import nodes

from qms.base.cachekey import read_signed, write_signed
from qms.base.files import atomic_write
from qms.manual.blockpatch import PagePatch, signature
from qms.manual.blockpatch import prepare as prepare_page_patch
from qms.manual.buildstate import BuildState, engine_libraries
from qms.manual.itemdata import ITEMS, read_item
from qms.manual.itemframe import PLAIN_NAME, Frame, escaped_title
from qms.manual.render import write_if_changed
from qms.manual.searchpatch import merged_titles, merged_words, patched_index
from qms.manual.sphinx_excerpts import FILENAME as TEXTS_FILE
from qms.manual.sphinx_excerpts import (
    load_texts,
    page_text,
    replaced_texts,
    script_parts,
    update_texts,
)

RECORD = "items.json"  # in the build's state folder
# The record is authenticated like Sphinx's cache (doctreetrust): a build folder committed to the
# repository, or filled by someone else, cannot hand qms frames (HTML) of its own.
PURPOSE = "item-frames"
PAGE_PURPOSE = "item-frames-page"
PAGES = "pages"  # folder of the reST pages' records (blockpatch), in the state folder
INDEX_FILE = "searchindex.js"
# The index's "envversion" (Sphinx's and its domains' versions), found without decoding it all
_ENVVERSION = re.compile(r'"envversion": ?(\{[^{}]*\})')  # Sphinx 8.0: a space
DIRECT = True  # False: every build with a change runs Sphinx (the tests compare both)
_HERE = Path(__file__).resolve().parent


def code_version() -> int:
    """A number that changes with the code that turns pages into HTML: an extension's
    env_version, so that Sphinx rebuilds every page when it changes."""
    # the static files too: every page links them with their checksum, which Sphinx takes
    # before it copies a changed one
    files = sorted(_HERE.glob("sphinx_*.py"))  # the extension, and what writes without it:
    files += [_HERE / name for name in ("itemframe.py", "itemdirect.py", "blockpatch.py",
                                        "cardhtml.py", "tablehtml.py")]
    files += sorted((_HERE / "static").iterdir())
    # qms's page.html and the theme's words in other languages (qms.manual.translations)
    files += sorted([*(_HERE / "sphinx_templates").iterdir(), *(_HERE / "locale").rglob("*.po")])
    data = b"".join(path.read_bytes() for path in files if path.is_file())
    return zlib.crc32(data)


def engine_version() -> str:
    """What turns reST into HTML (qms's extension, Sphinx, docutils, furo): when it changes,
    rebuild all. Known without importing Sphinx."""
    return f"{code_version()} {engine_libraries()}"


def search_title(title: str) -> str:
    """An item page's title (text) as it is fed to the search index."""
    return escaped_title(html.escape(title, quote=False))


def search_doctree(docname: str, data: dict[str, Any]) -> nodes.document:
    """An item page's text as the search index reads a document: a section with the title,
    and a paragraph (no reST is parsed: the text is already plain)."""
    document = nodes.document(None, None)  # type: ignore[arg-type]
    section = nodes.section(ids=[docname.replace("/", "-")])
    section += nodes.title(data["title"], data["title"])
    section += nodes.paragraph(data["text"], data["text"])
    document += section
    return document


def drop_words_of_no_page(indexer: Any) -> None:
    """Forget the words left with no page after pruning (an incremental build's index would
    otherwise differ from a clean build's by words nobody can find)."""
    # Sphinx keeps the words in two dicts of page sets; left alone if that changes.
    for name in ("_mapping", "_title_mapping"):
        words = getattr(indexer, name, None)
        if isinstance(words, dict):
            for word in [word for word, pages in words.items() if not pages]:
                del words[word]


@dataclass
class ItemRecord:
    """What the last Sphinx run left for writing item pages without it."""

    frame: str  # the frame key (sphinx_items) the frames belong to
    frames: dict[str, str] = field(default_factory=dict)  # folder -> frame as drawn, checked
    known: list[str] = field(default_factory=list)  # every page a link may lead to
    search: dict[str, Any] | None = None  # the search index's language and options
    encoding: str = "utf-8"
    suffix: str = ".html"
    files: dict[str, list[int]] = field(default_factory=dict)  # search files as last written
    checked: str = ""  # the engine whose search index was found to come back the same

    @classmethod
    def load(cls, folder: Path) -> ItemRecord | None:
        """The record, or None when there is none or it cannot be used."""
        try:
            record = cls(**read_signed(folder / RECORD, PURPOSE))
        except (OSError, ValueError, TypeError):
            return None
        fine = (isinstance(record.frame, str) and isinstance(record.frames, dict)
                and all(isinstance(v, str) for v in record.frames.values())
                and isinstance(record.known, list) and isinstance(record.files, dict)
                and (record.search is None or isinstance(record.search, dict))
                and isinstance(record.encoding, str) and isinstance(record.suffix, str)
                and isinstance(record.checked, str))
        return record if fine else None

    def save(self, folder: Path) -> None:
        """Write the record (atomically), authenticated with the cache key."""
        write_signed(folder / RECORD, PURPOSE, vars(self))


def recorded_frames(state_folder: Path, frame: str) -> set[str]:
    """The folders whose frames the record holds for this frame key."""
    record = ItemRecord.load(state_folder)
    return set(record.frames) if record is not None and record.frame == frame else set()


def _page_file(state_folder: Path, docname: str) -> Path:
    # One file per page (read only when the page changes): the name is its document name's
    # digest, never the name itself (a page name is not a path).
    digest = hashlib.sha256(docname.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return state_folder / PAGES / f"{digest}.json"


def page_record(state_folder: Path, docname: str) -> dict[str, Any] | None:
    """What the last Sphinx run (or patch) recorded of a reST page for blockpatch, if any."""
    try:
        data = read_signed(_page_file(state_folder, docname), PAGE_PURPOSE)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("docname") == docname else None


def save_page_record(state_folder: Path, docname: str, data: dict[str, Any]) -> None:
    """Record a page for blockpatch (signed with the cache key)."""
    write_signed(_page_file(state_folder, docname), PAGE_PURPOSE, {**data, "docname": docname})


def remember(state_folder: Path, html_folder: Path, frame: str, checked: dict[str, str],
             known: set[str], search: dict[str, Any] | None, encoding: str, suffix: str,
             patchable: dict[str, dict[str, Any] | None], engine: str) -> None:
    """After a Sphinx run of `engine` (engine_version): record its frames (those checked
    now, and those checked before while the frame key is the same), documents, search
    settings, search files, and the reST pages it fed to the search index (blockpatch; None:
    a page without blocks)."""
    old = ItemRecord.load(state_folder)
    frames = dict(old.frames) if old is not None and old.frame == frame else {}
    frames.update(checked)
    files = {name: signature(html_folder / name) for name in (INDEX_FILE, TEXTS_FILE)}
    # Whether the index comes back the same depends on the encoder and the index's shape,
    # which are the engine's: checked by the first edit written without Sphinx, once per
    # engine (not here: beside Sphinx's memory it raised a clean build's peak by 50 MB at
    # 5,000 standards)
    verified = old.checked if old is not None and old.checked == engine else ""
    ItemRecord(frame, frames, sorted(known), search, encoding, suffix, files,
               verified).save(state_folder)
    for docname, entry in patchable.items():
        if entry is None:
            _page_file(state_folder, docname).unlink(missing_ok=True)
        else:
            html = signature(html_folder / f"{docname}{suffix}")
            save_page_record(state_folder, docname, {**entry, "html": html})
    # the records of pages gone from the manual go with them
    kept = {_page_file(state_folder, docname).name for docname in known}
    with contextlib.suppress(OSError):
        for path in (state_folder / PAGES).iterdir():
            if path.name not in kept:
                path.unlink()


def write_without_sphinx(source: Path, html_folder: Path, state_folder: Path,
                         state: BuildState, written: list[str], item_pages: set[str],
                         previous: dict[str, str] | None = None,
                         pages_written: Callable[[], None] | None = None) -> bool:
    """Write the changed pages (`written`, document names) as Sphinx would, with the search
    index and excerpts, when each is an item page or a reST page whose blocks alone changed;
    False: Sphinx is to. `previous` holds item pages' files as they were before this build
    wrote them (render_and_write): with them, only the words that changed are changed in the
    search index. `pages_written` is called once the pages' files are written, before the
    search index is (`qms serve` shows them then); without it, False means nothing written."""
    record = ItemRecord.load(state_folder)
    if (not DIRECT or record is None or record.frame != state.frame or record.search is None
            or not written):
        return False
    if any(record.files.get(name) != signature(html_folder / name) or not record.files[name]
           for name in (INDEX_FILE, TEXTS_FILE)):
        return False
    known = set(record.known)
    pages: dict[str, dict[str, Any]] = {}
    patches: list[PagePatch] = []
    for docname in written:
        if docname not in item_pages:  # a reST page whose blocks alone changed, else Sphinx's
            entry = page_record(state_folder, docname)
            patch = entry and prepare_page_patch(
                source, html_folder / f"{docname}{record.suffix}", docname, entry, known,
                record.encoding)
            if not patch:
                return False
            patches.append(patch)
            continue
        folder, page = posixpath.split(docname)
        data = read_item((source / ITEMS / f"{docname}.json").read_text(encoding="utf-8"))
        if (folder not in record.frames or not PLAIN_NAME.fullmatch(page)
                or docname not in known or not set(data["links"]) <= known):
            return False
        pages[docname] = data
    if pages_written is not None:
        # The pages are what Sphinx would write (byte for byte, tested): shown before the
        # search index is worked out, which a reader of the page does not wait for.
        _write_pages(html_folder, state_folder, state, record, pages, patches)
        pages_written()
    index_path, texts_path = html_folder / INDEX_FILE, html_folder / TEXTS_FILE
    verified = record.checked == state.engine
    index = _updated_index(index_path.read_text(encoding="utf-8"), pages, patches,
                           record.search, verified, _previous_pages(previous or {}, pages))
    if index is None:
        return False
    if index.whole:  # the whole index came back the same: no need to check it again
        record.checked = state.engine
    if pages_written is None:
        _write_pages(html_folder, state_folder, state, record, pages, patches)
    atomic_write(index_path, index.text, durable=False)
    _write_texts(texts_path, pages, patches)
    record.files = {name: signature(html_folder / name) for name in (INDEX_FILE, TEXTS_FILE)}
    record.save(state_folder)
    return True


def _write_pages(html_folder: Path, state_folder: Path, state: BuildState, record: ItemRecord,
                 pages: dict[str, dict[str, Any]], patches: list[PagePatch]) -> None:
    # The item pages in their folder's frame, and the reST pages whose blocks were patched.
    frames = {folder: Frame.of(record.frames[folder])
              for folder in {posixpath.dirname(d) for d in pages}}
    for docname, data in pages.items():
        text = frames[posixpath.dirname(docname)].fill(
            escaped_title(data["title"]), data["body"], posixpath.basename(docname))
        write_if_changed(html_folder / f"{docname}{record.suffix}",
                         text.encode(record.encoding, "xmlcharrefreplace"))
        state.warnings.pop(docname, None)  # Sphinx would find none: every link leads to a page
    for patch in patches:
        built = html_folder / f"{patch.docname}{record.suffix}"
        write_if_changed(built, patch.html.encode(record.encoding, "xmlcharrefreplace"))
        save_page_record(state_folder, patch.docname, {**patch.record, "html": signature(built)})


def _write_texts(path: Path, pages: dict[str, dict[str, Any]],
                 patches: list[PagePatch]) -> None:
    # The pages' excerpt texts, as sphinx_excerpts keeps them when Sphinx feeds a page (a page
    # without a title has none): replaced in the file where they are, else the file anew.
    made = {docname: page_text(search_doctree(docname, data))
            if search_title(data["title"]) else "" for docname, data in pages.items()}
    made.update((patch.docname, patch.text()) for patch in patches)
    script = path.read_bytes()
    replaced = replaced_texts(script, made)
    if replaced is not None:
        if replaced != script:
            atomic_write(path, replaced, durable=False)
        return
    texts = load_texts(path)
    if update_texts(texts, made):
        atomic_write(path, script_parts(texts), durable=False)


def _previous_pages(previous: dict[str, str], pages: dict[str, dict[str, Any]]
                    ) -> dict[str, dict[str, Any]] | None:
    # The changed item pages as they were, when each one's previous file is known.
    try:
        return {docname: read_item(previous[docname]) for docname in pages}
    except (KeyError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Updated:
    """A search index written anew, and whether the whole of it was found to come back
    byte for byte from Sphinx's encoder (by this edit or an earlier one of this engine)."""

    text: str
    whole: bool


def _updated_index(text: str, pages: dict[str, dict[str, Any]], patches: list[PagePatch],
                   search: dict[str, Any], verified: bool,
                   before: dict[str, dict[str, Any]] | None = None) -> Updated | None:
    # The search index with the pages' entries replaced: their words taken out of the frozen
    # index and put back as Sphinx's IndexBuilder finds them, fed as sphinx_items feeds it
    # (the other pages' entries are not touched, nor every word sorted again: at 1,000
    # standards that was most of an edit). With the pages as they were (`before`), only the
    # words they gained or lost are changed, in the index's text (searchpatch, which checks
    # what it encodes again each time). None where the index or the indexer is not as
    # expected.
    try:
        from sphinx.search import IndexBuilder, WordStore, js_index

        version = _ENVVERSION.search(text)
        if before is not None and version:
            fed = functools.partial(_fed, IndexBuilder, WordStore,
                                    json.loads(version.group(1)), search)
            patched = patched_index(text, fed(before, patches, old=True), fed(pages, patches))
            if patched is not None:
                return Updated(patched, whole=verified)
        frozen = _loaded_index(js_index, text)
        # What comes out must be the file that came in, else hands off: checked once per
        # engine (the encoder and the index's shape are the engine's)
        if not verified and js_index.dumps(frozen) != text:
            return None
        position = {docname: i for i, docname in enumerate(frozen["docnames"])}
        indexer = _fed(IndexBuilder, WordStore, frozen["envversion"], search, pages, patches)
        if not set(indexer._titles) <= position.keys():
            return None  # a page the index does not have: Sphinx adds it
        changed = {position[docname] for docname in indexer._titles}
        for name, mapping in (("terms", indexer._mapping), ("titleterms",
                                                             indexer._title_mapping)):
            frozen[name] = merged_words(frozen[name], changed, mapping, position)
        for docname, title in indexer._titles.items():
            frozen["titles"][position[docname]] = title
            frozen["filenames"][position[docname]] = indexer._filenames.get(docname)
        frozen["alltitles"] = merged_titles(frozen["alltitles"], changed,
                                            indexer._all_titles, position)
        return Updated(str(js_index.dumps(frozen)), whole=True)
    except (ImportError, AttributeError, TypeError, ValueError, KeyError, IndexError):
        return None


def _loaded_index(js_index: Any, text: str) -> dict[str, Any]:
    # The frozen index as Sphinx froze it: JSON made the object types' numbers strings; as
    # numbers again they sort as Sphinx sorted them.
    frozen: dict[str, Any] = js_index.loads(text)
    for name in ("objtypes", "objnames"):
        frozen[name] = {int(key): value for key, value in frozen[name].items()}
    return frozen


def _fed(builder: Any, word_store: Any, version: Any, search: dict[str, Any],
         pages: dict[str, dict[str, Any]], patches: list[PagePatch], old: bool = False) -> Any:
    # An IndexBuilder of no page, fed the changed pages as Sphinx (or sphinx_items) feeds them
    # (old: the reST pages with the blocks they had).
    empty: dict[str, Any] = {f"_search_index_{name}": {} for name in (
        "titles", "filenames", "mapping", "title_mapping", "all_titles", "index_entries",
        "objtypes", "objnames")}
    env = SimpleNamespace(version=version, domains=None, **empty)
    indexer = builder(env, search["language"], search["options"], "")
    collect = indexer._word_collector

    def once_each(doctree: Any) -> Any:
        # A word's pages are a set: fed once, a word gives what it gives fed many times (a
        # page that lists thousands of standards has each of their words many times over)
        store = collect(doctree)
        store.words = list(dict.fromkeys(store.words))
        return store

    indexer._word_collector = once_each
    for docname, data in pages.items():
        indexer.feed(docname, f"{docname}.html", search_title(data["title"]),
                     search_doctree(docname, data))
    for patch in patches:  # the words Sphinx would collect from the page's document
        store = patch.words(indexer.lang.split, word_store, old=old)
        store.words = list(dict.fromkeys(store.words))
        indexer._word_collector = lambda _doctree, store=store: store
        indexer.feed(patch.docname, patch.record["filename"], patch.record["title"],
                     nodes.document(None, None))  # type: ignore[arg-type]
    indexer._word_collector = collect
    return indexer
