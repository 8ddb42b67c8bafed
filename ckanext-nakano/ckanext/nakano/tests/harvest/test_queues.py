"""Harvests through the real queues: ckanext-harvest's gather and fetch consumers
as separate processes on Redis, started like `make up` starts them, and the
scheduler that starts due sources and closes finished or stuck jobs."""
from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import helpers

from ckanext.harvest.model import HarvestJob, HarvestObject
from ckanext.nakano.harvest import schedule
from ckanext.nakano.messages import readable   # errors are stored coded; said in the site's language

from .conftest import harvested

pytestmark = pytest.mark.usefixtures("with_plugins")
ROOT = Path(__file__).resolve().parents[5]
CKAN = [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini")]


@pytest.fixture()
def consumers(tmp_path):
    from ckanext.harvest.queue import purge_queues

    purge_queues()
    procs = [subprocess.Popen(CKAN + ["nakano", "harvest", "consumer", kind], stdout=subprocess.DEVNULL,
                              stderr=(tmp_path / f"{kind}{n}.log").open("w"))
             for n, kind in enumerate(("gather", "fetch", "fetch"))]
    yield procs
    for proc in procs:
        proc.terminate()
    assert [proc.wait(timeout=30) for proc in procs] == [0, 0, 0]   # SIGTERM: a clean stop


def scheduler_once() -> None:
    subprocess.run(CKAN + ["nakano", "harvest", "scheduler", "--once"], check=True, capture_output=True)


def logs(folder: Path) -> str:
    """The consumers' stderr, for failure messages (tracebacks only)."""
    return "\n".join(line for p in sorted(folder.glob("*.log")) for line in p.read_text().splitlines()
                     if " INFO " not in line and " DEBUG " not in line)[-4000:]


def wait_finished(source_id: str, timeout: float = 120) -> HarvestJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        scheduler_once()   # the production scheduler marks completed jobs Finished
        model.Session.remove()
        job = (model.Session.query(HarvestJob).filter_by(source_id=source_id)
               .order_by(HarvestJob.created.desc()).first())
        if job and job.status == "Finished":
            return job
        time.sleep(1)
    raise AssertionError(f"harvest job did not finish: {job and job.status}")


def test_cron_source_runs_through_the_consumers_without_anyone_typing(declare, share, shared_dir, consumers,
                                                                      tmp_path):
    time.sleep(7)   # idle longer than redis-py's 5 s socket timeout: the consumers must survive it
    assert all(p.poll() is None for p in consumers), "an idle consumer died:\n" + logs(tmp_path)
    for path in sorted((shared_dir / "data" / "municipal-csv" / "yaizu-222127").glob("*.csv"))[:4]:
        shutil.copy(path, share / path.name)
    source = declare(type="folder", url=share.as_uri(), schedule="* * * * *")
    source_id = helpers.call_action("harvest_source_show", id=source)["id"]
    model.Session.query(model.Package).filter_by(id=source_id).update(
        {"metadata_created": datetime.datetime.utcnow() - datetime.timedelta(minutes=5)})
    from ckanext.harvest.model import HarvestSource
    model.Session.query(HarvestSource).filter_by(id=source_id).update(
        {"created": datetime.datetime.utcnow() - datetime.timedelta(minutes=5)})
    model.Session.commit()

    job = wait_finished(source_id)
    jobs = model.Session.query(HarvestJob).filter_by(source_id=source_id).order_by(HarvestJob.created).all()
    assert schedule.summary(job).counts == {"added": 4}, ([schedule.summary(j) for j in jobs], logs(tmp_path))
    assert len(harvested(source)) == 4
    assert all(p.poll() is None for p in consumers), "a consumer died:\n" + logs(tmp_path)


def running_job_with_object(declare, share, state: str) -> tuple[HarvestJob, HarvestObject]:
    source = declare(type="folder", url=share.as_uri())
    job = HarvestJob(source_id=helpers.call_action("harvest_source_show", id=source)["id"], status="Running")
    job.save()
    obj = HarvestObject(guid="x.csv", job=job, state=state)
    obj.save()
    return job, obj


def test_stuck_job_is_finished_with_an_error(declare, share):
    job, obj = running_job_with_object(declare, share, "FETCH")
    job.created = datetime.datetime.utcnow() - datetime.timedelta(hours=5)
    job.save()

    assert schedule.finish_stuck_jobs(tk.config["ckanext.nakano.harvest.job_timeout"]) == [job.id]
    model.Session.refresh(job)
    model.Session.refresh(obj)
    assert job.status == "Finished" and obj.state == "ERROR"
    assert any("エラーとして終了" in e for e in map(readable, schedule.summary(job).errors))
    assert schedule.finish_stuck_jobs(tk.config["ckanext.nakano.harvest.job_timeout"]) == []


def test_an_object_is_taken_once_unless_its_consumer_died(declare, share):
    """harvest_jobs_run may re-send an object that is already being fetched."""
    from ckanext.nakano.harvest.consumers import claim

    _job, obj = running_job_with_object(declare, share, "WAITING")
    assert claim(obj.id) is True
    assert claim(obj.id) is False          # the second delivery is dropped
    model.Session.refresh(obj)
    obj.fetch_started = datetime.datetime.utcnow() - datetime.timedelta(hours=1)
    obj.save()
    assert claim(obj.id) is True           # stuck past the limit: its consumer died, take it again


def test_abandoned_object_is_sent_again_once_then_failed(declare, share):
    """A fetch consumer killed mid-object: past the per-object limit the scheduler
    sends the object again; abandoned a second time, it ends as failed — never stuck."""
    job, obj = running_job_with_object(declare, share, "FETCH")
    limit = tk.config["ckanext.nakano.harvest.object_timeout"]
    obj.fetch_started = datetime.datetime.utcnow() - datetime.timedelta(seconds=limit - 10)
    obj.save()
    assert schedule.requeue_abandoned_objects() == {"requeued": [], "failed": []}   # still within its limit

    obj.fetch_started = datetime.datetime.utcnow() - datetime.timedelta(seconds=limit + 61)
    obj.save()
    assert schedule.requeue_abandoned_objects() == {"requeued": [obj.id], "failed": []}
    model.Session.refresh(obj)
    assert obj.state == "WAITING"
    from ckanext.nakano.harvest.consumers import claim

    assert claim(obj.id) is True            # a live consumer takes it again
    model.Session.refresh(obj)
    obj.fetch_started = datetime.datetime.utcnow() - datetime.timedelta(seconds=limit + 61)
    obj.save()
    assert schedule.requeue_abandoned_objects() == {"requeued": [], "failed": [obj.id]}
    model.Session.refresh(obj)
    assert obj.state == "ERROR"
    assert any("2回とも途中で止まった" in e for e in map(readable, schedule.summary(job).errors))


def test_objects_a_consumer_could_not_finish_are_released_at_once(declare, share):
    """The database went away mid-object: the consumer makes the object WAITING again
    as soon as it answers, so the scheduler's next pass re-sends it."""
    from ckanext.nakano.harvest.consumers import release

    job, taken = running_job_with_object(declare, share, "FETCH")
    finished = HarvestObject(guid="y.csv", job=job, state="COMPLETE")
    finished.save()
    assert release({taken.id, finished.id}) == 1
    model.Session.refresh(taken)
    model.Session.refresh(finished)
    assert (taken.state, finished.state) == ("WAITING", "COMPLETE")


def test_a_message_that_keeps_failing_is_set_aside_not_resent_forever(declare, share):
    """A fetch message whose handling fails by itself (not a service away): tried
    again like any unfinished message, then on the third failure set aside with
    its reason, its re-sending stopped, its object failed with a message."""
    from ckanext.harvest import queue as harvest_queue

    from ckanext.nakano import dead_letters
    from ckanext.nakano.harvest.consumers import MAX_ATTEMPTS, _failed_message

    job, obj = running_job_with_object(declare, share, "FETCH")
    consumer = harvest_queue.get_fetch_consumer()
    redis = consumer.redis
    redis.delete("nakano:dead-letters:harvest-fetch")
    body = json.dumps({"harvest_object_id": obj.id}).encode()
    redis.set(consumer.persistance_key(body), "2026-12-05")
    unfinished: set[str] = set()
    for attempt in range(1, MAX_ATTEMPTS):
        _failed_message("fetch", consumer, body, RuntimeError("a file nothing can read"), unfinished)
        assert unfinished == {obj.id} and dead_letters.counts()["harvest-fetch"] == 0, attempt
        unfinished.clear()
    _failed_message("fetch", consumer, body, RuntimeError("a file nothing can read"), unfinished)
    assert unfinished == set()
    aside = dead_letters.items("harvest-fetch")
    assert len(aside) == 1 and "a file nothing can read" in aside[0]["reason"] and obj.id in aside[0]["item"]
    assert redis.get(consumer.persistance_key(body)) is None        # ckanext-harvest will not re-send it
    model.Session.refresh(obj)
    assert obj.state == "ERROR"
    assert any("3回続けて" in e for e in map(readable, schedule.summary(job).errors))
