"""What waits in the portal's queues and what was set aside, for operators
(the sysadmins' page /ckan-admin/queues, ``ckan nakano dead-letters``,
``make status``)."""
from __future__ import annotations

from typing import Any

import rq
from rq.registry import FailedJobRegistry

from ckan.lib import jobs
from ckan.lib.redis import connect_to_redis
from ckanext.harvest import queue as harvest_queue

from . import dead_letters
from .background.queues import DEFAULT, LOW
from .messages import gettext
from .metrics.events import QUEUE as METRICS_QUEUE

__all__ = ["summary"]

# The RQ queues the portal's job worker runs.
JOB_QUEUES = (DEFAULT, LOW)


def summary(dead_letter_items: int = 20) -> dict[str, Any]:
    redis = connect_to_redis()
    waiting = {
        "metrics": int(redis.llen(METRICS_QUEUE)),
        "harvest-gather": int(redis.llen(harvest_queue.get_gather_queue_name())),
        "harvest-fetch": int(redis.llen(harvest_queue.get_fetch_queue_name())),
    }
    job_queues = []
    for name in JOB_QUEUES:
        queue: rq.Queue = jobs.get_queue(name)
        job_queues.append({"name": name, "waiting": queue.count,
                           "failed": FailedJobRegistry(queue=queue).count})
    counts = dead_letters.counts(redis)
    return {   # labels in the reader's language (the site's outside a request)
        "queues": [{"name": name, "label": gettext(label), "waiting": waiting[name], "dead_letters": counts[name],
                    "latest": dead_letters.items(name, dead_letter_items, redis)}
                   for name, label in dead_letters.QUEUES.items()],
        "job_queues": job_queues,
    }
