"""When harvests run: one source now (``ckan nakano harvest run``), and the
scheduler's pass (due sources started, finished and stuck jobs closed); the
objects whose fetch consumer died are sent again (a recovery sweep, run by
the upkeep pass).
"""
from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from croniter import croniter
from sqlalchemy import func

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest import queue
from ckanext.harvest.model import (HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError,
                                   HarvestObjectExtra, HarvestSource)

from ..background.loop import run_forever
from .. import messages
from .base import source_config
from .consumers import claim

log = logging.getLogger(__name__)
DONE = ("COMPLETE", "ERROR")


def _context() -> dict[str, Any]:
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": user["name"], "ignore_auth": True, "model": model, "session": model.Session}


@dataclass
class Summary:
    source: str
    job_id: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)   # added / updated / not modified / errored / pending
    errors: list[str] = field(default_factory=list)


def summary(job: HarvestJob) -> Summary:
    counts = dict(model.Session.query(HarvestObject.report_status, func.count(HarvestObject.id))
                  .filter(HarvestObject.harvest_job_id == job.id)
                  .group_by(HarvestObject.report_status).all())
    # As stored (coded messages): whoever shows them says them in the reader's language.
    errors = [e.message for e in model.Session.query(HarvestGatherError).filter_by(harvest_job_id=job.id)]
    errors += [f"{o.guid}: {e.message}" for e, o in
               model.Session.query(HarvestObjectError, HarvestObject)
               .join(HarvestObject, HarvestObjectError.harvest_object_id == HarvestObject.id)
               .filter(HarvestObject.harvest_job_id == job.id)]
    return Summary(job.source.title or job.source.url, job.id, job.status,
                   {str(k or "pending"): v for k, v in counts.items()}, errors)


def run_now(source_id: str, progress: Callable[[int, int], None] | None = None) -> Summary:
    """Gather, fetch and import one source in this process (no queue), then finish the job."""
    context = _context()
    source = tk.get_action("harvest_source_show")(dict(context), {"id": source_id})
    job_dict = tk.get_action("harvest_job_create")(dict(context), {"source_id": source["id"], "run": False})
    job = HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester(job.source.type)
    if harvester is None:
        raise tk.ValidationError({"source_type": [f"no harvester for {job.source.type}"]})
    ids = queue.gather_stage(harvester, job) or []
    if progress:
        progress(0, len(ids))
    for number, object_id in enumerate(ids, 1):
        if claim(object_id):   # else the queue consumers have it (re-sent by harvest_jobs_run)
            queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
        if progress:
            progress(number, len(ids))
    tk.get_action("harvest_jobs_run")(dict(context), {"source_id": source["id"]})
    model.Session.refresh(job)
    return summary(job)


def start_cron_sources(now: datetime.datetime | None = None) -> list[str]:
    """Sources declared with a cron schedule whose time has come (and no job pending)."""
    now = now or datetime.datetime.utcnow()
    started = []
    for source in model.Session.query(HarvestSource).filter_by(active=True):
        cron = source_config(source).get("nakano_cron")
        if not cron:
            continue
        last = model.Session.query(func.max(HarvestJob.created)).filter_by(source_id=source.id).scalar()
        if croniter(cron, last or source.created).get_next(datetime.datetime) > now:
            continue
        try:
            tk.get_action("harvest_job_create")(_context(), {"source_id": source.id})
            started.append(source.id)
        except Exception as exc:  # a job already waiting or running: next pass
            log.info("cron source %s not started: %s", source.id, exc)
    return started


def finish_stuck_jobs(max_seconds: int, now: datetime.datetime | None = None) -> list[str]:
    """Jobs 'New' or 'Running' for longer than ``max_seconds`` end with an error;
    their unfinished objects are marked failed. Nothing is left 'Running' forever."""
    now = now or datetime.datetime.utcnow()
    limit = now - datetime.timedelta(seconds=max_seconds)
    finished = []
    for job in model.Session.query(HarvestJob).filter(HarvestJob.status.in_(("New", "Running")),
                                                      HarvestJob.created < limit):
        message = messages.stored("job-time-limit", seconds=max_seconds)
        for obj in model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job.id,
                                                             HarvestObject.state.notin_(DONE)):
            obj.state, obj.report_status = "ERROR", "errored"
            model.Session.add(HarvestObjectError(object=obj, message=message, stage="Fetch"))
        model.Session.add(HarvestGatherError(job=job, message=message))
        job.status, job.finished = "Finished", now
        model.Session.add(job)
        finished.append(job.id)
    model.Session.commit()
    return finished


REQUEUED = "nakano_requeued"


def requeue_abandoned_objects(now: datetime.datetime | None = None) -> dict[str, list[str]]:
    """Objects a fetch consumer took and never finished (it was killed, or its machine
    went away): past the per-object time limit, which ends any live fetch, they are
    sent again once; abandoned a second time, they end as failed. Nothing waits for
    the job time limit, and an object that kills its consumer cannot loop."""
    now = now or datetime.datetime.utcnow()
    limit = now - datetime.timedelta(seconds=tk.config["ckanext.nakano.harvest.object_timeout"] + 60)
    done: dict[str, list[str]] = {"requeued": [], "failed": []}
    abandoned = (model.Session.query(HarvestObject).join(HarvestJob, HarvestObject.harvest_job_id == HarvestJob.id)
                 .filter(HarvestJob.status == "Running", HarvestObject.state.in_(("FETCH", "IMPORT")),
                         HarvestObject.fetch_started < limit))
    for obj in abandoned:
        if any(extra.key == REQUEUED for extra in obj.extras):
            obj.state, obj.report_status = "ERROR", "errored"
            model.Session.add(HarvestObjectError(object=obj, message=messages.stored("object-abandoned"),
                                                 stage="Fetch"))
            done["failed"].append(obj.id)
        else:
            obj.state = "WAITING"   # ckanext-harvest re-sends WAITING objects (harvest_jobs_run)
            model.Session.add(HarvestObjectExtra(object=obj, key=REQUEUED, value=now.isoformat()))
            done["requeued"].append(obj.id)
        model.Session.add(obj)
    model.Session.commit()
    return done


def scheduler_pass() -> dict[str, Any]:
    started = start_cron_sources()
    # ckanext-harvest: sources with a keyword schedule, completed jobs marked Finished.
    tk.get_action("harvest_jobs_run")(_context(), {})
    stuck = finish_stuck_jobs(tk.config["ckanext.nakano.harvest.job_timeout"])
    return {"started": started, "stuck": stuck}


def run(once: bool = False, echo: Callable[[str], Any] = log.info) -> None:
    """``ckan nakano harvest scheduler``: a pass every
    ``ckanext.nakano.harvest.scheduler_interval`` seconds until SIGTERM/SIGINT
    (``once``: one pass)."""
    def step(stop: threading.Event) -> float:
        done = scheduler_pass()
        if done["started"] or done["stuck"]:
            echo(f"started {done['started']}, stuck jobs finished {done['stuck']}")
        return tk.config["ckanext.nakano.harvest.scheduler_interval"]

    run_forever("harvest scheduler", step, once=once)
