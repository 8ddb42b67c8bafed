"""The one loop of every long-running process of ours (job worker, harvest
consumers and scheduler, metrics ingester, upkeep).

A PostgreSQL or Redis restart must not end a process: a step that fails is
logged, its database session rolled back, and the next step comes after a
pause. SIGTERM and SIGINT end the loop after the step in hand (supervisord
and ``docker stop`` send SIGTERM). The supervisor restarts a process that
dies anyway (killed, out of memory).
"""
from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import Any, Callable

from ckan import model

__all__ = ["run_forever", "reset_session"]

log = logging.getLogger(__name__)

# A step: does one unit of work and returns how many seconds to wait before
# the next (0 or None: at once). It may set ``stop`` itself to end the loop.
Step = Callable[[threading.Event], "float | None"]


def run_forever(name: str, step: Step, *, error_wait: float = 2.0, once: bool = False,
                stop: threading.Event | None = None) -> None:
    """Run ``step`` until SIGTERM/SIGINT (or ``stop`` is set; ``once``: one step)."""
    stop = stop or threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        log.info("%s: asked to stop (signal %s)", name, signum)
        stop.set()

    while not stop.is_set():
        # Again before every step: a step may install handlers of its own (RQ's worker does).
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        wait: float | None = 0
        try:
            wait = step(stop)
        except Exception:  # a service away or a bug in one step must not end the process
            log.exception("%s: step failed; going on in %s s", name, error_wait)
            reset_session()
            wait = error_wait
        finally:
            model.Session.remove()
        if once:
            return
        if wait:
            stop.wait(wait)


def reset_session() -> None:
    """The session after a failed step: rolled back (the database may be gone, so
    the rollback itself may fail) and removed."""
    with contextlib.suppress(Exception):  # a dead connection: removing the session is enough
        model.Session.rollback()
    model.Session.remove()
