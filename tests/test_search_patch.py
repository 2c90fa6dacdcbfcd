"""The search index changed in its text (qms.manual.searchpatch) is the index Sphinx's encoder
writes of the pages as they are now, worked out here independently: whole, from every page's
words, with json.dumps as sphinx.search.js_index uses it."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from qms.manual.searchpatch import PREFIX, SUFFIX, patched_index

# Words and titles full of what a JSON key must escape, or could be taken for structure.
_WORDS = st.text(alphabet=st.sampled_from('ab"\\:,{}[]é中\u2028'), min_size=1, max_size=4)
_PAGE = st.fixed_dictionaries({
    "words": st.sets(_WORDS, max_size=5), "title_words": st.sets(_WORDS, max_size=2),
    "title": st.text(alphabet=st.sampled_from('Ab "\\:,]中'), min_size=1, max_size=6),
    "sections": st.lists(st.sampled_from(["Do", "Don't", "中文", 'a"b']), max_size=3)})


def _all_titles(page: dict[str, Any]) -> list[tuple[str, str | None]]:
    # A page's title, then its sections' (with their anchors), in the page's order.
    return [(page["title"], None), *((title, f"s{n}") for n, title in enumerate(page["sections"]))]


def _frozen_words(pages: list[dict[str, Any]], field: str) -> dict[str, Any]:
    # As IndexBuilder.get_terms freezes them: one page's number, or the sorted numbers.
    found: dict[str, list[int]] = {}
    for number, page in enumerate(pages):
        for word in page[field]:
            found.setdefault(word, []).append(number)
    return {word: numbers[0] if len(numbers) == 1 else numbers
            for word, numbers in found.items()}


# Sphinx 8.0 writes json's own separators, 8.1 on none with spaces
_SEPARATORS = st.sampled_from([(",", ":"), (", ", ": ")])


def _index(pages: list[dict[str, Any]], separators: tuple[str, str] = (",", ":")) -> str:
    alltitles: dict[str, list[list[Any]]] = {}
    for number, page in enumerate(pages):
        for title, anchor in _all_titles(page):
            alltitles.setdefault(title, []).append([number, anchor])
    data = {"alltitles": alltitles, "docnames": [f"p/{n}" for n in range(len(pages))],
            "envversion": {"sphinx": 65}, "filenames": [f"p/{n}.rst" for n in range(len(pages))],
            "indexentries": {}, "objects": {}, "objnames": {}, "objtypes": {},
            "terms": _frozen_words(pages, "words"), "titles": [p["title"] for p in pages],
            "titleterms": _frozen_words(pages, "title_words")}
    return PREFIX + json.dumps(data, separators=separators, sort_keys=True) + SUFFIX


def _fed(pages: dict[int, dict[str, Any]]) -> SimpleNamespace:
    # What an IndexBuilder fed these pages holds of them.
    mapping: dict[str, set[str]] = {}
    title_mapping: dict[str, set[str]] = {}
    for number, page in pages.items():
        for word in page["words"]:
            mapping.setdefault(word, set()).add(f"p/{number}")
        for word in page["title_words"]:
            title_mapping.setdefault(word, set()).add(f"p/{number}")
    return SimpleNamespace(
        _mapping=mapping, _title_mapping=title_mapping,
        _titles={f"p/{n}": p["title"] for n, p in pages.items()},
        _filenames={f"p/{n}": f"p/{n}.rst" for n in pages},
        _all_titles={f"p/{n}": _all_titles(p) for n, p in pages.items()})


@given(st.lists(_PAGE, min_size=1, max_size=8), _SEPARATORS, st.data())
def test_the_changed_words_give_the_index_of_the_pages_as_they_are(
        pages: list[dict[str, Any]], separators: tuple[str, str], data: st.DataObject) -> None:
    numbers = data.draw(st.sets(st.integers(0, len(pages) - 1), min_size=1))
    now = [data.draw(_PAGE) if n in numbers else page for n, page in enumerate(pages)]
    before = _fed({n: pages[n] for n in numbers})
    after = _fed({n: now[n] for n in numbers})
    assert patched_index(_index(pages, separators), before, after) == _index(now, separators)


@given(st.lists(_PAGE, min_size=2, max_size=6), _WORDS)
def test_an_index_that_does_not_hold_a_page_as_it_was_is_not_patched(
        pages: list[dict[str, Any]], word: str) -> None:
    # The page is said to have held a word its entry does not list (or to gain one it lists):
    # the index is not the one the page's previous version made.
    text = _index(pages)
    claimed = {**pages[0], "words": pages[0]["words"] ^ {word}}
    assert patched_index(text, _fed({0: claimed}), _fed({0: pages[0]})) is None
    assert patched_index(text, _fed({0: pages[0]}), _fed({0: claimed})) is not None
    assert patched_index(text[:-1], _fed({0: pages[0]}), _fed({0: claimed})) is None


def test_a_section_that_does_not_encode_back_to_its_text_is_not_patched() -> None:
    # Its titles written with spaces in an index without: what qms would encode again of it
    # would not be what Sphinx wrote, so nothing is changed (the caller merges the whole).
    pages = [{"words": {"a"}, "title_words": {"t"}, "title": "One", "sections": []},
             {"words": {"b"}, "title_words": {"u"}, "title": "Two", "sections": []}]
    text = _index(pages)
    spaced = text.replace('"titles":["One","Two"]', '"titles":["One", "Two"]')
    assert spaced != text
    retitled = {**pages[0], "title": "Uno"}
    assert patched_index(text, _fed({0: pages[0]}), _fed({0: retitled})) is not None
    assert patched_index(spaced, _fed({0: pages[0]}), _fed({0: retitled})) is None
    # a word entry written otherwise than Sphinx writes one
    listed = text.replace('"b":1', '"b":[1]')
    assert listed != text
    assert patched_index(listed, _fed({1: pages[1]}), _fed({1: {**pages[1], "words": set()}})) \
        is None
