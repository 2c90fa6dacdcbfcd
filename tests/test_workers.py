"""Parallel work: as many processes as this process may use CPUs, and no fork beside threads."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import jinja2
import pytest

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
