"""Parallel work: as many processes as this process may use CPUs, and no fork beside threads."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import jinja2
import pytest

from qms.base.errors import QmsError
from qms.base.workers import ChildFailed, in_forked_child
from qms.manual import render


def test_worker_counts_follow_the_cpus_this_process_may_use() -> None:
    # A process pinned to one CPU of the machine (taskset, a container's cpuset) forks no
    # worker, however many CPUs the machine has.
    script = (
        "import os\n"
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "from qms.base.workers import fork_workers, usable_cpus\n"
        "print(usable_cpus(), fork_workers(4))\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                           text=True).stdout
    assert shown == "1 1\n"


def _render_pids(folder: Path) -> set[str]:
    # Each page prints the id of the process that rendered it.
    env = jinja2.Environment(loader=jinja2.DictLoader({"pid.rst": "{{ pid() }}"}))
    env.globals["pid"] = os.getpid
    pages = [render.Page(docname=f"page{i}", template="pid.rst", context={}) for i in range(40)]
    written = render.render_and_write(env, pages, {}, folder)
    assert written == [page.docname for page in pages]
    return {(folder / f"{page.docname}.rst").read_text(encoding="utf-8") for page in pages}


def test_pages_are_not_forked_out_while_other_threads_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr("qms.base.workers.usable_cpus", lambda: 2)
    assert _render_pids(tmp_path / "alone") != {str(os.getpid())}  # forked: another process
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)  # as `qms serve`'s server thread
    server.start()
    try:
        assert _render_pids(tmp_path / "beside-a-thread") == {str(os.getpid())}
    finally:
        stop.set()
        server.join()


def test_work_in_a_forked_child_returns_its_result_and_leaves_its_memory_there() -> None:
    grown: list[int] = []

    def work() -> tuple[int, int]:
        grown.extend(range(100_000))  # in the child's memory only
        return os.getpid(), len(grown)

    child, size = in_forked_child(work)
    assert child != os.getpid() and size == 100_000
    assert grown == []


def test_an_error_in_the_child_is_raised_here() -> None:
    def refuse() -> None:
        raise QmsError("templates/standard.html.j2:3: the template may not do that")

    with pytest.raises(QmsError, match="standard.html.j2:3: the template may not do that"):
        in_forked_child(refuse)

    def unpicklable() -> None:
        raise ValueError(lambda: None)  # cannot be pickled: its traceback comes instead

    with pytest.raises(ChildFailed, match="ValueError"):
        in_forked_child(unpicklable)

    def dies() -> None:
        os._exit(9)

    with pytest.raises(ChildFailed, match="without a result"):
        in_forked_child(dies)


def test_beside_a_thread_the_work_runs_here() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert in_forked_child(os.getpid) == os.getpid()
    finally:
        stop.set()
        thread.join()
