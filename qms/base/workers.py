"""How many processes may share parallel work: the CPUs this process may use, never forked
from a process where other threads run."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading


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
    return "fork" in mp.get_all_start_methods() and threading.active_count() == 1


def fork_workers(limit: int) -> int:
    """How many processes (this one included, at most limit) may share work by fork now."""
    return max(1, min(usable_cpus(), limit)) if can_fork() else 1
