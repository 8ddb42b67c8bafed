"""ckanext-harvest's gather and fetch consumers, with a queue wait that fits the
Redis client CKAN 2.12 pins.

redis-py 8 gives every connection a 5 s socket timeout, and ckanext-harvest's
Redis consumer waits on ``BLPOP`` with no timeout: an idle queue kills the
consumer after 5 s. Here the wait is bounded (shorter than the socket timeout)
and repeated; the message handling is ckanext-harvest's own callbacks.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import logging
import threading
from typing import Any

import sqlalchemy as sa
from redis import exceptions as redis_exceptions

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestObject, HarvestObjectError

from .. import dead_letters
from ..background.loop import reset_session, run_forever
from .. import messages

log = logging.getLogger(__name__)
WAIT_SECONDS = 2
# Tries of a message that fails by itself (not because a service is away) before it is set aside.
MAX_ATTEMPTS = 3


def claim(object_id: str) -> bool:
    """Take a harvest object for this process, atomically.

    ckanext-harvest's ``harvest_jobs_run`` re-sends every WAITING object it does
    not see in the Redis list — also one the gather consumer has not pushed yet,
    or one a fetch consumer has just popped — so the same object can arrive
    twice. Two consumers importing one new file would make two datasets. Only a
    WAITING object, or one stuck mid-fetch past twice the time limit (its
    consumer died), is taken.
    """
    now = datetime.datetime.utcnow()
    stale = now - datetime.timedelta(seconds=2 * tk.config["ckanext.nakano.harvest.object_timeout"] + 60)
    taken = model.Session.execute(
        sa.update(HarvestObject)
        .where(HarvestObject.id == object_id,
               sa.or_(HarvestObject.state == "WAITING",
                      sa.and_(HarvestObject.state.in_(("FETCH", "IMPORT")), HarvestObject.fetch_started < stale)))
        .values(state="FETCH", fetch_started=now)).rowcount
    model.Session.commit()
    return bool(taken)


def release(object_ids: set[str]) -> int:
    """Objects this consumer took and could not finish (the database went away in
    the middle): WAITING again, so that ckanext-harvest re-sends them at the
    scheduler's next pass instead of after the abandoned-object limit."""
    released = model.Session.execute(
        sa.update(HarvestObject)
        .where(HarvestObject.id.in_(object_ids), HarvestObject.state.in_(("FETCH", "IMPORT")))
        .values(state="WAITING")).rowcount
    model.Session.commit()
    return released


def _fetch_if_claimed(consumer: Any, method: Any, header: Any, body: str) -> None:
    try:
        object_id = json.loads(body)["harvest_object_id"]
    except (ValueError, KeyError):
        object_id = None
    if object_id and not claim(object_id):
        log.info("harvest object %s already taken; message dropped", object_id)
        consumer.basic_ack(method.delivery_tag)
        return
    queue.fetch_callback(consumer, method, header, body)


def consume(kind: str) -> None:
    """Run the ``gather`` or ``fetch`` consumer until SIGTERM/SIGINT (the message in
    hand is finished first; background/loop.py)."""
    # Bulk writers: no Solr commit per dataset; Solr's autoSoftCommit (1 s,
    # solr/conf/solrconfig.xml) makes harvested datasets searchable.
    tk.config["ckan.search.solr_commit"] = False
    if kind == "gather":
        consumer, callback = queue.get_gather_consumer(), queue.gather_callback
    else:
        consumer, callback = queue.get_fetch_consumer(), _fetch_if_claimed
    if not isinstance(consumer, queue.RedisConsumer):   # AMQP: ckanext-harvest's own loop works
        name = queue.get_gather_queue_name() if kind == "gather" else queue.get_fetch_queue_name()
        for method, header, body in consumer.consume(queue=name):
            callback(consumer, method, header, body)
        return

    log.info("harvest %s consumer waiting on %s", kind, consumer.routing_key)
    unfinished: set[str] = set()

    def step(stop: threading.Event) -> float:
        popped = None
        try:
            if unfinished:
                release(unfinished)
                unfinished.clear()
            popped = consumer.redis.blpop(consumer.routing_key, timeout=WAIT_SECONDS)
            if not popped:
                return 0
            _key, body = popped
            # Same bookkeeping as ckanext-harvest's RedisConsumer (resubmission of lost messages).
            consumer.redis.set(consumer.persistance_key(body), str(datetime.datetime.now()))
            callback(consumer, queue.FakeMethod(body), None, body)
            return 0
        except (sa.exc.OperationalError, sa.exc.InterfaceError, redis_exceptions.ConnectionError,
                redis_exceptions.TimeoutError):
            # A PostgreSQL or Redis restart is not the message's fault. The message
            # in hand is sent again: by ckanext-harvest's resubmission (its
            # persistence key is kept); an object taken here is made WAITING again
            # as soon as the database answers (release), or else by the recovery
            # sweep of abandoned objects.
            log.exception("harvest %s consumer: message not handled (a service is away); going on", kind)
            if kind == "fetch" and popped:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    unfinished.add(json.loads(popped[1])["harvest_object_id"])
            reset_session()
            return 2
        except Exception as exc:  # the message itself: tried again a few times, then set aside
            log.exception("harvest %s consumer: message failed", kind)
            reset_session()
            if popped:
                _failed_message(kind, consumer, popped[1], exc, unfinished)
            return 1

    run_forever(f"harvest {kind} consumer", step)


def _failed_message(kind: str, consumer: Any, body: bytes, exc: Exception, unfinished: set[str]) -> None:
    """A message that keeps failing goes to the dead letters with its reason,
    is no longer re-sent, and its harvest object ends as failed (the report
    says why); before that it is tried again as any unfinished message."""
    queue_name = f"harvest-{kind}"
    try:
        object_id = json.loads(body)["harvest_object_id"] if kind == "fetch" else None
    except (ValueError, KeyError, TypeError):
        object_id = None
    try:
        if dead_letters.failed(queue_name, body) < MAX_ATTEMPTS:
            if object_id:
                unfinished.add(object_id)
            return
        dead_letters.set_aside(queue_name, body, f"{type(exc).__name__}: {exc}")
        dead_letters.forget_failures(queue_name, body)
        consumer.redis.delete(consumer.persistance_key(body))
        if object_id:
            obj = model.Session.get(HarvestObject, object_id)
            if obj is not None:
                obj.state, obj.report_status = "ERROR", "errored"
                model.Session.add(HarvestObjectError(object=obj, stage="Fetch",
                                                     message=messages.stored("object-failed", detail=type(exc).__name__)))
                model.Session.commit()
    except Exception:  # Redis or PostgreSQL away now: the message is re-sent later and counted then
        log.exception("harvest %s consumer: could not set the message aside", kind)
        reset_session()
