"""Background jobs queued at most once per subject.

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

PENDING_TTL = 3600  # a lost job (worker killed) blocks its subject for an hour at most
# Work nobody waits for (quality scores, the daily tasks). The worker takes
# jobs from "default" first (`ckan jobs worker default nakano_low`), so an
# editor's validation report and the DataStore preview do not wait behind a
# catalog's re-scoring.
LOW = "nakano_low"


def enqueue_once(kind: str, subject: str, func: Callable[..., Any], title: str,
                 rq_kwargs: dict[str, Any] | None = None, queue: str = "default") -> bool:
    """Queue ``func(subject)`` unless it is already waiting; True when queued."""
    key = f"nakano:pending:{kind}:{subject}"
    if not connect_to_redis().set(key, "1", nx=True, ex=PENDING_TTL):
        return False
    try:
        tk.enqueue_job(run_pending, [key, func, subject], title=title, queue=queue, rq_kwargs=rq_kwargs or {})
    except Exception:
        connect_to_redis().delete(key)
        raise
    return True


def run_pending(key: str, func: Callable[..., Any], subject: str) -> Any:
    connect_to_redis().delete(key)
    return func(subject)
