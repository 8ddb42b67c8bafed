"""Harvests through the portal's own queue consumers while PostgreSQL restarts or a
fetch consumer is killed.

Promised (docs/reliability.md): the job finishes — objects that failed are
recorded as failed, never left running —, a rerun completes the source, and
no file ever becomes two datasets.
"""
from __future__ import annotations

import collections
import time

import pytest

from conftest import harvest_job, harvested_titles, wait_job

pytestmark = pytest.mark.services


def _done(site, job_id: str) -> int:
    stats = site.call("harvest_job_show", id=job_id)["stats"]
    return sum(v for k, v in stats.items() if k in ("added", "updated", "not modified", "errored"))


def _wait_done(site, job_id: str, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while _done(site, job_id) < count:
        assert time.monotonic() < deadline, f"fewer than {count} objects done in {timeout} s"
        time.sleep(0.5)


def _objects(site, job_id: str) -> list[tuple]:
    """State, report status and extras of the job's objects (for failure messages)."""
    import sqlalchemy as sa

    with sa.create_engine(site.setting("sqlalchemy.url")).connect() as conn:
        return conn.execute(sa.text(
            "select o.guid, o.state, o.report_status, o.fetch_started, o.fetch_finished, o.import_finished, "
            "(select string_agg(key, ',') from harvest_object_extra e where e.harvest_object_id = o.id), "
            "(select string_agg(message, ' | ') from harvest_object_error r where r.harvest_object_id = o.id) "
            "from harvest_object o where o.harvest_job_id = :job and o.report_status is distinct from 'added'"),
            {"job": job_id}).fetchall()


def _one_dataset_per_file(site, source: dict) -> None:
    # A dataset indexed just before PostgreSQL went away never committed (CKAN
    # indexes, then commits): a ghost upkeep's index check removes. Here the
    # check runs at once; the second one must find the index equal to the database.
    checked = site.ckan("nakano", "search-index", "verify", "--fix").stdout.splitlines()
    print("index check:", " / ".join(line for line in checked if "INFO" not in line))
    site.ckan("nakano", "search-index", "verify")   # exit 1 on any difference
    titles = harvested_titles(site, source)
    twice = [t for t, n in collections.Counter(titles).items() if n > 1]
    assert not twice, twice
    assert len(titles) == source["count"]


def test_postgresql_restarted_during_a_harvest(site, folder_source):
    source = folder_source(40)
    job = harvest_job(site, source)
    _wait_done(site, job, 5)
    site.services("stop", "postgres")
    time.sleep(5)
    site.services("start", "postgres")
    finished = wait_job(site, job)
    print("harvest across a PostgreSQL restart:", finished["stats"])
    assert finished["stats"].get("added", 0) >= 5
    # The rerun completes the source: the files that failed are added, the others unchanged.
    rerun = wait_job(site, harvest_job(site, source))
    stats = rerun["stats"]
    assert stats.get("errored", 0) == 0, site.call("harvest_job_report", id=rerun["id"])["object_errors"]
    assert stats.get("added", 0) + finished["stats"].get("added", 0) == source["count"]
    _one_dataset_per_file(site, source)
    alive = site.services("status").stdout
    assert "Harvest     up  (4 processes)" in alive, alive


@pytest.fixture()
def quick_limits(site):
    """An object limit of 20 s, and a scheduler and an upkeep pass every 3 s on this
    portal (its ini, as an operator would set them), so that an abandoned object is
    retaken within a minute; the defaults come back afterwards."""
    ini = str(site.local / "ckan.ini")
    site.ckan("config-tool", ini, "ckanext.nakano.harvest.object_timeout = 20",
              "ckanext.nakano.harvest.scheduler_interval = 3", "ckanext.nakano.upkeep.interval = 3")
    site.services("start", "harvest", "upkeep")
    yield
    site.ckan("config-tool", ini, "ckanext.nakano.harvest.object_timeout = 300",
              "ckanext.nakano.harvest.scheduler_interval = 60", "ckanext.nakano.upkeep.interval = 60")
    site.services("start", "harvest", "upkeep")


def test_fetch_consumer_killed_mid_harvest(site, folder_source, quick_limits):
    source = folder_source(20)
    job = harvest_job(site, source)
    _wait_done(site, job, 3)
    site.kill("harvest-fetch1")      # SIGKILL: the object in hand is abandoned
    finished = wait_job(site, job, timeout=300)
    site.services("start", "harvest")
    stats = finished["stats"]
    report = site.call("harvest_job_report", id=job)
    print("harvest with a fetch consumer killed:", stats, report["object_errors"])
    # Every object ended (the job is Finished only then). One may have no report status:
    # the killed consumer finished it but died before ckanext-harvest labelled it.
    assert stats.get("added", 0) + stats.get("errored", 0) + stats.get("null", 0) == source["count"], \
        _objects(site, job)
    assert stats.get("null", 0) <= 1, _objects(site, job)
    rerun = wait_job(site, harvest_job(site, source))
    assert rerun["stats"].get("errored", 0) == 0
    _one_dataset_per_file(site, source)
