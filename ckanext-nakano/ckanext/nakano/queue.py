"""Background jobs queued at most once per subject.

An edit, its validation's encoding update and xloader's DataStore flag each
update a resource or dataset; without this, one upload queued the same
validation and score several times and new uploads waited behind the copies.
A Redis key marks the subject as queued; the job removes it when it starts,
so a change made while the job runs queues it again.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.redis import connect_to_redis

log = logging.getLogger(__name__)

PENDING_TTL = 3600  # a lost job (worker killed) blocks its subject for an hour at most
# Work nobody waits for (quality scores, the daily tasks). The worker takes
# jobs from "default" first (`ckan nakano worker default nakano_low`), so an
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


RETRIED = "nakano_retried"
XLOADER_JOB = "ckanext.xloader.jobs.xloader_data_into_datastore"


def recover_abandoned_jobs(now: float | None = None) -> dict[str, list[str]]:
    """Jobs whose worker died mid-job (killed, out of memory, machine lost).

    RQ sees a job as abandoned when its worker's heartbeat is 90 s late, but
    only moves it to the failed jobs when a worker cleans its registries (every
    few minutes) and then never runs it again; xloader's status would say
    "running" for good. Here (every scheduler pass) an abandoned job is run
    again once; abandoned a second time it fails, and the resource says so:
    xloader's status becomes an error, a validation its "interrupted" report.
    A DataStore load is not run again under the same id (xloader keeps a row
    per job id, and the rerun failed on it): the load is submitted afresh.
    """
    from rq.registry import StartedJobRegistry

    from ckan.lib.jobs import get_all_queues

    done: dict[str, list[str]] = {"retried": [], "failed": []}

    def handle(job: Any, *exc_info: Any) -> bool:
        if job.retries_left and job.retries_left > 0:
            done["retried"].append(job.id)
        elif job.func_name == XLOADER_JOB and not job.meta.get(RETRIED) and _load_again(job):
            done["retried"].append(job.id)
        else:
            done["failed"].append(job.id)
            _mark_failed(job)
        return True

    for rq_queue in get_all_queues():
        registry = StartedJobRegistry(rq_queue.name, connection=rq_queue.connection, job_class=rq_queue.job_class)
        for job_id in registry.get_expired_job_ids(now):
            job = rq_queue.fetch_job(job_id)
            if job is not None and not job.meta.get(RETRIED) and job.func_name != XLOADER_JOB:
                job.meta[RETRIED] = True
                job.retries_left, job.retry_intervals = 1, [0]
                job.save()
        registry.cleanup(now, exception_handlers=[handle])
    return done


def _load_again(job: Any) -> str | None:
    """A fresh xloader job for the abandoned load's resource, marked as the one retry;
    its id, or None when xloader does not take it."""
    from rq.job import Job

    try:
        resource_id = job.args[0]["metadata"]["resource_id"]
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        context = {"user": site_user["name"], "ignore_auth": True}
        if not tk.get_action("xloader_submit")(context, {"resource_id": resource_id}):
            return None
        # xloader records the new job in its task through a session of its own: read
        # the row afresh (this session may hold the task as it was before).
        task = model.Session.query(model.TaskStatus).filter_by(
            entity_id=resource_id, task_type="xloader", key="xloader").populate_existing().first()
        new_id = json.loads(task.value or "{}").get("job_id") if task else None
        if not new_id or new_id == job.id:
            return None
        new = Job.fetch(new_id, connection=job.connection)
        new.meta[RETRIED] = True
        new.save_meta()
        from ckanext.xloader import db as xloader_db

        xloader_db.init(tk.config)
        if xloader_db.get_job(job.id):
            xloader_db.mark_job_as_errored(job.id, f"worker stopped; loaded again as job {new_id}")
        return new_id
    except Exception:  # then the abandoned load is failed, and says so
        log.exception("abandoned load %s not submitted again", job.id)
        return None


def _mark_failed(job: Any) -> None:
    """The resource's own status, for a job that will not run again."""
    try:
        if job.func_name == XLOADER_JOB:
            from ckanext.xloader import db as xloader_db

            resource_id = job.args[0]["metadata"]["resource_id"]
            message = "データの取り込みが2回とも途中で止まりました / the load stopped midway twice"
            site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
            # xloader's own callback, as a job that ends with an error calls it (the task
            # stores the error as JSON text; xloader_status decodes it).
            tk.get_action("xloader_hook")({"user": site_user["name"], "ignore_auth": True}, {
                "metadata": {"resource_id": resource_id}, "status": "error",
                "error": json.dumps({"message": message}, ensure_ascii=False)})
            xloader_db.init(tk.config)
            if xloader_db.get_job(job.id):
                xloader_db.mark_job_as_errored(job.id, message)
        elif job.func_name == f"{__name__}.run_pending" and job.args[1].__module__.endswith("validation.jobs"):
            from .model import Validation
            from .validation.report import Report

            report = Report()
            report.fail("interrupted")
            Validation.set(job.args[2], report.status, report.as_dict())
    except Exception:  # the job is failed in RQ whatever happens here
        log.exception("status of abandoned job %s not updated", job.id)


def run_worker(queues: list[str]) -> None:
    """CKAN's background-job worker (``ckan jobs worker``), started again when it quits.

    RQ's worker quits on any Redis error ("found an unhandled exception,
    quitting"): after a Redis restart, DataStore loads and validation would
    wait until someone restarted it. Here it starts again (every 2 s while
    Redis is away) until it is asked to stop (SIGTERM/SIGINT).
    """
    import signal
    import threading

    from ckan.lib.jobs import Worker

    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    while not stop.is_set():
        signal.signal(signal.SIGTERM, request_stop)   # RQ installs its own while it works
        signal.signal(signal.SIGINT, request_stop)
        worker = None
        try:
            worker = Worker(queues)
            if stop.is_set():
                return
            worker.work(with_scheduler=True)
        except Exception:
            log.exception("job worker stopped on an error")
        # Asked to stop while RQ's handler was installed: stop, whatever else happened.
        if stop.is_set() or getattr(worker, "_stop_requested", False):
            return
        log.warning("job worker quit (Redis unreachable?); starting it again in 2 s")
        stop.wait(2)
