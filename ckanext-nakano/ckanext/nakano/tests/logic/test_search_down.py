"""An edit made while Solr cannot be reached: nothing is saved (CKAN indexes
before it commits), and the editor is told so, in the request's language, as a
validation error — so that CKAN's form comes back with what was typed."""
from __future__ import annotations

import pytest

from ckan import model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano.tests.conftest import free_port

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")]


def test_edit_while_search_is_down_is_refused_with_the_reason(app, monkeypatch):
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], title="元の題名", category="その他", license_id="cc-by")
    # Solr's address pointed at a port where nothing listens.
    monkeypatch.setitem(tk.config, "solr_url", f"http://127.0.0.1:{free_port()}/solr/ckan")
    try:
        answer = app.post("/api/3/action/package_patch", json={"id": dataset["id"], "title": "新しい題名"},
                          headers={"Authorization": sysadmin["token"]}, status=409)
        error = answer.json["error"]
        assert error["__type"] == "Validation Error"
        assert "検索サーバーに接続できない" in error["search"][0]
        # The same refusal under /en/ is in English.
        english = app.post("/en/api/3/action/package_patch", json={"id": dataset["id"], "title": "新しい題名"},
                           headers={"Authorization": sysadmin["token"]}, status=409)
        assert "nothing was saved" in english.json["error"]["search"][0]
        created = app.post("/api/3/action/package_create", headers={"Authorization": sysadmin["token"]}, status=409,
                           json={"name": "while-down", "title": "停止中", "notes": "説明", "owner_org": org["id"],
                                 "category": "その他", "license_id": "cc-by"})
        assert "search" in created.json["error"]
    finally:
        monkeypatch.undo()
    model.Session.remove()
    assert helpers.call_action("package_show", id=dataset["id"])["title"] == "元の題名"
    assert model.Package.get("while-down") is None
    # Search is back: the same edit goes through.
    helpers.call_action("package_patch", {"user": sysadmin["name"]}, id=dataset["id"], title="新しい題名")
    assert helpers.call_action("package_search", q="新しい題名")["count"] == 1
