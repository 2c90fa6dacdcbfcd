"""How many processes may share parallel work: the CPUs this process may use, never forked
from a process where other threads run; and work done in a forked child, its memory gone with
it."""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TypeVar


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, a container's limit), not the machine's."""
    counted = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counted is not None:
        return counted() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork workers: fork exists and no other thread runs.

    A child forked while another thread holds a lock (the logging, import or allocator lock;
    `qms serve`'s server and file watcher run beside its builds) inherits it held for ever.
    """
    # os.fork exists where multiprocessing offers its "fork" start method (not on Windows);
    # asking multiprocessing would import it (12 ms) for every build that shares out nothing.
    return hasattr(os, "fork") and threading.active_count() == 1


def fork_workers(limit: int) -> int:
    """How many processes (this one included, at most limit) may share work by fork now."""
    return max(1, min(usable_cpus(), limit)) if can_fork() else 1


T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The forked child ended without a result (killed, or its error could not be sent)."""


def in_forked_child(work: Callable[[], T]) -> T:
    """work() run in a forked child, its result (or its exception) sent back through a pipe.

    What the child allocated is gone with it: `qms build` loads and renders in a child, so the
    memory of the loaded repository is not added to Sphinx's. The pipe carries this process's
    own child's pickle, never a file's. Without fork (or with other threads) work runs here.
    """
    if not can_fork():
        return work()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # what is buffered now would be written twice, by both processes
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        code = 0
        try:
            try:
                data = pickle.dumps((True, work()))
            except BaseException as exc:  # sent back and raised there, as if raised here
                code = 1
                try:
                    data = pickle.dumps((False, exc))
                except Exception:  # an exception that cannot be pickled: its traceback
                    data = pickle.dumps((False, ChildFailed(traceback.format_exc())))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as incoming:
        data = incoming.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise ChildFailed(f"the build's worker process ended without a result ({status})")
    succeeded, value = pickle.loads(data)  # noqa: S301 - our own child's, through a pipe
    if not succeeded:
        raise value
    return value  # type: ignore[no-any-return]
