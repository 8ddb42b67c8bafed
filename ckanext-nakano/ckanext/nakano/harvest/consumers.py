"""ckanext-harvest's gather and fetch consumers, with a queue wait that fits the
Redis client CKAN 2.12 pins.

redis-py 8 gives every connection a 5 s socket timeout, and ckanext-harvest's
Redis consumer waits on ``BLPOP`` with no timeout: an idle queue kills the
consumer after 5 s. Here the wait is bounded (shorter than the socket timeout)
and repeated; the message handling is ckanext-harvest's own callbacks.
"""
from __future__ import annotations

import datetime
import logging
import signal
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.harvest import queue

log = logging.getLogger(__name__)
WAIT_SECONDS = 2


class _Stop:
    requested = False


def consume(kind: str) -> None:
    """Run the ``gather`` or ``fetch`` consumer until SIGTERM/SIGINT (the message in
    hand is finished first)."""
    # Bulk writers: no Solr commit per dataset; Solr's autoSoftCommit (1 s,
    # solr/conf/solrconfig.xml) makes harvested datasets searchable.
    tk.config["ckan.search.solr_commit"] = False
    if kind == "gather":
        consumer, callback = queue.get_gather_consumer(), queue.gather_callback
    else:
        consumer, callback = queue.get_fetch_consumer(), queue.fetch_callback
    if not isinstance(consumer, queue.RedisConsumer):   # AMQP: ckanext-harvest's own loop works
        name = queue.get_gather_queue_name() if kind == "gather" else queue.get_fetch_queue_name()
        for method, header, body in consumer.consume(queue=name):
            callback(consumer, method, header, body)
        return

    stop = _Stop()

    def request_stop(signum: int, frame: Any) -> None:
        stop.requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("harvest %s consumer waiting on %s", kind, consumer.routing_key)
    while not stop.requested:
        popped = consumer.redis.blpop(consumer.routing_key, timeout=WAIT_SECONDS)
        if not popped:
            continue
        _key, body = popped
        # Same bookkeeping as ckanext-harvest's RedisConsumer (resubmission of lost messages).
        consumer.redis.set(consumer.persistance_key(body), str(datetime.datetime.now()))
        callback(consumer, queue.FakeMethod(body), None, body)
