"""Queue items set aside with their reason, so that one item no consumer can
handle never stops a queue (a search event with a NUL once stopped the usage
statistics for an hour, and ``make backup`` with them).

Each queue's dead letters are a Redis list ``nakano:dead-letters:<queue>``
(newest last, the last 1,000 kept): the item as it was, the reason, the time.
Operators see the counts in ``make status`` and on the sysadmins' queue page
(/ckan-admin/queues), and read them with ``ckan nakano dead-letters``.
Consumers that retry an item count its failures here first (``failed``).
"""
from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from ckan.lib.redis import connect_to_redis

from . import redact

__all__ = ["QUEUES", "set_aside", "failed", "forget_failures", "counts", "items"]


def N_(message: str) -> str:
    """Marks a text for translation; it is translated where it is shown (queue_status.py)."""
    return message


# Queues whose consumers set items aside, with what operators call them.
QUEUES = {"metrics": N_("usage events"), "harvest-gather": N_("harvest gather"),
          "harvest-fetch": N_("harvest fetch")}
KEEP = 1000
_KEY = "nakano:dead-letters:{queue}"
_FAILURES = "nakano:queue-failures:{queue}:{digest}"


def _text(item: str | bytes) -> str:
    return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)


def set_aside(queue: str, item: str | bytes, reason: str, redis: Any = None) -> None:
    redis = redis or connect_to_redis()
    entry = json.dumps({"at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                        "reason": redact.text(reason)[:500], "item": _text(item)[:4000]}, ensure_ascii=False)
    pipe = redis.pipeline()
    pipe.rpush(_KEY.format(queue=queue), entry)
    pipe.ltrim(_KEY.format(queue=queue), -KEEP, -1)
    pipe.execute()


def failed(queue: str, item: str | bytes, redis: Any = None) -> int:
    """Count one more failure of this item (a day's memory); returns the count."""
    redis = redis or connect_to_redis()
    key = _FAILURES.format(queue=queue, digest=hashlib.sha256(_text(item).encode()).hexdigest()[:32])
    count = redis.incr(key)
    redis.expire(key, 24 * 3600)
    return int(count)


def forget_failures(queue: str, item: str | bytes, redis: Any = None) -> None:
    redis = redis or connect_to_redis()
    redis.delete(_FAILURES.format(queue=queue, digest=hashlib.sha256(_text(item).encode()).hexdigest()[:32]))


def counts(redis: Any = None) -> dict[str, int]:
    redis = redis or connect_to_redis()
    return {queue: int(redis.llen(_KEY.format(queue=queue))) for queue in QUEUES}


def items(queue: str, limit: int = 50, redis: Any = None) -> list[dict[str, Any]]:
    """The newest dead letters of a queue, newest first."""
    redis = redis or connect_to_redis()
    return [json.loads(raw) for raw in reversed(redis.lrange(_KEY.format(queue=queue), -limit, -1))]
