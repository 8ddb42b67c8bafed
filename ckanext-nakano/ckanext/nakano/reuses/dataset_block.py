"""「このデータの活用事例」 on a dataset's page, kept in each web process between changes.

The block is the same for every reader (published reuses, as a visitor sees them), and
reuses change rarely (a submission, a moderation) while dataset pages are the portal's most
read: computing it cost 5–8 ms of a 45–55 ms page with 385 reuses (bench/README.md, issue 20).
A counter in Redis counts the committed changes of reuses; a kept block is used only while the
counter, the dataset's ``metadata_modified`` and the page's language are the ones it was made
with. The counter moves after the commit (a block made before it cannot outlive it); the
other datasets a reuse names may show an old title until the block expires (10 minutes).
"""
from __future__ import annotations

import logging
from itertools import chain
from typing import Any, Callable

import cachetools
import redis
import sqlalchemy as sa
from ckan.lib.redis import connect_to_redis

from ..model import Reuse, ReuseDataset

__all__ = ["kept"]

log = logging.getLogger(__name__)

GENERATION = "nakano:reuses:generation"
_FLAG = "nakano_reuses_changed"
_blocks: cachetools.TTLCache = cachetools.TTLCache(maxsize=2048, ttl=600)


def _generation() -> str | None:
    try:
        value = connect_to_redis().get(GENERATION)
    except redis.RedisError as error:   # no Redis: computed each time, the page still works
        log.warning("reuse block not kept: %s", error)
        return None
    return value.decode() if value else "0"


def kept(dataset: dict[str, Any], lang: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The block of ``dataset`` in ``lang``: kept, or ``compute()``d and kept."""
    generation = _generation()
    if generation is None:
        return compute()
    key = (dataset["id"], dataset.get("metadata_modified"), lang, generation)
    block = _blocks.get(key)
    if block is None:
        block = _blocks[key] = compute()
    return block


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _before_flush(session: Any, flush_context: Any, instances: Any) -> None:
    """A reuse or its datasets written, whoever writes them (the stores, a confirmation, the
    demo): the counter moves when the session commits."""
    if any(isinstance(row, (Reuse, ReuseDataset)) for row in chain(session.new, session.dirty, session.deleted)):
        session.info[_FLAG] = True


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _after_commit(session: Any) -> None:
    if session.info.pop(_FLAG, False):
        try:
            connect_to_redis().incr(GENERATION)
        except redis.RedisError as error:   # the blocks then expire within 10 minutes
            log.warning("reuse change not counted: %s", error)


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _after_rollback(session: Any, previous_transaction: Any) -> None:
    session.info.pop(_FLAG, None)
