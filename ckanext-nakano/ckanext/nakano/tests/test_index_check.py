"""`ckan nakano search-index verify`: finds what Solr missed and repairs it."""
from __future__ import annotations

import datetime

import pytest

from ckan import logic, model
from ckan.lib.search import commit, index_for
from ckan.tests import factories, helpers

from ckanext.nakano import index_check

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]


def _dataset(org: dict, title: str) -> dict:
    return factories.Dataset(owner_org=org["id"], title=title, category="その他", license_id="CC-BY-4.0")


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
    # A job indexed a dataset that was purged meanwhile: a ghost in search.
    both = logic.package_show_default_and_custom_schemas({"ignore_auth": True}, purged["id"])
    helpers.call_action("dataset_purge", id=purged["id"])
    logic.index_update_package_dicts(both)
    model.Session.commit()
    commit()

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
