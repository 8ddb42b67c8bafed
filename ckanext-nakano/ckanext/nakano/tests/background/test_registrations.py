"""Each feature hands its background work to the portal (tasks.py): what is
recovered, what runs periodically and daily, in every process."""
from __future__ import annotations

import importlib

import pytest

from ckan.lib import jobs as ckan_jobs
from ckan.lib.redis import connect_to_redis
from rq.job import Job

from ckanext.nakano import xloader_internals
from ckanext.nakano.background import queues, recovery, upkeep, worker

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_features_registered_their_background_work():
    assert set(recovery.handled_jobs()) == {"validation", xloader_internals.XLOADER_JOB}
    assert recovery.sweeps() == ["harvest objects"]
    assert upkeep.periodic_tasks() == ["search index"]
    # In this order: scores read the link check; the rollup is what gets published.
    assert upkeep.daily_tasks() == ["links", "scored", "rolled up", "published", "inventory synced",
                                    "inventory published", "data requests published", "reindexed"]


def test_a_job_queued_by_enqueue_once_is_known_by_its_kind():
    job = Job.create(queues.run_pending, args=["nakano:pending:validation:abc", len, "abc"],
                     connection=connect_to_redis())
    assert queues.kind_of(job) == "validation"
    assert queues.kind_of(Job.create(len, args=["abc"], connection=connect_to_redis())) is None


@pytest.mark.services
def test_jobs_queued_under_a_moved_function_run_after_the_upgrade():
    """A job the previous release queued names ``ckanext.nakano.queue.run_pending``,
    a module that is gone: the worker points it at the function's new home."""
    queue = ckan_jobs.get_queue("nakano_test_renamed")
    queue.empty()
    old = queue.enqueue_call("ckanext.nakano.queue.run_pending", args=["nakano:pending:test:x", len, "four"])
    try:
        assert old.id in worker.rename_queued_jobs()
        moved = Job.fetch(old.id, connection=queue.connection)
        assert moved.func_name == "ckanext.nakano.background.queues.run_pending"
        assert moved.perform() == 4
        assert worker.rename_queued_jobs() == []   # once
    finally:
        queue.delete(delete_jobs=True)


def test_every_moved_job_function_has_a_new_home_that_imports():
    """A renamed job whose new name does not import fails when the worker runs it
    (and a daily job's key then keeps that day's tasks from being queued again)."""
    for old, new in worker.RENAMED.items():
        module, name = new.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name)), (old, new)


@pytest.mark.services
def test_the_daily_tasks_are_queued_once_a_day():
    redis = connect_to_redis()
    for key in redis.scan_iter(upkeep.DAILY_KEY.format(day="*")):
        redis.delete(key)
    low = ckan_jobs.get_queue(queues.LOW)
    before = low.count
    try:
        assert upkeep.queue_daily_tasks("2026-12-06") is True
        assert upkeep.queue_daily_tasks("2026-12-06") is False
        assert low.count == before + 1
        assert low.jobs[-1].func_name == "ckanext.nakano.background.upkeep.run_daily_tasks"
    finally:
        for job in low.jobs[before:]:
            job.delete()
