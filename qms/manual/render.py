"""Render the manual's reST from Jinja2 templates, escaping every value, writing only changes.

Every `{{ value }}` a template prints is escaped for reST unless it is already reST made by the
helpers below (an `Rst` string): a YAML value can never become markup, a directive or a role.
Tables go through the `qms-table` directive as JSON lines, so their cells are never reST at all.

Templates come from the repository's templates/ folder first and from qms's own second, as in
mkdocs; qms's own stay reachable as `qms/<name>` so an override can extend one and change a
single block. A repository is untrusted (CI builds pull requests), so every template runs in
Jinja2's sandbox, which also keeps it away from files, modules, classes and pydantic's own API.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any

import jinja2
import jinja2.sandbox
from pydantic import BaseModel

from qms.base.errors import QmsError
from qms.base.links import is_inside, link_outside_message
from qms.base.workers import fork_workers
from qms.manual.itemdata import ITEMS, item_json
from qms.manual.tablehtml import plain_text, table_html

PACKAGED = Path(__file__).resolve().parent / "templates"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~•‣⁃])")  # ASCII punctuation and docutils' bullets
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_JSON_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


class Rst(str):
    """Text that is already reST (made by a helper); templates print it as it is."""

    __slots__ = ()


def escape(value: Any) -> Rst:
    """A value as one line of literal reST text: whitespace collapsed, every markup char escaped."""
    if value is None:
        return Rst("")
    text = " ".join(_CONTROL.sub("", _plain(value)).split())
    return Rst(_PUNCTUATION.sub(r"\\\1", text))


_plain = plain_text


def paragraphs(value: Any, indent: int = 0) -> Rst:
    """Text as escaped paragraphs (split at blank lines), each indented by `indent` spaces."""
    pad = " " * indent
    blocks = re.split(r"\n\s*\n", _CONTROL.sub("", _plain(value or "")))
    parts = [pad + escape(block) for block in blocks if block.strip()]
    return Rst("\n\n".join(parts))


def width(text: str) -> int:
    """How many columns text takes (East Asian wide characters take two), as docutils counts."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def title(value: Any, char: str = "=") -> Rst:
    """A section title: the escaped text and an underline long enough for it."""
    text = escape(value) or Rst("\\-")
    return Rst(f"{text}\n{char * max(width(text), 4)}")


def cell(text: Any, doc: str | None = None, anchor: str | None = None,
         cls: str | None = None, p: bool = False) -> dict[str, Any]:
    """One span of a table cell: text, optionally a link to a page (and anchor) or a CSS class."""
    span: dict[str, Any] = {"t": "" if text is None else _plain(text)}
    if doc is not None:
        span["doc"] = doc
    if anchor:
        span["anchor"] = anchor
    if cls:
        span["cls"] = cls
    if p:
        span["p"] = True
    return span


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=_plain, separators=(",", ":"))
    for char, escaped in _JSON_BREAKS.items():  # characters str.splitlines() breaks at
        text = text.replace(char, escaped)
    return text


@dataclass(frozen=True)
class Table:
    """A table as data: a reST page prints it as a `qms-table` directive, an HTML page as
    escaped HTML (made once, here, without a template call per cell).

    `search=False` keeps the table out of the search index: tables that gather what other
    pages own (registers, indexes) would otherwise make every search return them too.
    """

    header: list[Any] | None
    rows: list[Any] = field(default_factory=list)
    stub: int = 0
    cls: str | None = None
    search: bool = True

    def settings(self) -> dict[str, Any]:
        """The table's first JSON line: header, stub columns, class, search."""
        settings: dict[str, Any] = {"header": self.header}
        if self.stub:
            settings["stub"] = self.stub
        if self.cls:
            settings["class"] = self.cls
        if not self.search:
            settings["search"] = False
        return settings

    def rst(self) -> Rst:
        """The `qms-table` directive: the table as one line of JSON (cells never become reST),
        encoded in one call."""
        return Rst(".. qms-table::\n\n   " + _json({**self.settings(), "rows": self.rows}))

    def html(self, docname: str) -> str:
        """The table's HTML on page `docname`; outside search it is marked `no-search`."""
        settings = self.settings()
        if not self.search:
            settings["class"] = f"{self.cls or ''} no-search"
        if not (self.header or self.rows):
            return ""
        return table_html(settings, self.rows, docname).rstrip("\n")


def make_table(header: list[Any] | None, rows: Iterable[Any], stub: int = 0,
               cls: str | None = None, search: bool = True) -> Table:
    """A table for a template to print (the `table()` of templates)."""
    return Table(header, list(rows), stub, cls, search)


def table(header: list[Any] | None, rows: Iterable[Any], stub: int = 0,
          cls: str | None = None, search: bool = True) -> Rst:
    """A `qms-table` directive (see Table)."""
    return make_table(header, rows, stub, cls, search).rst()


def link(text: Any, doc: str) -> Rst:
    """An inline link to another page of the manual, with text shown literally."""
    return Rst(f":doc:`{escape(text) or doc} </{doc}>`")


def _finalize(value: Any) -> Any:
    # Autoescaping for reST: only helper output (Rst) and `|safe` output pass unescaped.
    if isinstance(value, (Rst, jinja2.runtime.Markup)):
        return value
    if isinstance(value, Table):
        return value.rst()
    return escape(value)


class Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja2's sandbox, narrowed: no attribute of a path, module or class, and of a pydantic
    model only its fields and qms's own methods (pydantic's API reads files: `parse_file`)."""

    repository_templates: str | None = None  # the folder whose templates are the user's

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Jinja2 asks before every attribute access (a large build asks millions of times);
        # the answer depends only on the object's type and the attribute's name.
        self._decided: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Whether a template may read obj.attr (Jinja2 asks before every attribute access)."""
        if isinstance(value, ModuleType):
            return False
        key = (type(obj), attr)
        decided = self._decided.get(key)
        if decided is None:
            decided = self._decided[key] = self._type_allows(obj, attr, value)
        return decided

    def _type_allows(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, (PurePath, ModuleType, type)):
            return False
        if isinstance(obj, BaseModel) and hasattr(BaseModel, attr):
            return False
        return super().is_safe_attribute(obj, attr, value)


class RepositoryLoader(jinja2.FileSystemLoader):
    """The repository's templates/ folder, refusing symbolic links that lead out of the
    repository (before anything is read from them)."""

    def __init__(self, folder: Path, root: Path) -> None:
        super().__init__(str(folder))
        self.folder, self.root = folder, root

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, unless its file is a link to a place outside the repository."""
        path = self.folder.joinpath(*jinja2.loaders.split_template_path(template))
        if path.is_file() and not is_inside(path, self.root):
            shown = os.path.relpath(path, self.root)
            raise QmsError(f"{shown}: {link_outside_message(path)}")
        return super().get_source(environment, template)


def environment(user_templates: Path | None, cache: Path | None = None,
                root: Path | None = None) -> jinja2.Environment:
    """The Jinja2 sandbox: the repository's templates first, qms's packaged ones second.

    `cache` keeps compiled templates between builds (compiling them costs more than a
    small rebuild renders). `root` is the repository the templates must stay in (default:
    the folder holding user_templates).
    """
    env = sandbox(user_templates, cache, root, finalize=_finalize, autoescape=False)
    env.filters.update(rst=escape, paras=paragraphs, title=title)
    env.globals.update(table=make_table, cell=cell, link=link, Rst=Rst)
    return env


def sandbox(user_templates: Path | None, cache: Path | None, root: Path | None,
            **options: Any) -> Sandbox:
    """A Sandbox whose templates come from the repository's folder first, qms's second."""
    packaged = jinja2.FileSystemLoader(str(PACKAGED))
    loaders: list[jinja2.BaseLoader] = []
    user = user_templates if user_templates is not None and user_templates.is_dir() else None
    if user is not None:
        loaders.append(RepositoryLoader(user, root or user.parent))
    loaders += [jinja2.PrefixLoader({"qms": packaged}), packaged]
    env = Sandbox(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        extensions=["jinja2.ext.do"], bytecode_cache=_bytecode_cache(cache), **options)
    if user is not None:
        env.repository_templates = os.path.join(str(user), "")
    return env


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


@dataclass(frozen=True)
class Page:
    """One page of the manual: its document name, template and context.

    `inputs` names every item (by id) whose file the page shows something of; a page whose
    inputs, templates and settings are unchanged since the last build is not rendered again.
    None means the page gathers from everything (an index, a register) and is always rendered.
    """

    docname: str
    template: str
    context: dict[str, Any]
    inputs: tuple[str, ...] | None = None


def render_page(env: jinja2.Environment, page: Page, common: dict[str, Any]) -> str:
    """The reST of one page; template problems become QmsError naming the template."""
    try:
        return env.get_template(page.template).render(
            {**common, **page.context, "pagename": page.docname})
    except QmsError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise QmsError(f"{exc.filename or exc.name}:{exc.lineno}: template error: "
                       f"{exc.message}") from None
    except jinja2.sandbox.SecurityError as exc:
        raise QmsError(f"{_template_place(exc, None)}template {page.template} (page "
                       f"{page.docname}) tried something templates may not do: {exc} "
                       "(templates run sandboxed; README: \"Templates\" lists what they "
                       "may use)") from None
    except jinja2.TemplateError as exc:
        raise QmsError(f"{_template_place(exc, None)}template {page.template} (page "
                       f"{page.docname}): {exc}") from None
    except Exception as exc:
        # A fault in the repository's own template (1/0, a bad index) is the user's to fix;
        # one in qms's packaged templates is a bug and keeps its traceback.
        folder = getattr(env, "repository_templates", None)
        place = _template_place(exc, folder) if folder else ""
        if not place:
            raise
        hint = (f"; a template that extends itself never ends: an override extends qms's own "
                f"as \"qms/{page.template}\"" if isinstance(exc, RecursionError) else "")
        raise QmsError(f"{place}template {page.template} (page {page.docname}): "
                       f"{type(exc).__name__}: {exc}{hint}") from None


def _template_place(exc: BaseException, folder: str | None) -> str:
    # Jinja2 rewrites tracebacks so that template frames carry the template's file and line;
    # the innermost such frame (under `folder`, when given) is where the template went wrong.
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename
        if name.endswith(".j2") and (folder is None or name.startswith(folder)):
            return f"{name}:{frame.lineno}: "
    return ""


def write_if_changed(path: Path, text: str | bytes,
                     before: Callable[[], object] | None = None) -> bool:
    """Write text (UTF-8) or bytes to path unless it already holds exactly that; True when it
    wrote. `before` is called just before it writes (buildstate.PendingNotes)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    if before is not None:
        before()
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


# Below this many pages a second process costs more than it saves.
PARALLEL_PAGES = 300
_SHARED: tuple[Any, ...] | None = None  # what a forked renderer inherits (nothing is pickled)


def render_and_write(env: jinja2.Environment, pages: Sequence[Any], common: dict[str, Any],
                     source: Path, html_env: jinja2.Environment | None = None,
                     previous: dict[str, str] | None = None,
                     noting: Callable[[str], object] | None = None) -> list[str]:
    """Render pages into source/<docname>.rst (an HTML template's page: into
    source/_items/<docname>.json, made with html_env), writing only changes; the docnames written.
    `previous` gets the files of the item pages written as they were before, where pages are
    few enough to be rendered in this process (an edit's). `noting` is called with the document
    name of each page just before its file is written.

    Many pages are shared out over the CPUs this process may use by fork: the children inherit
    the project, the templates and the context as they are, and send back only the names
    written. Where other threads run (`qms serve`) the pages are rendered here, one by one.
    """
    workers = fork_workers(4)
    if len(pages) < PARALLEL_PAGES or workers < 2:
        return _render_share((env, html_env), pages, common, source, previous, noting)
    import multiprocessing as mp  # 12 ms to import: only where pages are shared out
    from concurrent.futures import ProcessPoolExecutor

    global _SHARED
    _SHARED = ((env, html_env), pages, common, source, workers, noting)
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_render_forked, worker) for worker in range(1, workers)]
            written = _render_share((env, html_env), pages[0::workers], common, source,
                                    noting=noting)
            for future in futures:
                written += future.result()
    finally:
        _SHARED = None
    done = set(written)
    return [page.docname for page in pages if page.docname in done]  # in the pages' order


def _render_forked(worker: int) -> list[str]:
    assert _SHARED is not None  # set by render_and_write before the fork
    envs, pages, common, source, workers, noting = _SHARED
    return _render_share(envs, pages[worker::workers], common, source, noting=noting)


def page_file(page: Page) -> str:
    """Where a page's rendered text goes, relative to the build's source folder."""
    if page.template.endswith(".html.j2"):
        return f"{ITEMS}/{page.docname}.json"
    return f"{page.docname}.rst"


def _render_share(envs: tuple[jinja2.Environment, jinja2.Environment | None],
                  pages: Sequence[Any], common: dict[str, Any], source: Path,
                  previous: dict[str, str] | None = None,
                  noting: Callable[[str], object] | None = None) -> list[str]:
    written = []
    for page in pages:
        name = page_file(page)
        if name.startswith(ITEMS):
            assert envs[1] is not None, "an HTML page needs the HTML environment"
            text = item_json(page.docname, render_page(envs[1], page, common))
            if previous is not None:
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    before = (source / name).read_text(encoding="utf-8")
                    if before != text:
                        previous[page.docname] = before
        else:
            text = render_page(envs[0], page, common)
        noted = functools.partial(noting, page.docname) if noting else None
        if write_if_changed(source / name, text, noted):
            written.append(page.docname)
    return written
