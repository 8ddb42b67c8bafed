"""A signed-in editor's browser cannot be made to change data by another site:
cookie-authenticated POSTs to forms and to the Action API need the CSRF
token, also after token or anonymous requests reached the same view (CKAN
2.12 exempted a view for the rest of the process then: csrf.py)."""
from __future__ import annotations

import re

import pytest

from ckan.tests import factories, helpers

PASSWORD = "Nakano-Test-2026!"
EVIL = {"Origin": "http://evil.example", "Referer": "http://evil.example/page.html"}


@pytest.fixture()
def editor(clean_db):
    user = factories.User(password=PASSWORD)
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    pkg = factories.Dataset(owner_org=org["id"], title="元の題名", notes="元の説明", category="その他",
                            license_id="cc-by", user=user)
    token = helpers.call_action("api_token_create", user=user["name"], name="csrf-test")["token"]
    return {"user": user, "pkg": pkg, "token": token}


def _csrf(page_html: str) -> str:
    return re.search(r'<meta name="_csrf_token" content="([^"]+)"', page_html).group(1)


def _log_in(app, editor: dict) -> None:
    """Through the login form, as a browser would (a session cookie from then on)."""
    token = _csrf(app.get("/user/login").body)
    answer = app.post("/user/login", data={"login": editor["user"]["name"], "password": PASSWORD,
                                           "_csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 302, answer.body[:500]


def _form(editor: dict, **extra: str) -> dict:
    return {"name": editor["pkg"]["name"], "title": "偽の題名", "notes": "x", "category": "その他",
            "license_id": "cc-by", "owner_org": editor["pkg"]["owner_org"], "save": "", **extra}


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_token_and_anonymous_requests_do_not_switch_csrf_off_for_the_form(app, editor):
    edit = f"/dataset/edit/{editor['pkg']['name']}"
    # What made CKAN exempt the view for good: a request with an API token, and an anonymous one.
    app.get(edit, headers={"Authorization": editor["token"]})
    app.post(edit, data=_form(editor), headers={"Authorization": editor["token"]}, follow_redirects=False)
    app.post(edit, data=_form(editor), follow_redirects=False)
    assert helpers.call_action("package_show", id=editor["pkg"]["id"])["title"] == "偽の題名"   # the token edit
    helpers.call_action("package_patch", context={"user": editor["user"]["name"]}, id=editor["pkg"]["id"],
                        title="元の題名")

    _log_in(app, editor)
    forged = app.post(edit, data=_form(editor, title="攻撃"), headers=EVIL, follow_redirects=False)
    assert forged.status_code == 400 and "ページを再読み込み" in forged.body
    assert helpers.call_action("package_show", id=editor["pkg"]["id"])["title"] == "元の題名"
    # With the form's token the same edit goes through: the refusal was the missing token.
    token = _csrf(app.get(edit).body)
    real = app.post(edit, data=_form(editor, title="正しい題名", _csrf_token=token), follow_redirects=False)
    assert real.status_code == 302, real.body[:500]
    assert helpers.call_action("package_show", id=editor["pkg"]["id"])["title"] == "正しい題名"


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_the_action_api_refuses_cookie_posts_without_the_csrf_token(app, editor):
    api = "/api/3/action/package_patch"
    # Anonymous and token calls first (they exempted the API view for good).
    app.post(api, json={"id": editor["pkg"]["id"], "notes": "トークン"}, headers={"Authorization": editor["token"]})
    app.post(api, json={"id": editor["pkg"]["id"], "notes": "匿名"})

    _log_in(app, editor)
    forged = app.post(api, json={"id": editor["pkg"]["id"], "notes": "攻撃"}, headers=EVIL)
    assert forged.status_code == 400, forged.body[:800]
    assert forged.json["success"] is False and "別のサイト" in forged.json["error"]["message"]
    assert helpers.call_action("package_show", id=editor["pkg"]["id"])["notes"] == "トークン"
    # CKAN's own page scripts send the page's token in a header: that works.
    token = _csrf(app.get("/dataset/").body)
    ok = app.post(api, json={"id": editor["pkg"]["id"], "notes": "ページから"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.json["success"]
    assert helpers.call_action("package_show", id=editor["pkg"]["id"])["notes"] == "ページから"
    # Reads need no token.
    assert app.get("/api/3/action/package_show", query_string={"id": editor["pkg"]["id"]}).status_code == 200
