"""The data request pages (データ要望) as residents, requesters, department staff and the
open-data office use them: the list, the form (honeypot, prefill, errors, e-mail of
visitors), the request page with its forms (answer, support, follow, merge, listing,
department), the suggestions while typing, the zero-result link and the department page.

Signed in with an API token (CKAN exempts such requests from the CSRF check); the forms
also carry the token of the session, as a browser sends it."""
from __future__ import annotations

import datetime
import html
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers

from ckanext.nakano.data_requests import figures
from ckanext.nakano.model import DataRequest, InventoryItem
from ckanext.nakano.submissions.abuse import HONEYPOT_FIELD

pytestmark = [pytest.mark.ckan_config("ckanext.nakano.submissions.per_visitor_per_hour", "10000"),
              pytest.mark.ckan_config("ckanext.nakano.submissions.per_account_per_hour", "10000")]

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ROLES = ("requester", "other", "kikaku_editor", "kikaku_admin", "kenko_editor", "kenko_admin", "sysadmin")


@pytest.fixture()
def ward(clean_db, clean_index, clean_queues):
    """Two departments with an editor and an admin each, a requester, another user, the office."""
    users = {name: factories.UserWithToken(name=name) for name in ROLES if name != "sysadmin"}
    users["sysadmin"] = factories.SysadminWithToken(name="office")
    kikaku = factories.Organization(name="kikaku", title="企画部", users=[
        {"name": "kikaku_editor", "capacity": "editor"}, {"name": "kikaku_admin", "capacity": "admin"}])
    kenko = factories.Organization(name="kenko", title="健康福祉部", users=[
        {"name": "kenko_editor", "capacity": "editor"}, {"name": "kenko_admin", "capacity": "admin"}])
    return SimpleNamespace(kikaku=kikaku, kenko=kenko, **users)


def token(user) -> dict[str, str]:
    return {"Authorization": user["token"]} if user else {}


def ask(ward, user="requester", listed=True, **fields):
    """A request sent through the action; listed by the office unless ``listed`` is false."""
    data = {"title": "公園のトイレの位置", "purpose": "community", "department": "kikaku", **fields}
    # ignore_auth off: CKAN's test helper turns it on, and the action reads it as the office's own request.
    created = helpers.call_action("nakano_request_create", context={"user": getattr(ward, user)["name"],
                                                                     "ignore_auth": False}, **data)
    if listed and created["state"] != "active":
        helpers.call_action("nakano_request_update", context={"user": ward.sysadmin["name"]},
                            id=created["id"], state="active")
    return created


def page(app, url, user=None, status=200, **kwargs):
    response = app.get(url, headers=token(user), status=status, **kwargs)
    return response.body


def post(app, url, data, user=None, **kwargs):
    return app.post(url, data=data, headers=token(user), follow_redirects=False, **kwargs)


def shown(request_id, user=None):
    return helpers.call_action("nakano_request_show", context={"user": user["name"] if user else ""}, id=request_id)


# --- the list -------------------------------------------------------------------------------------

def test_the_list_shows_listed_requests_with_facets_search_and_sorts(app, ward):
    first = ask(ward, title="保育園の空き状況", purpose="personal")
    second = ask(ward, title="公園のトイレの位置", department="kenko", purpose="business")
    held = ask(ward, user="other", listed=False, title="まだ確認待ちの要望")
    helpers.call_action("nakano_request_support", context={"user": ward.other["name"]}, id=second["id"])
    body = page(app, "/request")
    assert "保育園の空き状況" in body and "公園のトイレの位置" in body and "まだ確認待ちの要望" not in body
    assert "2 件" in body or "2 requests" in body or re.search(r">\s*2\s", body)
    assert "受付" in body and "企画部" in body and "健康福祉部" in body and "個人的な関心" in body
    assert f'href="/request/{first["id"]}"' in body
    found = page(app, "/request", query_string={"q": "ほいくえん"})   # kana folded as the register's search
    assert "保育園の空き状況" in found or "公園のトイレの位置" not in found
    assert "公園のトイレの位置" not in page(app, "/request", query_string={"q": "保育園"})
    filtered = page(app, "/request", query_string={"department": ward.kenko["id"]})
    assert "公園のトイレの位置" in filtered and "保育園の空き状況" not in filtered
    by_purpose = page(app, "/request", query_string={"purpose": "personal"})
    assert "保育園の空き状況" in by_purpose and "公園のトイレの位置" not in by_purpose
    supported = page(app, "/request", query_string={"sort": "supported"})
    assert supported.index("公園のトイレの位置") < supported.index("保育園の空き状況")
    newest = page(app, "/request", query_string={"sort": "newest"})
    assert newest.index("公園のトイレの位置") < newest.index("保育園の空き状況")
    assert 'aria-current="true"' in newest
    assert page(app, "/request", query_string={"sort": "nonsense", "page": "x"})   # no 500
    english = page(app, "/en/request")
    assert "Data requests" in english and "Received" in english and "Ask for data" in english
    # Held requests: their moderators (the department's admins, the office) see them on request.
    assert "まだ確認待ちの要望" in page(app, "/request?state=pending", ward.sysadmin)
    assert "まだ確認待ちの要望" in page(app, "/request?state=pending", ward.kikaku_admin)
    assert "まだ確認待ちの要望" not in page(app, "/request?state=pending", ward.kenko_admin)
    assert "まだ確認待ちの要望" not in page(app, "/request?state=pending")
    assert held["state"] == "pending"


# --- the request page and who sees what ---------------------------------------------------------

EXPECTED = {
    # role: (sees a held request, answer form, merge form, listing buttons, department select)
    None: (False, False, False, False, False),
    "requester": (True, False, False, False, False),
    "other": (False, False, False, False, False),
    "kikaku_editor": (True, True, False, False, False),
    "kikaku_admin": (True, True, True, True, False),
    "kenko_editor": (False, False, False, False, False),
    "kenko_admin": (False, False, False, False, False),
    "sysadmin": (True, True, True, True, True),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_reader_sees_what_they_may(app, ward, role):
    held = ask(ward, listed=False, title="確認待ちの要望")
    listed = ask(ward, title="掲載中の要望")
    user = getattr(ward, role) if role else None
    sees_held, answers, merges, moderates, reassigns = EXPECTED[role]
    held_page = app.get(f"/request/{held['id']}", headers=token(user))
    assert held_page.status_code == (200 if sees_held else 404)
    if sees_held:
        assert "確認待ちの要望" in held_page.body and "確認待ち" in held_page.body
        assert ('action="/request/%d/listing"' % held["id"] in held_page.body) is moderates
    body = page(app, f"/request/{listed['id']}", user)
    assert "掲載中の要望" in body and "企画部" in body and "受付" in body
    assert ('action="/request/%d/answer"' % listed["id"] in body) is answers
    assert ('action="/request/%d/merge"' % listed["id"] in body) is merges
    assert ('action="/request/%d/department"' % listed["id"] in body) is reassigns
    assert ('action="/request/%d/support"' % listed["id"] in body) is (user is not None)
    if user is None:
        assert "/user/login" in body


def test_unknown_and_malformed_numbers_are_not_found(app, ward):
    assert app.get("/request/abc", status=404)
    assert app.get("/request/99999999999", status=404)
    assert app.get("/request/12345", status=404)
    assert app.post("/request/99999999999/support", headers=token(ward.other), status=404)


# --- the form -------------------------------------------------------------------------------------

def test_the_form_for_visitors_and_for_accounts(app, ward):
    visitor = page(app, "/request/new", query_string={"q": "公衆トイレ"})
    assert 'name="email"' in visitor and 'name="show_name"' not in visitor
    assert 'value="公衆トイレ"' in visitor                           # the zero-result link's words
    assert re.search(rf'<div class="nakano-hp" aria-hidden="true"[^>]*>\s*<label[^>]*>[^<]*</label>\s*'
                     rf'<input type="text" id="field-{HONEYPOT_FIELD}" name="{HONEYPOT_FIELD}" value="" '
                     r'tabindex="-1" autocomplete="off">', visitor)
    assert re.search(r'<script src="[^"]*request\.js', visitor)
    assert ("わからない" in visitor or "I don’t know" in visitor) and "企画部" in visitor and "事業・サービス開発" in visitor
    signed_in = page(app, "/request/new", ward.requester)
    assert 'name="show_name"' in signed_in and 'name="email"' not in signed_in
    assert "I don’t know" in page(app, "/en/request/new")
    # Only the form page loads the script.
    assert "request.js" not in page(app, "/request")


def test_errors_are_shown_beside_their_fields_and_typed_values_kept(app, ward):
    answer = post(app, "/request/new", {"title": "", "purpose": "", "description": "途中まで書いた説明",
                                        "format_wanted": "CSV"})
    assert answer.status_code == 200
    body = answer.body
    for name in ("title", "purpose", "email"):
        assert f'id="error-{name}"' in body, name
        assert re.search(rf'id="field-{name}"[^>]*aria-describedby="[^"]*error-{name}"', body, re.S), name
    assert "途中まで書いた説明" in body and 'value="CSV"' in body
    assert model.Session.query(DataRequest).count() == 0
    bad = post(app, "/request/new", {"title": "公園", "purpose": "research", "email": "not-an-address"}).body
    assert 'id="error-email"' in bad and 'value="not-an-address"' in bad
    unknown = post(app, "/request/new", {"title": "公園", "purpose": "research", "department": "nonexistent"},
                   ward.requester).body
    assert 'id="error-department"' in unknown and 'value="公園"' in unknown
    long = post(app, "/request/new", {"title": "あ" * 300, "purpose": "research"}, ward.requester).body
    assert 'id="error-title"' in long
    english = post(app, "/en/request/new", {"title": "", "purpose": "research"}).body
    assert "The request was not sent" in english and 'id="error-title"' in english


def test_a_visitor_request_waits_for_its_email_and_an_account_request_for_review(app, ward):
    sent = post(app, "/request/new", {"title": "区内のAED設置場所", "purpose": "community",
                                      "email": "resident@example.org", "department": "kikaku"})
    assert sent.status_code == 302 and urlsplit(sent.headers["Location"]).path == "/request"
    saved = model.Session.query(DataRequest).one()
    assert saved.state == "unconfirmed" and saved.requester_email == "resident@example.org"
    assert "resident@example.org" not in page(app, f"/request/{saved.id}", ward.sysadmin)
    mine = post(app, "/request/new", {"title": "公園の一覧", "purpose": "research", "show_name": "1",
                                      "email": "ignored@example.org"}, ward.requester)
    number = int(urlsplit(mine.headers["Location"]).path.rsplit("/", 1)[1])
    row = model.Session.get(DataRequest, number)
    assert row.state == "pending" and row.show_name and row.requester_email is None
    assert row.organization_id is None
    assert "公園の一覧" in page(app, f"/request/{number}", ward.requester)


def test_the_honeypot_is_answered_as_accepted_and_saves_nothing(app, ward):
    bot = post(app, "/request/new", {"title": "Cheap pills", "purpose": "business", "email": "bot@example.org",
                                     HONEYPOT_FIELD: "http://spam.example"})
    person = post(app, "/request/new", {"title": "本物の要望", "purpose": "business", "email": "me@example.org"})
    assert bot.status_code == person.status_code == 302
    assert bot.headers["Location"] == person.headers["Location"]
    assert [r.title for r in model.Session.query(DataRequest)] == ["本物の要望"]
    signed_in_bot = post(app, "/request/new", {"title": "Spam", "purpose": "other", HONEYPOT_FIELD: "x"},
                         ward.other)
    assert signed_in_bot.status_code == 302
    assert model.Session.query(DataRequest).count() == 1


def test_a_request_for_a_register_item_goes_to_its_department(app, ward):
    item = helpers.call_action("nakano_inventory_item_create", context={"user": ward.kenko_editor["name"]},
                               department="kenko", local_id="KN-001", title="がん検診の受診率", status="considering",
                               closed_reason="deliberation")
    form = page(app, "/request/new", query_string={"q": "がん検診", "inventory_item": item["id"]})
    assert "KN-001" in form and f'name="inventory_item" value="{item["id"]}"' in form
    sent = post(app, "/request/new", {"title": "がん検診の受診率", "purpose": "research",
                                      "inventory_item": item["id"]}, ward.requester)
    number = int(sent.headers["Location"].rsplit("/", 1)[1])
    assert model.Session.get(DataRequest, number).organization_id == ward.kenko["id"]


# --- answers, history, the register -----------------------------------------------------------------

def test_the_department_answers_and_the_history_shows_each_answer(app, ward):
    request = ask(ward)
    url = f"/request/{request['id']}"
    refused = post(app, f"{url}/answer", {"status": "planned", "planned_month": "2030-04"}, ward.kenko_editor)
    assert refused.status_code == 403
    assert post(app, f"{url}/answer", {"status": "considering"}).status_code == 403
    assert post(app, f"{url}/answer", {"status": "considering"}, ward.requester).status_code == 403
    # 公開予定 without a month: the form again, the error beside the month, the text kept.
    again = post(app, f"{url}/answer", {"status": "planned", "planned_month": "", "answer": "来年度に公開します"},
                 ward.kikaku_editor)
    assert again.status_code == 200
    assert 'id="error-planned_month"' in again.body and "来年度に公開します" in again.body
    assert re.search(r'id="field-planned_month"[^>]*aria-describedby="[^"]*error-planned_month"', again.body)
    bad_month = post(app, f"{url}/answer", {"status": "planned", "planned_month": "そのうち"}, ward.kikaku_editor)
    assert 'id="error-planned_month"' in bad_month.body
    done = post(app, f"{url}/answer", {"status": "considering", "answer": "担当課で検討します"}, ward.kikaku_editor)
    assert done.status_code == 302
    planned = post(app, f"{url}/answer", {"status": "planned", "planned_month": "令和12年4月",
                                          "answer": "来年度に公開します"}, ward.kikaku_editor)
    assert planned.status_code == 302
    body = page(app, url)
    assert "公開予定" in body and "2030年4月" in body and "来年度に公開します" in body and "担当課で検討します" in body
    history = body[body.index('id="history"'):]
    assert history.count('data-kind="answered"') == 2
    assert "受付 → 検討中" in history and "検討中 → 公開予定" in history and "2030年4月" in history
    assert "April 2030" in page(app, f"/en{url}")
    row = model.Session.get(DataRequest, request["id"])
    assert row.first_answer is not None and row.status == "planned" and row.planned_month == "2030-04"


def test_published_and_declined_answers_show_the_dataset_and_the_reason(app, ward):
    dataset = factories.Dataset(owner_org=ward.kikaku["id"], name="park-toilets", title="公園トイレ一覧",
                                category="その他", license_id="cc-by")
    first, second = ask(ward), ask(ward, title="職員の個人別勤務記録")
    unknown = post(app, f"/request/{first['id']}/answer", {"status": "published", "dataset": "no-such-dataset"},
                   ward.kikaku_admin)
    assert 'id="error-dataset"' in unknown.body and 'value="no-such-dataset"' in unknown.body
    post(app, f"/request/{first['id']}/answer", {"status": "published", "dataset": "park-toilets"},
         ward.kikaku_admin)
    body = page(app, f"/request/{first['id']}")
    assert "公開済" in body and f'href="/dataset/{dataset["name"]}"' in body and "公園トイレ一覧" in body
    no_reason = post(app, f"/request/{second['id']}/answer", {"status": "declined"}, ward.kikaku_admin)
    assert 'id="error-decline_reason"' in no_reason.body
    assert "特定の個人が分かる情報を含みます。" in no_reason.body   # each reason's meaning, on the form
    post(app, f"/request/{second['id']}/answer", {"status": "declined", "decline_reason": "personal",
                                                 "answer": "個人情報のため公開できません"}, ward.sysadmin)
    declined = page(app, f"/request/{second['id']}")
    assert "対応できません" in declined and "個人情報" in declined and "特定の個人が分かる情報を含みます。" in declined
    assert "Personal information" in page(app, f"/en/request/{second['id']}")
    assert "公園トイレ一覧" in page(app, "/request")


def test_an_answer_registers_the_data_in_the_inventory(app, ward):
    request = ask(ward, title="区内のベンチの位置", description="公園と道路のベンチ")
    post(app, f"/request/{request['id']}/answer", {"status": "planned", "planned_month": "2031-04",
                                                  "create_inventory_item": "1"}, ward.kikaku_editor)
    item = model.Session.query(InventoryItem).filter(InventoryItem.organization_id == ward.kikaku["id"]).one()
    assert item.title == "区内のベンチの位置" and item.status == "planned"
    body = page(app, f"/request/{request['id']}")
    assert f'href="/inventory/item/{item.id}"' in body


# --- support, follow, merge, listing, department ---------------------------------------------------

def test_support_and_follow_toggle(app, ward):
    request = ask(ward)
    url = f"/request/{request['id']}"
    assert post(app, f"{url}/support", {"support": "1"}).status_code == 403      # visitors sign in first
    assert post(app, f"{url}/follow", {"follow": "1"}).status_code == 403
    assert post(app, f"{url}/support", {"support": "1"}, ward.other).status_code == 302
    body = page(app, url, ward.other)
    assert re.search(r'data-figure="supporters">1<', body)
    assert 'name="support" value="0"' in body                                     # the button takes it back
    post(app, f"{url}/support", {"support": "1"}, ward.other)                    # once per account
    assert shown(request["id"])["supporters"] == 1
    post(app, f"{url}/support", {"support": "0"}, ward.other)
    assert shown(request["id"])["supporters"] == 0
    assert 'name="support" value="1"' in page(app, url, ward.other)
    assert shown(request["id"], ward.other)["following"] is False
    post(app, f"{url}/follow", {"follow": "1"}, ward.other)
    assert shown(request["id"], ward.other)["following"] is True
    assert 'name="follow" value="0"' in page(app, url, ward.other)
    post(app, f"{url}/follow", {"follow": "0"}, ward.other)
    assert shown(request["id"], ward.other)["following"] is False
    held = ask(ward, user="other", listed=False)
    assert post(app, f"/request/{held['id']}/support", {"support": "1"}, ward.kikaku_editor).status_code == 404


def test_merge_carries_supporters_over(app, ward):
    target, duplicate = ask(ward, title="公園のトイレ"), ask(ward, user="other", title="公園トイレの場所")
    helpers.call_action("nakano_request_support", context={"user": ward.kenko_editor["name"]}, id=duplicate["id"])
    url = f"/request/{duplicate['id']}/merge"
    assert post(app, url, {"into": str(target["id"])}, ward.kikaku_editor).status_code == 403
    assert post(app, url, {"into": str(target["id"])}, ward.kenko_admin).status_code == 403
    bad = post(app, url, {"into": "abc"}, ward.kikaku_admin)
    assert bad.status_code == 200 and 'id="error-into"' in bad.body and 'value="abc"' in bad.body
    missing = post(app, url, {"into": "9999"}, ward.kikaku_admin)
    assert 'id="error-into"' in missing.body and "9999" in missing.body
    itself = post(app, url, {"into": str(duplicate["id"])}, ward.kikaku_admin)
    assert 'id="error-into"' in itself.body
    done = post(app, url, {"into": f"#{target['id']}"}, ward.kikaku_admin)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/request/{target['id']}")
    assert shown(target["id"])["supporters"] == 2     # the duplicate's supporter and its requester
    merged = page(app, f"/request/{duplicate['id']}")
    assert f'href="/request/{target["id"]}"' in merged and 'action="/request/%d/answer"' % duplicate["id"] not in \
        page(app, f"/request/{duplicate['id']}", ward.kikaku_admin)
    assert 'data-kind="merged-in"' in page(app, f"/request/{target['id']}")


def test_moderators_list_or_hide_a_held_request(app, ward):
    held = ask(ward, user="other", listed=False, title="初めての要望")
    url = f"/request/{held['id']}/listing"
    assert post(app, url, {"state": "active"}, ward.kikaku_editor).status_code == 403
    assert post(app, url, {"state": "active"}, ward.kenko_admin).status_code == 404   # not theirs to see
    assert post(app, url, {"state": "active"}, ward.other).status_code == 403        # the requester
    assert post(app, url, {"state": "published"}, ward.kikaku_admin).status_code == 200
    assert post(app, url, {"state": "active"}, ward.kikaku_admin).status_code == 302
    assert "初めての要望" in page(app, "/request")
    assert post(app, url, {"state": "hidden"}, ward.sysadmin).status_code == 302
    assert "初めての要望" not in page(app, "/request")
    assert app.get(f"/request/{held['id']}", status=404)


def test_the_office_sends_a_request_to_another_department(app, ward):
    request = ask(ward, department="")
    body = page(app, f"/request/{request['id']}", ward.sysadmin)
    assert 'action="/request/%d/department"' % request["id"] in body
    url = f"/request/{request['id']}/department"
    assert post(app, url, {"department": "kenko"}, ward.kikaku_admin).status_code == 403
    unknown = post(app, url, {"department": "nonexistent"}, ward.sysadmin)
    assert unknown.status_code == 200 and 'id="error-department"' in unknown.body
    assert post(app, url, {"department": "kenko"}, ward.sysadmin).status_code == 302
    assert shown(request["id"])["department"]["name"] == "kenko"
    assert 'action="/request/%d/answer"' % request["id"] in page(app, f"/request/{request['id']}", ward.kenko_editor)
    assert "健康福祉部" in page(app, f"/request/{request['id']}")


# --- suggestions while typing, and the zero-result search page ---------------------------------------

@pytest.fixture()
def catalog(ward):
    factories.Dataset(owner_org=ward.kikaku["id"], name="parks", title="公園一覧", title_en="List of parks",
                      category="その他", license_id="cc-by")
    editor = {"user": ward.kikaku_editor["name"]}
    helpers.call_action("nakano_inventory_item_create", context=editor, department="kikaku", local_id="KK-001",
                        title="公園の遊具点検結果", status="planned", planned_month="2030-04")
    helpers.call_action("nakano_inventory_item_create", context=editor, department="kikaku", local_id="KK-002",
                        title="公園利用者の個人別記録", status="closed", closed_reason="personal")
    helpers.call_action("nakano_inventory_item_create", context=editor, department="kikaku", local_id="KK-003",
                        title="公園の警備計画", status="closed", closed_reason="public_safety", listed="no",
                        listed_reason="警備上の理由")
    return ward


def test_suggestions_show_datasets_and_register_items_with_their_status(app, catalog):
    found = app.get("/request/suggest", query_string={"q": "公園"}).json
    assert [d["title"] for d in found["datasets"]] == ["公園一覧"] and found["datasets"][0]["url"] == "/dataset/parks"
    items = {i["title"]: i for i in found["items"]}
    assert set(items) == {"公園の遊具点検結果", "公園利用者の個人別記録"}     # not the unlisted one
    planned = items["公園の遊具点検結果"]
    assert planned["status_label"] == "公開予定" and planned["detail"] == "2030年4月"
    assert planned["department"] == "企画部" and planned["url"].startswith("/inventory/item/")
    assert "inventory_item=" in planned["request_url"]
    closed = items["公園利用者の個人別記録"]
    assert closed["status_label"] == "非公開" and closed["detail"].startswith("個人情報")
    english = app.get("/en/request/suggest", query_string={"q": "公園"}).json
    assert english["datasets"][0]["title"] == "List of parks"
    assert {i["detail"] for i in english["items"]} >= {"April 2030"}
    # The department's own staff also see its unlisted item.
    inside = app.get("/request/suggest", query_string={"q": "公園"}, headers=token(catalog.kikaku_editor)).json
    assert "公園の警備計画" in {i["title"] for i in inside["items"]}
    assert app.get("/request/suggest", query_string={"q": "公"}).json["items"] == []        # too short
    assert app.get("/request/suggest", query_string={"q": 'title:(" AND'}).status_code == 200   # Solr syntax
    assert app.get("/request/suggest").json == {"datasets": [], "items": [], "requests": []}
    # Without script: the form shows them for the title given in the link.
    form = page(app, "/request/new", query_string={"q": "公園"})
    assert "公園一覧" in form and "公園の遊具点検結果" in form and "2030年4月" in form


def test_the_zero_result_search_offers_to_request_the_data(app, ward):
    body = page(app, "/dataset/", query_string={"q": "存在しない統計"})
    link = re.search(r'href="(/request/new\?q=[^"]+)"', body)
    assert link and parse_qs(urlsplit(html.unescape(link.group(1))).query)["q"] == ["存在しない統計"]
    assert "このデータを要望する" in body or "Request this data" in body
    assert 'value="存在しない統計"' in page(app, html.unescape(link.group(1)))


# --- escaping -----------------------------------------------------------------------------------------

def test_every_text_field_is_escaped(app, ward):
    request = ask(ward, title=f"題{XSS}", description=f"説明{XSS}", purpose_text=f"目的{XSS}",
                  format_wanted=f"CSV{XSS}", show_name=True)
    post(app, f"/request/{request['id']}/answer", {"status": "considering", "answer": f"回答{XSS}"},
         ward.kikaku_editor)
    pages = [page(app, f"/request/{request['id']}"), page(app, f"/request/{request['id']}", ward.sysadmin),
             page(app, "/request"), page(app, "/organization/kikaku", ward.kikaku_editor)]
    for body in pages:
        assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in pages[0] and "説明&lt;script&gt;" in pages[0] and "回答&lt;script&gt;" in pages[0]
    errors = post(app, "/request/new", {"title": XSS, "purpose": XSS, "description": XSS, "email": XSS}).body
    assert "<script>alert" not in errors and "<img src=x" not in errors
    suggested = app.get("/request/suggest", query_string={"q": XSS})
    assert suggested.headers["Content-Type"].startswith("application/json")
    assert "<script>" not in suggested.body and suggested.json == {"datasets": [], "items": []} or \
        all("<script>" not in d["title"] for d in suggested.json["datasets"])


# --- the department page --------------------------------------------------------------------------------

def test_the_department_page_shows_its_requests_figures_reuses_and_searches(app, ward):
    old = ask(ward, title="答えた要望")
    ask(ward, title="待っている要望")
    ask(ward, title="健康の要望", department="kenko")
    helpers.call_action("nakano_request_respond", context={"user": ward.kikaku_editor["name"]}, id=old["id"],
                        status="considering")
    row = model.Session.get(DataRequest, old["id"])
    row.created, row.first_answer = datetime.datetime(2026, 1, 1), datetime.datetime(2026, 1, 11)
    model.Session.commit()
    assert figures.department_figures([ward.kikaku["id"]])[ward.kikaku["id"]] == {
        "received": 2, "open": 2, "answered": 1, "median_days": 10.0}
    assert figures.department_figures([ward.kenko["id"]])[ward.kenko["id"]]["median_days"] is None
    dataset = factories.Dataset(owner_org=ward.kikaku["id"], name="bench", title="ベンチ一覧",
                                category="その他", license_id="cc-by")
    reuse = helpers.call_action("nakano_showcase_create", context={"user": ward.other["name"]}, title="ベンチ地図アプリ",
                                kind="app", url="https://example.org/bench", provider="中野大学",
                                provider_kind="academia", datasets=[dataset["id"]])
    helpers.call_action("nakano_showcase_moderate", context={"user": ward.sysadmin["name"]}, id=reuse["id"],
                        decision="approve")
    model.Session.execute(sa.text("""insert into nakano_search_daily (day, query, searches, zero_results, visitors)
                                     values (:day, '駐輪場の空き', 9, 9, 7)"""), {"day": datetime.date.today()})
    model.Session.commit()

    body = page(app, "/organization/kikaku")
    assert re.search(r'data-figure="open">\s*2<', body) and re.search(r'data-figure="median_days">\s*10\.0<', body)
    assert "待っている要望" in body and "答えた要望" in body and "健康の要望" not in body
    assert "/request?department=kikaku" in body and "/request/new?department=kikaku" in body
    assert "ベンチ地図アプリ" in body and "アプリ・サービス" in body
    all_reuses = re.search(r'href="(/showcase\?department=[^"]+)"', body)
    assert all_reuses and "ベンチ地図アプリ" in page(app, html.unescape(all_reuses.group(1)))
    assert "駐輪場の空き" not in body                                   # searches: the department's staff only
    assert "駐輪場の空き" in page(app, "/organization/kikaku", ward.kikaku_editor)
    assert "駐輪場の空き" not in page(app, "/organization/kikaku", ward.kenko_editor)
    other = page(app, "/organization/kenko")
    assert "健康の要望" in other and "ベンチ地図アプリ" not in other
    assert 'value="kikaku" selected' in page(app, "/request/new", query_string={"department": "kikaku"})


def test_the_answer_form_shows_the_current_answer_and_the_same_text_is_not_said_twice(app, ward):
    request = ask(ward)
    url = f"/request/{request['id']}"
    assert post(app, f"{url}/answer", {"status": "considering", "answer": "担当課で検討します"},
                ward.kikaku_editor).status_code == 302
    form = page(app, url, ward.kikaku_editor)
    assert re.search(r'<textarea[^>]*name="answer"[^>]*>\s*担当課で検討します', form), "the current answer is not in the form"
    # Only the status changes; the text is sent again as the form shows it.
    assert post(app, f"{url}/answer", {"status": "planned", "planned_month": "2031-04", "answer": "担当課で検討します"},
                ward.kikaku_editor).status_code == 302
    history = page(app, url)
    history = history[history.index('id="history"'):]
    assert history.count("担当課で検討します") == 1 and "検討中 → 公開予定" in history


def test_suggestions_show_the_requests_already_sent_most_supported_first(app, catalog):
    first = ask(catalog, title="公園のベンチの位置")
    ask(catalog, title="公園のトイレの位置")
    held = ask(catalog, user="kenko_editor", title="公園の秘密の要望", listed=False)
    assert held["state"] == "pending"          # the first request of an account waits for review
    helpers.call_action("nakano_request_support", context={"user": catalog.kikaku_editor["name"]}, id=first["id"])
    found = app.get("/request/suggest", query_string={"q": "公園"}).json["requests"]
    assert [r["title"] for r in found] == [f"#{first['id']} 公園のベンチの位置", f"#{first['id'] + 1} 公園のトイレの位置"]
    assert found[0]["supporters"] == 1 and found[0]["status_label"] == "受付"
    assert held["title"] not in str(found)     # a request held for review is not suggested
    form = page(app, "/request/new", query_string={"q": "公園"})
    assert "私も必要" in form and "公園のベンチの位置" in form


def test_the_length_limit_of_free_text_is_said_before_sending(app):
    """5,000 characters at most: said beside the fields, not only after a refused send."""
    body = app.get("/request/new").body
    limits = re.findall(r'<span class="nakano-muted nakano-text-limit">([^<]*)</span>', body)
    assert len(limits) == 2 and all("5,000" in said for said in limits), limits
    assert "5,000" in re.findall(r'<span class="nakano-muted nakano-text-limit">([^<]*)</span>',
                                 app.get("/showcase/new").body)[0]


def test_a_page_past_the_end_of_a_list_goes_to_its_last_page(app, ward):
    """/request, /showcase and /inventory asked for page 99999 said 「4件」 above 「まだありません」:
    they send the reader to the last page, searches and filters kept."""
    for n in range(3):
        ask(ward, title=f"公園のベンチ {n}")
    answer = app.get("/request", query_string={"page": "99999", "q": "公園"}, follow_redirects=False)
    assert answer.status_code == 302
    target = answer.headers["Location"]
    assert "page=1" in target and "q=" in target
    assert "公園のベンチ 0" in app.get(target).body
    # Nothing to list: the first page says so, no redirect.
    assert app.get("/request", query_string={"page": "5", "q": "存在しない語"}, follow_redirects=False).status_code == 200
    for empty_list in ("/showcase", "/inventory"):
        assert app.get(empty_list, query_string={"page": "99999"}, follow_redirects=False).status_code == 200


def test_the_requester_changes_what_is_asked_and_others_cannot(app, ward):
    """The walk of issue 20: a requester had no way to correct their request but the API."""
    created = ask(ward, title="公園のトイレ", description="")
    read = page(app, f"/request/{created['id']}", ward.requester)
    assert f'/request/{created["id"]}/edit' in read
    assert f'/request/{created["id"]}/edit' not in page(app, f"/request/{created['id']}", ward.other)
    form = page(app, f"/request/{created['id']}/edit", ward.requester)
    assert 'value="公園のトイレ"' in form
    refused = post(app, f"/request/{created['id']}/edit", {"title": "", "purpose": "community"}, ward.requester)
    assert refused.status_code == 400 and 'id="error-title"' in refused.body
    saved = post(app, f"/request/{created['id']}/edit", {"title": "公園のトイレの位置と開いている時間",
                                                         "purpose": "community", "description": ""}, ward.requester)
    assert saved.status_code == 302
    after = shown(created["id"], ward.requester)
    assert after["title"] == "公園のトイレの位置と開いている時間"
    assert post(app, f"/request/{created['id']}/edit", {"title": "x", "purpose": "community"},
                ward.other).status_code == 403
    assert shown(created["id"], ward.requester)["title"] == "公園のトイレの位置と開いている時間"
