"""The 500s of issue 15 (item 13), each answered now: a page that searches
anyway, or an error in Japanese and English. test_fuzz.py sends many more
values to every public route and action of the running portal."""
from __future__ import annotations

import json

import pytest

from ckan.tests import factories, helpers

from ckanext.nakano.response_policy import attachment


@pytest.fixture()
def site(clean_db, clean_index):
    user = factories.Sysadmin()
    org = factories.Organization(name="kikaku", title="企画部")
    pkg = factories.Dataset(owner_org=org["id"], name="koen", title="公園一覧", notes="区立公園", category="その他",
                            license_id="cc-by", tags=[{"name": "公園"}])
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/koen.csv", format="CSV")
    helpers.call_action("datastore_create", context={"user": user["name"]}, resource_id=resource["id"], force=True,
                        fields=[{"id": "名称", "type": "text"}], records=[{"名称": "平和の森公園"}])
    activity = helpers.call_action("package_activity_list", id=pkg["id"])[0]
    return {"pkg": pkg, "resource": resource, "org": org, "activity": activity}


@pytest.mark.parametrize("q", ["NOT", "a:b:c", "text:(a", "{!lucene}*:*", "+", "&&"])
def test_searches_solr_cannot_parse_still_answer(app, site, q):
    assert app.get("/organization/kikaku", query_string={"q": q}).status_code == 200
    assert app.get("/dataset/", query_string={"q": q}).status_code == 200
    assert app.get("/catalog.ttl", query_string={"q": q}).status_code in (200, 409)
    assert app.get("/api/3/action/package_search", query_string={"q": q}).status_code in (200, 400, 409)


def test_words_with_syntax_characters_are_still_found(app, site):
    found = app.get("/api/3/action/package_search", query_string={"q": "公園 AND"}).json
    assert found["success"] and found["result"]["count"] == 1


def test_each_reported_500_is_answered_in_japanese_and_english(app, site):
    cases = [
        ("/api/3/action/package_search", {"include_private": "notabool"}, 409, "true または false"),
        ("/api/3/action/package_search", {"wt": "xml"}, 409, "JSON"),
        ("/api/3/action/tag_autocomplete", {"query": "\x00"}, 400, "制御文字"),
        ("/api/3/action/resource_search", {"query": "metadata_modified:[NOW-1DAY TO NOW]"}, 409, "日付"),
        (f"/datastore/dump/{site['resource']['id']}", {"format": "xlsx"}, 400, "ダウンロードできません"),
        ("/api/3/action/activity_show", {"id": site["activity"]["id"]}, 403, ""),
        ("/dataset/", {"q": "\x00"}, 400, "制御文字"),
        ("/api/3/action/package_search", {"q": "a\x00b"}, 400, "制御文字"),
        ("/api/3/action/current_package_list_with_resources", {"limit": ""}, 409, "整数"),
        ("/api/3/action/datastore_search", {"resource_id": site["resource"]["id"], "filters": "0"}, 409, "JSON"),
        (f"/datastore/dump/{site['resource']['id']}", {"fields": "no such column"}, 400, "列名"),
        ("/catalog.ttl", {"modified_since": "99999999999999999999"}, 409, "ISO 8601"),
        ("/datastore/dump/_table_metadata", {}, 404, "表データが見つかりません"),
        ("/api/3/action/organization_autocomplete", {}, 409, "q"),
        ("/api/3/action/tag_list", {"all_fields": "maybe"}, 409, "true または false"),
        ("/api/3/action/resource_search", {"query": "size:99999999999999999999"}, 409, "整数"),
        ("/api/3/action/resource_search", {"query": "last_modified:2026"}, 409, "日付"),
        ("/api/3/action/harvest_log_list", {}, 403, ""),
        ("/api/2/util/user/autocomplete", {"q": "ed"}, 403, ""),
        ("/dataset/changes_multiple", {"new_id": "x", "old_id": "y"}, 404, "ページが見つかりません"),
        (f"/datastore/dump/{site['resource']['id']}", {"filters": '{"_id": {}}'}, 400, "filters"),
    ]
    for path, params, status, text in cases:
        answer = app.get(path, query_string=params, follow_redirects=False)
        assert answer.status_code == status, (path, params, answer.status_code, answer.body[:300])
        body = json.dumps(answer.json, ensure_ascii=False) if answer.is_json else answer.body
        assert text in body, (path, params, body[:300])


def test_a_lone_surrogate_in_a_json_body_is_refused_not_a_500(app, site):
    """JSON may escape half of a UTF-16 pair; no UTF-8 text can hold it (issue 19's attack walk)."""
    for action in ("package_patch", "nakano_inventory_item_patch"):
        answer = app.post(f"/api/3/action/{action}", data='{"id": "x", "title": "a\\ud800b"}',
                          content_type="application/json", follow_redirects=False)
        assert answer.status_code == 400, (action, answer.status_code, answer.body[:200])
        assert "制御文字" in json.dumps(answer.json, ensure_ascii=False)


def test_a_sort_or_page_a_listing_cannot_use_is_dropped(app, site):
    for path in ("/dataset/", "/organization/", "/group/"):
        answer = app.get(path, query_string={"q": "公園", "sort": " ", "page": "99999999999999999999"},
                         follow_redirects=False)
        assert answer.status_code == 302 and "sort" not in answer.headers["Location"]
        assert "page" not in answer.headers["Location"] and "q=" in answer.headers["Location"]
    assert app.get("/dataset/", query_string={"sort": "metadata_modified desc"}).status_code == 200


def test_error_pages_speak_japanese_and_english(app, site):
    page = app.get("/no-such-page").body
    assert "ページが見つかりません" in page
    assert "Page not found" in app.get("/en/no-such-page").body


def test_a_failure_of_the_portal_answers_a_japanese_500_page_with_a_way_back(app):
    """What a visitor sees when the portal itself fails: the ward's page, in the page's
    language, with a way back and no traceback or exception text."""
    flask_app = app.flask_app

    def broken():
        raise RuntimeError("internal detail that must not be shown")

    if "nakano_test_broken" not in flask_app.view_functions:
        flask_app.add_url_rule("/nakano-test-broken", "nakano_test_broken", broken)
    propagate = flask_app.config.get("PROPAGATE_EXCEPTIONS")
    flask_app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        for path, says in (("/nakano-test-broken", "サーバーで問題が起きました"),
                           ("/en/nakano-test-broken", "Something went wrong on the server")):
            answer = app.get(path, status=500)
            assert says in answer.body, answer.body[-2000:]
            assert "internal detail" not in answer.body and "Traceback" not in answer.body
            assert 'href="/' in answer.body   # a way back (home, search)
    finally:
        flask_app.config["PROPAGATE_EXCEPTIONS"] = propagate


def test_download_names_are_latin_1_headers_with_the_real_name_encoded():
    for name in ("公園一覧.csv", "evil\".html", "a;b.csv", "平和の森 公園.xlsx", "x" * 10):
        header = attachment(name)
        header.encode("latin-1")   # what gunicorn can send
        assert header.startswith("attachment; filename=\"") and "filename*=UTF-8''" in header
    assert "filename*=UTF-8''%E5%85%AC%E5%9C%92%E4%B8%80%E8%A6%A7.csv" in attachment("公園一覧.csv")


def test_values_of_the_wrong_json_type_are_refused_for_every_action(app, site):
    for action, body in (("user_show", {"id": ["a"]}), ("tag_show", {"id": {"a": 1}}),
                         ("resource_view_list", {"id": ["x"]}), ("help_show", {"name": {"a": 1}}),
                         ("recently_changed_packages_activity_list", {"offset": 1e20}),
                         ("format_autocomplete", {"q": "c", "limit": 10**20}),
                         ("package_collaborator_list", {"id": site["pkg"]["id"]}),
                         ("datastore_search", {"resource_id": site["resource"]["id"], "filters": {"_id": {}}})):
        answer = app.post(f"/api/3/action/{action}", json=body)
        assert answer.status_code in (403, 409), (action, answer.status_code, answer.body[:200])

