"""The job worker (``ckan nakano worker``): CKAN's RQ worker, started again
when it quits.

RQ's worker quits on any Redis error ("found an unhandled exception,
quitting"): after a Redis restart, DataStore loads and validation would wait
until someone restarted it. Here it starts again (every 2 s while Redis is
away) until it is asked to stop.
"""
from __future__ import annotations

import logging
import threading

from ckan.lib.jobs import Worker, get_all_queues

from ..process_life import children_end_with_this_process
from .loop import run_forever

__all__ = ["run_worker", "rename_queued_jobs", "RENAMED"]

log = logging.getLogger(__name__)

# Job functions that moved (issue 18), old dotted name → new: jobs queued by
# the previous release name the old one, which no longer imports. Remove with
# the release after next.
RENAMED = {
    "ckanext.nakano.queue.run_pending": "ckanext.nakano.background.queues.run_pending",
    "ckanext.nakano.metrics.worker.daily_tasks": "ckanext.nakano.background.upkeep.run_daily_tasks",
}


def rename_queued_jobs() -> list[str]:
    """Point waiting jobs that name a moved function at its new name; their ids."""
    renamed = []
    for rq_queue in get_all_queues():
        for job in rq_queue.get_jobs():
            new = RENAMED.get(job.func_name)
            if new:
                # RQ keeps (function name, instance, args, kwargs) serialized together.
                job.data = job.serializer.dumps((new, None, job.args, job.kwargs))
                job.save()
                renamed.append(job.id)
    if renamed:
        log.info("queued jobs moved to their functions' new names: %s", len(renamed))
    return renamed


class _Worker(Worker):
    """CKAN's worker, which also honours a stop asked for while it was starting:
    RQ (2.10, ``Worker.work``) installs its signal handlers only after it has
    registered itself, and a SIGTERM in between reaches run_forever's handler."""

    def __init__(self, queues: list[str], stop: threading.Event):
        super().__init__(queues)
        self._asked_to_stop = stop

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()
        if self._asked_to_stop.is_set():
            self._stop_requested = True   # RQ's loop checks it before waiting for a job


def run_worker(queues: list[str]) -> None:
    """Work on ``queues`` (first one first) until SIGTERM/SIGINT. RQ's scheduler process and
    the job's work horse end with this process (a killed worker left its scheduler running)."""
    children_end_with_this_process()

    def step(stop: threading.Event) -> float:
        rename_queued_jobs()
        worker = _Worker(queues, stop)
        worker.work(with_scheduler=True)
        # RQ's own signal handler took the SIGTERM/SIGINT while it worked: stop
        # too. RQ 2.10 notes the request in _shutdown_requested_date whether it
        # was idle or busy (_stop_requested only when busy), and says so nowhere
        # public; taking only the busy case restarted an idle worker that was
        # asked to stop, until supervisord killed it.
        if getattr(worker, "_shutdown_requested_date", None) or getattr(worker, "_stop_requested", False):
            stop.set()
        else:
            log.warning("job worker quit (Redis unreachable?); starting it again in 2 s")
        return 2

    run_forever("job worker", step)
