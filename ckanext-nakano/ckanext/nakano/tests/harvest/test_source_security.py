"""Harvest sources as an attacker with an editor account meets them (issue 15,
found by the probe after the first fixes): only sysadmins create, change, run
or empty sources; no credential in a source's configuration is readable;
pages that act do so only on a POST with the CSRF token."""
from __future__ import annotations

import json
import re

import pytest
import yaml

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano.harvest import sources
from ckanext.nakano.harvest.sources import SourceError

from .conftest import admin_context

PASSWORD = "Nakano-Test-2026!"
KEY = "REMOTE-API-KEY-0001-secret"


@pytest.fixture()
def editor(departments):
    user = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id="kikaku", username=user["name"], role="editor")
    return user


@pytest.fixture()
def keyed_source(departments):
    """A source stored with a key in its configuration, as ckanext-harvest allows."""
    return helpers.call_action("harvest_source_create", context=admin_context(), name="remote-with-key",
                               title="鍵つき", url="https://catalog.example.org/", source_type="nakano_ckan",
                               owner_org="kikaku", frequency="MANUAL",
                               config=json.dumps({"api_key": KEY, "nakano_allow_private": False}))


def test_an_editor_cannot_create_change_run_or_empty_a_source(editor, keyed_source):
    ctx = {"user": editor["name"], "ignore_auth": False}
    attempts = {
        "harvest_source_create": {"name": "mine", "url": "http://127.0.0.1:8983/solr/ckan/select", "title": "x",
                                  "source_type": "nakano_ckan", "owner_org": "kikaku",
                                  "config": json.dumps({"nakano_allow_private": True})},
        "harvest_source_update": {"id": keyed_source["id"], "url": "http://127.0.0.1:6379/", "title": "x",
                                  "source_type": "nakano_ckan", "owner_org": "kikaku"},
        "harvest_source_patch": {"id": keyed_source["id"], "config": "{}"},
        "harvest_job_create": {"source_id": keyed_source["id"]},
        "harvest_source_clear": {"id": keyed_source["id"]},
        "harvest_source_delete": {"id": keyed_source["id"]},
        "harvest_log_list": {},
    }
    for action, params in attempts.items():
        with pytest.raises(tk.NotAuthorized, match=""):
            helpers.call_action(action, context=dict(ctx), **params)
            pytest.fail(f"{action} was allowed")


def test_no_credential_of_a_source_is_readable_but_by_sysadmins(app, editor, keyed_source):
    readers = [{"user": "", "ignore_auth": False}, {"user": editor["name"], "ignore_auth": False}]
    for ctx in readers:
        shown = [helpers.call_action("package_show", context=dict(ctx), id=keyed_source["id"]),
                 helpers.call_action("harvest_source_show", context=dict(ctx), id=keyed_source["id"]),
                 helpers.call_action("harvest_source_list", context=dict(ctx)),
                 helpers.call_action("package_search", context=dict(ctx), fq="dataset_type:harvest")]
        for n, part in enumerate(shown):
            assert KEY not in json.dumps(part, ensure_ascii=False), (ctx, n)
    assert KEY not in app.get("/api/3/action/package_search", query_string={"fq": "dataset_type:harvest"}).body
    sysadmin = factories.Sysadmin()
    own = helpers.call_action("package_show", context={"user": sysadmin["name"]}, id=keyed_source["id"])
    assert KEY in own["config"]   # the sysadmin who edits the source sees it


def test_declarations_take_no_credential_and_only_http_urls(departments, tmp_path):
    for bad in ({"url": "https://catalog.example.org/", "config": {"api_key": KEY}},
                {"url": "javascript:alert(document.domain)"},
                {"url": "http://127.0.0.1:18999\\@1.1.1.1/"}):
        folder = tmp_path / f"d{abs(hash(json.dumps(bad)))}"
        folder.mkdir()
        (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": [
            {"id": "bad", "department": "kikaku", "type": "ckan", **bad}]}, allow_unicode=True), encoding="utf-8")
        with pytest.raises(SourceError):
            sources.sync(folder, admin_context())


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_pages_that_act_ask_first_and_need_the_csrf_token(app, keyed_source):
    sysadmin = factories.Sysadmin(password=PASSWORD)
    login_page = app.get("/user/login").body
    token = re.search(r'<meta name="_csrf_token" content="([^"]+)"', login_page).group(1)
    assert app.post("/user/login", data={"login": sysadmin["name"], "password": PASSWORD, "_csrf_token": token},
                    follow_redirects=False).status_code == 302
    for path in (f"/harvest/refresh/{keyed_source['id']}", f"/harvest/clear/{keyed_source['id']}",
                 f"/harvest/delete/{keyed_source['id']}?clear=true"):
        page = app.get(path, headers={"Referer": "http://evil.example/"}, follow_redirects=False)
        assert page.status_code == 200 and "確認" in page.body and 'method="post"' in page.body, path
        assert app.post(path, follow_redirects=False).status_code == 400, path     # no token: refused
    assert helpers.call_action("harvest_source_show", id=keyed_source["id"])["active"] is True
    form = app.get(f"/harvest/delete/{keyed_source['id']}").body
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form).group(1)
    assert app.post(f"/harvest/delete/{keyed_source['id']}", data={"_csrf_token": token},
                    follow_redirects=False).status_code == 302
    assert helpers.call_action("harvest_source_show", id=keyed_source["id"])["active"] is False
