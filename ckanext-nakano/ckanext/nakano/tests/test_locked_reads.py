"""A job's read-modify-write of a dataset sees the edits committed meanwhile.

CKAN's session keeps loaded objects across commits (``expire_on_commit`` is
off) and a long job (xloader, validation) loads its dataset when it starts.
When it finally patches a resource, CKAN re-reads the dataset ``FOR UPDATE``,
but SQLAlchemy does not overwrite attributes already loaded: without the
refresh the job indexed the text of the dataset as it was when the job began,
with the new ``metadata_modified`` (search and the API showed the older text,
and the index check, which compares timestamps, could not see it).
"""
from __future__ import annotations

import threading

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]


def _edit_elsewhere(app, user: str, dataset_id: str, **fields: str) -> None:
    """An editor's request, served by another thread with its own session."""
    failure: list[BaseException] = []

    def edit() -> None:
        try:
            with app.flask_app.test_request_context():
                helpers.call_action("package_patch", {"user": user}, id=dataset_id, **fields)
        except BaseException as error:  # reported in the test's thread
            failure.append(error)
        finally:
            model.Session.remove()

    thread = threading.Thread(target=edit)
    thread.start()
    thread.join(60)
    assert not failure, [getattr(f, "error_dict", f) for f in failure]


def test_a_job_patching_a_resource_keeps_an_edit_made_while_it_ran(app):
    editor = factories.Sysadmin()
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], notes="作業開始時の説明", notes_en="before",
                                category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=dataset["id"], url="https://example.org/a.csv", format="CSV")
    model.Session.remove()

    # The job starts, as the validation job does: it reads its resource and dataset
    # with one context, which keeps the dataset's object for the job's duration.
    context = {"ignore_auth": True}
    tk.get_action("resource_show")(context, {"id": resource["id"]})
    tk.get_action("package_show")(context, {"id": dataset["id"]})
    _edit_elsewhere(app, editor["name"], dataset["id"], notes="作業中に編集した説明", notes_en="edited meanwhile")
    # ...and ends by marking its resource, as xloader does with datastore_active.
    helpers.call_action("resource_patch", {"user": editor["name"]}, id=resource["id"], description="読込済み")
    model.Session.remove()

    # The database keeps both changes...
    stored = helpers.call_action("package_show", {"use_cache": False}, id=dataset["id"])
    assert (stored["notes"], stored["notes_en"]) == ("作業中に編集した説明", "edited meanwhile")
    assert stored["resources"][0]["description"] == "読込済み"
    # ...and so do the API (answered from Solr when its timestamp matches) and search.
    shown = helpers.call_action("package_show", id=dataset["id"])
    assert (shown["notes"], shown["notes_en"]) == (stored["notes"], stored["notes_en"])
    (doc,) = make_connection().search(q=f'id:"{dataset["id"]}"', fl="notes,metadata_modified").docs
    assert doc["notes"] == "作業中に編集した説明"
    found = helpers.call_action("package_search", q="作業中に編集した説明")
    assert [d["id"] for d in found["results"]] == [dataset["id"]]
