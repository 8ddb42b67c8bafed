"""Child processes that end with their parent (Linux ``prctl(PR_SET_PDEATHSIG)``).

A process killed outright (SIGKILL, the OOM killer) cannot stop its children: gunicorn's
workers went on holding the port for up to 60 s, so the master supervisord started again
could not bind it; RQ's scheduler process outlived a killed job worker. Each such child asks
Linux to send it SIGTERM as soon as the process that forked it is gone.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal

__all__ = ["end_with_parent", "children_end_with_this_process"]

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1   # prctl(2)


def end_with_parent(parent: int) -> None:
    """In a forked child: SIGTERM when ``parent`` (the process that forked it) ends; at once if
    it already has, between the fork and this call."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def children_end_with_this_process() -> None:
    """Every child this process forks from now on (``os.fork``, multiprocessing) ends with it.
    Linux ties the signal to the forking thread: call it from the thread that forks (the main
    thread of ``ckan nakano worker``)."""
    # The forking process's id, noted just before each fork (the child has a copy of it): a
    # child that forks in turn (a job's own process) is the parent of its children.
    forking = [os.getpid()]

    def note() -> None:
        forking[0] = os.getpid()

    os.register_at_fork(before=note, after_in_child=lambda: end_with_parent(forking[0]))
