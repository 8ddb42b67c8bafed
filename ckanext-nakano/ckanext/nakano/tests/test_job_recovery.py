"""Background jobs whose worker is killed mid-job are run again once, then failed,
with the resource's status saying so: never "running" for good."""
from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from rq.job import Job, JobStatus

import ckan.plugins.toolkit as tk
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.nakano import datastore_loads, xloader_internals
from ckanext.nakano.background import queues, recovery
from ckanext.nakano.model import Validation
from ckanext.nakano.validation import jobs as validation_jobs
from ckanext.nakano.validation.summary import view

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "with_plugins")]
ROOT = Path(__file__).resolve().parents[4]
LATE = 3600   # "now" for the check: an hour on, when every heartbeat of a dead worker is late


def _worker(queue_name: str, log: Path) -> subprocess.Popen:
    # No RQ scheduler process: it would start a session of its own and outlive the kill.
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini"), "jobs", "worker",
                             "--no-scheduler", queue_name], stdout=log.open("a"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _started(job: Job, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job.get_status(refresh=True) == JobStatus.STARTED:
            return
        time.sleep(0.2)
    raise AssertionError(f"the job did not start: {job.get_status(refresh=True)}")


def _crash(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)   # the worker and the process running the job
    worker.wait(timeout=30)


def test_a_job_whose_worker_dies_runs_again_once_then_fails(tmp_path):
    name = f"recovery_{uuid.uuid4().hex[:6]}"
    job = tk.enqueue_job(time.sleep, [60], queue=name)   # a job that works for a minute
    worker = _worker(name, tmp_path / "worker.log")
    try:
        _started(job)
        _crash(worker)
        assert recovery.recover_abandoned_jobs() == {"retried": [], "failed": []}   # heartbeat not late yet
        assert recovery.recover_abandoned_jobs(time.time() + LATE) == {"retried": [job.id], "failed": []}
        assert job.get_status(refresh=True) == JobStatus.QUEUED
        worker = _worker(name, tmp_path / "worker.log")
        _started(job)   # run again
        _crash(worker)
        assert recovery.recover_abandoned_jobs(time.time() + LATE) == {"retried": [], "failed": [job.id]}
        job.refresh()
        assert job.get_status() == JobStatus.FAILED
    finally:
        if worker.poll() is None:
            _crash(worker)
        ckan_jobs.get_queue(name).delete(delete_jobs=True)


def test_a_failed_validation_or_load_says_so_on_the_resource(monkeypatch):
    from ckanext.xloader import db as xloader_db

    # xloader's job table in the database `make test` runs (test.ini names the default port).
    monkeypatch.setitem(tk.config, "ckanext.xloader.jobs_db.uri", tk.config["sqlalchemy.url"])
    monkeypatch.setattr(xloader_db, "ENGINE", None)
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=dataset["id"], url="https://example.org/a.csv", format="CSV")
    connection = ckan_jobs.get_queue().connection

    validation = Job.create(queues.run_pending, args=["nakano:pending:validation:x", validation_jobs.run,
                                                     resource["id"]], connection=connection)
    recovery.give_up(validation)
    row = Validation.get(resource["id"])
    # Reports store codes; the page says them (in Japanese here).
    shown = view({"status": row.status, "report": row.report})
    assert row.status == "error" and "2回とも途中で止まりました" in str(shown)

    load = Job.create(xloader_internals.XLOADER_JOB, args=[{"metadata": {"resource_id": resource["id"]}}],
                      connection=connection)
    # The task xloader_submit records when it queues a load (the load was then abandoned).
    helpers.call_action("task_status_update", entity_id=resource["id"], entity_type="resource",
                        task_type="xloader", key="xloader", value=json.dumps({"job_id": load.id}), state="running",
                        error="{}", last_updated=datetime.datetime.utcnow().isoformat())
    recovery.give_up(load)
    status = helpers.call_action("xloader_status", resource_id=resource["id"])
    assert status["status"] == "error" and "2回とも" in datastore_loads.state(resource)["text"]   # stored coded


def _abandoned(job: Job, load_queue) -> None:
    """The job as RQ leaves it when its worker is killed: in the started registry, heartbeat long gone."""
    from rq.registry import StartedJobRegistry

    registry = StartedJobRegistry(load_queue.name, connection=load_queue.connection)
    load_queue.connection.zadd(registry.key, {f"{job.id}:{uuid.uuid4().hex}": 1})


def test_an_abandoned_load_is_submitted_afresh_once_then_failed(monkeypatch, create_with_upload):
    """xloader keeps a row per job id: running the abandoned job again under its id
    failed on that row (seen in the fault suite). A new load is submitted instead."""
    from ckanext.xloader import db as xloader_db

    monkeypatch.setitem(tk.config, "ckanext.xloader.jobs_db.uri", tk.config["sqlalchemy.url"])
    monkeypatch.setattr(xloader_db, "ENGINE", None)
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    admin = factories.Sysadmin()
    # xloader's jobs call the API with a token (set by make up and in docker; not in test.ini).
    monkeypatch.setitem(tk.config, "ckanext.xloader.api_token",
                        helpers.call_action("api_token_create", user=admin["name"], name="xloader")["token"])
    resource = create_with_upload(b"a,b\n1,2\n", "a.csv", package_id=dataset["id"], format="CSV", url="a.csv",
                                  context={"user": admin["name"]})
    load_queue = ckan_jobs.get_queue()   # holds the load and validation queued by the upload
    load_queue.empty()
    try:
        # The load a worker took before it was killed: its row in xloader's table, its task "running".
        killed = Job.create(xloader_internals.XLOADER_JOB, args=[{"metadata": {"resource_id": resource["id"]}}],
                            connection=load_queue.connection, origin=load_queue.name)
        killed.save()
        xloader_db.init(tk.config)
        xloader_db.add_pending_job(killed.id, job_type="xloader_to_datastore", api_key=None,
                                   data={"metadata": {"resource_id": resource["id"]}})
        helpers.call_action("task_status_update", entity_id=resource["id"], entity_type="resource",
                            task_type="xloader", key="xloader", value=json.dumps({"job_id": killed.id}),
                            state="running", error="{}", last_updated=datetime.datetime.utcnow().isoformat())
        _abandoned(killed, load_queue)

        assert recovery.recover_abandoned_jobs() == {"retried": [killed.id], "failed": []}
        new_id = helpers.call_action("xloader_status", resource_id=resource["id"])["job_id"]
        assert new_id != killed.id
        again = Job.fetch(new_id, connection=load_queue.connection)
        assert again.func_name == xloader_internals.XLOADER_JOB and again.args[0]["metadata"]["resource_id"] == resource["id"]
        assert again.meta.get(recovery.RETRIED) is True
        assert again.get_status() == JobStatus.QUEUED and killed.get_status(refresh=True) == JobStatus.FAILED
        assert xloader_db.get_job(killed.id)["status"] == "error"

        # The new load is abandoned too: failed, and the resource says so.
        load_queue.remove(again)
        _abandoned(again, load_queue)
        assert recovery.recover_abandoned_jobs() == {"retried": [], "failed": [new_id]}
        status = helpers.call_action("xloader_status", resource_id=resource["id"])
        assert status["status"] == "error" and "2回とも" in datastore_loads.state(resource)["text"]   # stored coded
    finally:
        load_queue.empty()
