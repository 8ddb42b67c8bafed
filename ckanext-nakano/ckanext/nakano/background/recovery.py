"""Work whose process died (killed, out of memory, machine lost): each feature
registers here what to do with its own, and ``recover`` (run by the upkeep
pass) applies it; this module knows none of them.

Two kinds of abandoned work:

- RQ jobs. RQ sees a job as abandoned when its worker's heartbeat is 90 s
  late, but only moves it to the failed jobs when a worker cleans its
  registries (every few minutes) and never runs it again; the subject's
  status would say "running" for good. Here an abandoned job is run again
  once (or loaded afresh, when the feature says so); abandoned a second time
  it fails and the feature's ``give_up`` makes the subject say so.
- Work kept elsewhere (harvest objects in ckanext-harvest's tables): a
  feature registers a ``sweep`` that finds and recovers its own.

Each feature's handling is registered in tasks.py, which the plugin calls
when it is configured, so every process of the portal has them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from rq.job import Job
from rq.registry import StartedJobRegistry

from ckan.lib.jobs import get_all_queues

from .queues import kind_of

__all__ = ["RETRIED", "on_abandoned_job", "sweep", "recover_abandoned_jobs", "give_up", "recover", "handled_jobs", "sweeps"]

log = logging.getLogger(__name__)

# Job meta flag: this job is the one retry of an abandoned one.
RETRIED = "nakano_retried"


@dataclass(frozen=True)
class JobHandling:
    # The subject's own status says the work stopped (called once, when the job fails for good).
    give_up: Callable[[Job], None] | None = None
    # Runs the work again under a new job (returns its id, or None when it could not);
    # without it the same job runs again.
    run_afresh: Callable[[Job], str | None] | None = None


_JOBS: dict[str, JobHandling] = {}
_SWEEPS: dict[str, Callable[[], dict[str, list[str]]]] = {}


def on_abandoned_job(key: str, *, give_up: Callable[[Job], None] | None = None,
                     run_afresh: Callable[[Job], str | None] | None = None) -> None:
    """Register the handling of abandoned jobs: ``key`` is the kind given to
    ``queues.enqueue_once``, or the function name of a job another extension queues."""
    _JOBS[key] = JobHandling(give_up, run_afresh)


def sweep(name: str, func: Callable[[], dict[str, list[str]]]) -> None:
    """Register ``func()``, which finds and recovers abandoned work of its own and
    returns lists of ids by outcome; run at every upkeep pass under ``name``."""
    _SWEEPS[name] = func


def handled_jobs() -> list[str]:
    return sorted(_JOBS)


def sweeps() -> list[str]:
    return sorted(_SWEEPS)


def _handling(job: Job) -> JobHandling:
    return _JOBS.get(kind_of(job) or "") or _JOBS.get(job.func_name) or JobHandling()


def recover_abandoned_jobs(now: float | None = None) -> dict[str, list[str]]:
    """Abandoned RQ jobs of every queue: ids retried and failed."""
    done: dict[str, list[str]] = {"retried": [], "failed": []}

    def handle(job: Job, *exc_info: Any) -> bool:
        handling = _handling(job)
        if job.retries_left and job.retries_left > 0:
            done["retried"].append(job.id)
        elif handling.run_afresh and not job.meta.get(RETRIED) and _run_afresh(handling, job):
            done["retried"].append(job.id)
        else:
            done["failed"].append(job.id)
            give_up(job)
        return True

    for rq_queue in get_all_queues():
        registry = StartedJobRegistry(rq_queue.name, connection=rq_queue.connection, job_class=rq_queue.job_class)
        for job_id in registry.get_expired_job_ids(now):
            job = rq_queue.fetch_job(job_id)
            if job is not None and not job.meta.get(RETRIED) and not _handling(job).run_afresh:
                job.meta[RETRIED] = True
                job.retries_left, job.retry_intervals = 1, [0]
                job.save()
        registry.cleanup(now, exception_handlers=[handle])
    return done


def _run_afresh(handling: JobHandling, job: Job) -> str | None:
    try:
        return handling.run_afresh(job)   # type: ignore[misc]
    except Exception:  # then the abandoned job is failed, and its subject says so
        log.exception("abandoned job %s not run afresh", job.id)
        return None


def give_up(job: Job) -> None:
    """The job will not run again: its feature's handling makes the subject say so."""
    handling = _handling(job)
    if not handling.give_up:
        return
    try:
        handling.give_up(job)
    except Exception:  # the job is failed in RQ whatever happens here
        log.exception("status of abandoned job %s not updated", job.id)


def recover(now: float | None = None) -> dict[str, dict[str, list[str]]]:
    """Every registered recovery: ``{"jobs": …, <sweep name>: …}``."""
    done = {"jobs": recover_abandoned_jobs(now)}
    for name, func in sorted(_SWEEPS.items()):
        done[name] = func()
    return done
