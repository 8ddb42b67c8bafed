"""`ckan nakano search-index verify`: finds what Solr missed and repairs it."""
from __future__ import annotations

import datetime

import pytest

from ckan import logic, model
from ckan.lib.search import SearchIndexError, index_for
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers

from ckanext.nakano import index_check

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]


def _dataset(org: dict, title: str) -> dict:
    return factories.Dataset(owner_org=org["id"], title=title, category="その他", license_id="cc-by")


def test_missing_stale_and_orphan_datasets_are_found_and_repaired():
    org = factories.Organization()
    kept, missed, stale, purged = (_dataset(org, t) for t in ("一致", "未登録", "古い索引", "削除済み"))
    assert index_check.verify() == {"database": 4, "index": 4, "missing": [], "stale": [], "orphans": [],
                                    "fixed": False}
    package_index = index_for(model.Package)
    package_index.remove_dict({"id": missed["id"]})           # Solr was down during its creation
    # Edited while Solr was away: the database moved on, the index did not.
    model.Session.execute(model.package_table.update().where(model.package_table.c.id == stale["id"])
                          .values(metadata_modified=datetime.datetime.utcnow(), title="新しい題名"))
    # A ghost in search (a purge whose removal from Solr failed, an index restored
    # from an older copy): the purged dataset's document put back into Solr as it was.
    conn = make_connection(decode_dates=False)
    (ghost,) = conn.search(q=f'id:"{purged["id"]}"', fl="*").docs
    helpers.call_action("dataset_purge", id=purged["id"])
    conn.add([{k: v for k, v in ghost.items() if k != "_version_"}], commit=True)
    model.Session.commit()

    found = index_check.verify()
    assert (found["missing"], found["stale"], found["orphans"]) == ([missed["id"]], [stale["id"]], [purged["id"]])
    assert helpers.call_action("package_search", q="新しい題名")["count"] == 0

    repaired = index_check.verify(fix=True)
    assert repaired["fixed"] is True
    assert index_check.verify() == {"database": 3, "index": 3, "missing": [], "stale": [], "orphans": [],
                                    "fixed": False}
    assert helpers.call_action("package_search", q="新しい題名")["count"] == 1
    names = {p["name"] for p in helpers.call_action("package_search", rows=10)["results"]}
    assert names == {kept["name"], missed["name"], stale["name"]}


def test_a_late_update_of_a_purged_dataset_is_not_indexed():
    """CKAN indexes before it commits: a job that read a dataset before another
    request purged it must not put it back into search."""
    org = factories.Organization()
    dataset = _dataset(org, "消える")
    both = logic.package_show_default_and_custom_schemas({"ignore_auth": True}, dataset["id"])
    helpers.call_action("dataset_purge", id=dataset["id"])
    with pytest.raises(SearchIndexError, match="purged"):
        logic.index_update_package_dicts(both)
    model.Session.rollback()
    assert index_check.verify()["orphans"] == []
    assert helpers.call_action("package_search", q="消える")["count"] == 0


def test_the_periodic_check_leaves_an_edit_in_progress_alone(monkeypatch):
    """CKAN writes Solr before it commits: what differs only for a moment is not "repaired"."""
    org = factories.Organization()
    dataset = _dataset(org, "編集中")
    indexed = model.Session.query(model.Package.metadata_modified).filter_by(id=dataset["id"]).scalar()
    table = model.package_table
    model.Session.execute(table.update().where(table.c.id == dataset["id"])
                          .values(metadata_modified=indexed - datetime.timedelta(seconds=30)))
    model.Session.commit()

    def commit_meanwhile(seconds: float) -> None:   # the edit commits while the check waits
        model.Session.execute(table.update().where(table.c.id == dataset["id"]).values(metadata_modified=indexed))
        model.Session.commit()

    monkeypatch.setattr(index_check.time, "sleep", commit_meanwhile)
    assert index_check.verify()["stale"] == [dataset["id"]]   # as a one-off check sees it
    model.Session.execute(table.update().where(table.c.id == dataset["id"])
                          .values(metadata_modified=indexed - datetime.timedelta(seconds=30)))
    model.Session.commit()
    settled = index_check.verify(fix=True, settle=5)
    assert settled["stale"] == [] and settled["fixed"] is False


def test_a_purge_waiting_for_a_job_leaves_no_document_behind(app):
    """The job (xloader marking its resource) holds the dataset's row; the purge
    waits for the row; the job writes its resource, indexes and commits; the
    purge goes on. Neither may fail (a deadlock when the purge held the resource
    rows while it waited: the purge answered 500), and nothing of the dataset may
    stay in search."""
    import threading

    import sqlalchemy as sa

    org = factories.Organization()
    dataset = _dataset(org, "消える途中")
    resource_id = factories.Resource(package_id=dataset["id"], url="https://example.org/a.csv")["id"]
    model.Session.remove()
    locked, indexed = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def job() -> None:
        try:
            model.Package.get(dataset["id"], for_update=True)       # as resource_patch does
            locked.set()
            indexed.wait(60)
            resource = model.resource_table
            model.Session.execute(resource.update().where(resource.c.id == resource_id)
                                  .values(extras='{"datastore_active": true}'))
            logic.index_update_package_dicts(
                logic.package_show_default_and_custom_schemas({"ignore_auth": True}, dataset["id"]))
            model.Session.commit()
        except BaseException as error:
            failures.append(error)
        finally:
            model.Session.remove()

    def purge() -> None:
        try:
            with app.flask_app.test_request_context():
                helpers.call_action("dataset_purge", id=dataset["id"])
        except BaseException as error:
            failures.append(error)
        finally:
            model.Session.remove()

    worker = threading.Thread(target=job)
    worker.start()
    assert locked.wait(60)
    purging = threading.Thread(target=purge)
    purging.start()
    # the purge waits for the job's lock
    # Autocommit: PostgreSQL shows pg_stat_activity as it was at the first read
    # of a transaction, and a single transaction would never see the purge wait.
    engine = sa.create_engine(str(model.meta.engine.url.render_as_string(hide_password=False)),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for _ in range(600):
            waiting = conn.execute(sa.text("select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                                           " and datname = current_database()")).scalar()
            if waiting:
                break
            threading.Event().wait(0.1)
        activity = conn.execute(sa.text("select state, wait_event_type, wait_event, left(query, 80)"
                                        " from pg_stat_activity where datname = current_database()")).fetchall()
    engine.dispose()
    assert waiting, ("the purge never waited for the job's lock", failures, activity)
    indexed.set()
    worker.join(60)
    purging.join(60)
    assert not failures, failures
    assert model.Session.query(model.Package).filter_by(id=dataset["id"]).count() == 0
    assert make_connection().search(q=f'id:"{dataset["id"]}"').hits == 0
    assert index_check.verify()["orphans"] == []
