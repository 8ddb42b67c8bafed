"""``ckan nakano metrics worker``: writes queued events continuously, rolls up
today and yesterday every few minutes, and once a day queues the daily tasks
(link check, quality scores, the published usage dataset) for CKAN's
background-job worker."""
from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.redis import connect_to_redis

from . import ingest, rollup
from .events import today

log = logging.getLogger(__name__)
DAILY_KEY = "nakano:metrics:daily-tasks:{day}"
BATCH = 5000
WAIT_SECONDS = 1.0


def daily_tasks() -> dict[str, Any]:
    """Link check → quality scores → rollup → publish → "most viewed" in the
    search index (one background job, in order)."""
    from .. import search
    from . import linkcheck, publish, quality

    links = linkcheck.check_all()
    scored = quality.refresh_all()
    rollup.rollup()
    published = publish.publish()
    reindexed = search.reindex_viewed()
    return {"links": links, "scored": scored, "published": published["name"], "reindexed": reindexed}


def queue_daily_tasks() -> bool:
    """Once per day across all workers (a Redis key marks the day as done)."""
    if not connect_to_redis().set(DAILY_KEY.format(day=today().isoformat()), "1", nx=True, ex=3 * 24 * 3600):
        return False
    from ..queue import LOW

    tk.enqueue_job(daily_tasks, title="nakano metrics daily tasks", queue=LOW, rq_kwargs={"timeout": 6 * 3600})
    return True


def run() -> None:
    """Until SIGTERM/SIGINT (the batch in hand is finished first)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    interval = tk.config["ckanext.nakano.metrics.rollup_interval"]
    last_rollup = 0.0
    while not stop.is_set():
        taken = 0
        try:
            with ingest.ingest_lock(wait=5):
                taken = ingest.drain(BATCH)
                if time.monotonic() - last_rollup > interval:
                    taken += ingest.drain_spool()
                    rollup.rollup()
                    last_rollup = time.monotonic()
            queue_daily_tasks()
        except ingest.Busy:
            log.info("metrics: another ingester holds the lock; waiting")
        except Exception:  # a database or Redis restart must not end the worker
            log.exception("metrics worker pass failed")
            model.Session.rollback()
            stop.wait(2)
        finally:
            model.Session.remove()
        # A full batch means more are waiting; otherwise gather for a second:
        # small batches cost the web processes CPU for nothing.
        if taken < BATCH:
            stop.wait(WAIT_SECONDS)
