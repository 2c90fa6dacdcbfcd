"""`qms serve`: the manual on localhost, rebuilt (incrementally) whenever a file changes."""

from __future__ import annotations

import dataclasses
import functools
import sys
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from qms.base.errors import QmsError
from qms.format.load import open_config
from qms.manual.build import BuildOptions, BuildPaths, BuildResult, build, build_paths
from qms.manual.buildmemory import BuildMemory
from qms.manual.firstpages import FirstPages
from qms.manual.pipeline import warm
from qms.manual.sphinx_build import SphinxSession

# Wait for a burst of saves (an editor's write and rename, a git checkout) to settle: one
# save's events come within a millisecond or two; a burst with longer pauses builds twice,
# the second build ending as the files are, and every wait here is part of an edit's delay.
QUIET_SECONDS = 0.05
BUILD_WAIT_SECONDS = 120  # a request made while a rebuild writes waits this long at most


class _Handler(SimpleHTTPRequestHandler):
    """Serves build/html once no rebuild is writing it (Sphinx rewrites pages in place, so a
    page read half-way would be cut short), or a page the rebuild wrote first (firstpages);
    logs nothing per request."""

    gate: FirstPages

    def __init__(self, *args: Any, gate: FirstPages, **kwargs: Any) -> None:
        self.gate = gate
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the standard handler's name
        """Answer as the standard handler does, once the page may be read."""
        file = self._file()
        self.gate.asked(file)
        with self.gate.reading(file, BUILD_WAIT_SECONDS):
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802 - the standard handler's name
        """As do_GET, without the body."""
        with self.gate.reading(self._file(), BUILD_WAIT_SECONDS):
            super().do_HEAD()

    def _file(self) -> Path:
        # The file a request names, as the standard handler finds it (a folder: its index).
        file = Path(self.translate_path(self.path))
        return file / "index.html" if self.path.split("?")[0].endswith("/") else file

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """Stay quiet."""


class _Changes(FileSystemEventHandler):
    """Sets a flag when a file outside the build folder and .git changes."""

    def __init__(self, ignored: list[Path]) -> None:
        super().__init__()
        self.ignored = [str(p) for p in ignored]
        self.changed = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Note the change unless it is the build's own output."""
        where = str(event.src_path)
        if event.event_type in ("opened", "closed", "closed_no_write"):
            return
        if not any(where == p or where.startswith(p + "/") for p in self.ignored):
            self.changed.set()


def _rebuild(root: Path, options: BuildOptions,
             report: Callable[[BuildResult, bool], bool]) -> None:
    if options.first is not None:
        options.first.begin()
    try:
        report(build(root, options), False)
    except QmsError as exc:
        print(f"qms: error: {exc}", file=sys.stderr, flush=True)
    finally:
        if options.first is not None:
            options.first.end()


def _settle(options: BuildOptions) -> None:
    # After the pages are served: the next build's collections scan only what it makes.
    if options.memory is not None:
        options.memory.settle()


def serve(path: Path, port: int, options: BuildOptions,
          report: Callable[[BuildResult, bool], bool]) -> None:
    """Build, serve build/html on 127.0.0.1:port, and rebuild on changes until interrupted."""
    root, config = open_config(path)
    # The edition's folder, which holds the other languages' manuals too; the address printed
    # is the home page of the language built (--language), else of manual.language's.
    paths = build_paths(root, config, options.audience)
    home = build_paths(root, config, options.audience, options.language).html
    start = home.relative_to(paths.html).as_posix().removeprefix(".")
    # One Sphinx application for every rebuild: no start-up and no environment to unpickle;
    # and what one build read, for the next to read only what changed.
    session = options.sphinx or SphinxSession()
    memory = options.memory or BuildMemory()
    try:
        _serve(root, paths, start, port, dataclasses.replace(
            options, sphinx=session, memory=memory, first=options.first or FirstPages()),
               report)
    finally:
        session.close()


def _serve(root: Path, paths: BuildPaths, start: str, port: int, options: BuildOptions,
           report: Callable[[BuildResult, bool], bool]) -> None:
    _rebuild(root, options, report)  # (in a forked child, which keeps no memory)
    if options.memory is not None:
        warm(root, paths, options)
    _settle(options)
    paths.html.mkdir(parents=True, exist_ok=True)
    assert options.first is not None  # (serve made it)
    handler = functools.partial(_Handler, directory=str(paths.html), gate=options.first)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise QmsError(f"cannot serve on port {port}: {exc.strerror}; try --port") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    changes = _Changes([paths.root.resolve(), root.resolve() / ".git"])
    observer = Observer()
    observer.schedule(changes, str(root.resolve()), recursive=True)
    observer.start()
    print(f"serving the manual at http://127.0.0.1:{server.server_port}/"
          f"{start + '/' if start else ''} "
          "(rebuilt on every change; Ctrl-C stops)", flush=True)
    try:
        while True:
            changes.changed.wait()
            while changes.changed.wait(QUIET_SECONDS):
                changes.changed.clear()
            _rebuild(root, options, report)
            _settle(options)
    finally:
        observer.stop()
        server.shutdown()
