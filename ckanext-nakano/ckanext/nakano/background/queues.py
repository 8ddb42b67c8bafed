"""RQ queue names, and jobs queued at most once per subject.

An edit, its validation's encoding update and xloader's DataStore flag each
update a resource or dataset; without this, one upload queued the same
validation and score several times and new uploads waited behind the copies.
A Redis key marks the subject as queued; the job removes it when it starts,
so a change made while the job runs queues it again.
"""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

__all__ = ["DEFAULT", "LOW", "enqueue_once", "run_pending", "kind_of"]

# What people wait for: an editor's validation report, the DataStore preview.
DEFAULT = "default"
# Work nobody waits for (quality scores, the daily tasks). The job worker takes
# jobs from DEFAULT first (`ckan nakano worker default nakano_low`), so an
# editor's validation report and the DataStore preview do not wait behind a
# catalog's re-scoring.
LOW = "nakano_low"
PENDING_TTL = 3600  # a lost job (worker killed) blocks its subject for an hour at most
_PENDING = "nakano:pending:{kind}:{subject}"


def enqueue_once(kind: str, subject: str, func: Callable[..., Any], title: str,
                 rq_kwargs: dict[str, Any] | None = None, queue: str = DEFAULT) -> bool:
    """Queue ``func(subject)`` unless it is already waiting; True when queued.

    ``kind`` names the work ("validation", "quality"): recovery.py finds the
    handling of an abandoned job by it.
    """
    key = _PENDING.format(kind=kind, subject=subject)
    if not connect_to_redis().set(key, "1", nx=True, ex=PENDING_TTL):
        return False
    try:
        tk.enqueue_job(run_pending, [key, func, subject], title=title, queue=queue, rq_kwargs=rq_kwargs or {})
    except Exception:  # not queued (Redis went away): the subject must not stay marked
        connect_to_redis().delete(key)
        raise
    return True


def run_pending(key: str, func: Callable[..., Any], subject: str) -> Any:
    connect_to_redis().delete(key)
    return func(subject)


def kind_of(job: Any) -> str | None:
    """The kind a job was queued under by enqueue_once, else None."""
    if job.func_name != f"{__name__}.run_pending" or not job.args:
        return None
    parts = str(job.args[0]).split(":", 3)
    return parts[2] if len(parts) == 4 else None
