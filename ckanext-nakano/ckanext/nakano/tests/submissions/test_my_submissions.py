"""A person's own reuses and data requests: the ``mine`` and ``followed`` lists of the Action API
and the dashboard tab 「自分の活用事例とデータ要望」 — every state of their own, the reason of a
rejection, the department's answer, the requests of others they follow, nothing of anybody
else's that is not public."""
from __future__ import annotations

import re

from ckan.tests import helpers

from ckanext.nakano.tests.submissions.conftest import as_user

REUSE = {"kind": "app", "url": "https://example.jp/map", "provider": "中野テック株式会社", "provider_kind": "company",
         "description": "地図", "datasets": ["aed"]}
ASK = {"description": "説明", "purpose": "community", "format_wanted": "CSV", "department": "kenko-fukushi"}


def _reuse(user, title: str) -> dict:
    return helpers.call_action("nakano_showcase_create", context=as_user(user), title=title, **REUSE)


def _request(user, title: str, listed: bool = True) -> dict:
    made = helpers.call_action("nakano_request_create", context=as_user(user), title=title, **ASK)
    if listed and made["state"] == "pending":
        helpers.call_action("nakano_request_update", context=as_user(None) | {"ignore_auth": True},
                            id=made["id"], state="active")
    return made


def _titles(found: dict) -> list[str]:
    return [r["title"] for r in found["results"]]


def _sent_by_resident_and_others(ward) -> None:
    rejected = _reuse(ward.resident, "却下される地図")
    helpers.call_action("nakano_showcase_moderate", context=as_user(ward.office), id=rejected["id"],
                        decision="reject", reason="リンク先が開けません")
    _reuse(ward.resident, "審査待ちの分析")
    _reuse(ward.company, "他社の審査待ちアプリ")
    own = _request(ward.resident, "公園のベンチの位置")
    helpers.call_action("nakano_request_respond", context=as_user(ward.health_admin), id=own["id"],
                        status="planned", planned_month="2099-04")
    others = _request(ward.company, "ごみ集積所の位置")
    helpers.call_action("nakano_request_follow", context=as_user(ward.resident), id=others["id"])
    _request(ward.stranger, "見ていない要望")


def test_the_lists_of_ones_own_hold_every_state_and_nothing_of_others(ward):
    _sent_by_resident_and_others(ward)
    mine = helpers.call_action("nakano_showcase_list", context=as_user(ward.resident), mine=True, sort="changed")
    assert sorted(_titles(mine)) == ["却下される地図", "審査待ちの分析"]
    assert {r["state"] for r in mine["results"]} == {"rejected", "pending"}
    rejected = next(r for r in mine["results"] if r["state"] == "rejected")
    assert rejected["reject_reason"] == "リンク先が開けません"
    asked = helpers.call_action("nakano_request_list", context=as_user(ward.resident), mine=True)
    assert _titles(asked) == ["公園のベンチの位置"] and asked["results"][0]["status"] == "planned"
    # The requester follows their own request: it is under "mine", not again under "followed".
    followed = helpers.call_action("nakano_request_list", context=as_user(ward.resident), followed=True)
    assert _titles(followed) == ["ごみ集積所の位置"]
    # A visitor has nothing of their own (and sees nobody else's).
    for action in ("nakano_showcase_list", "nakano_request_list"):
        assert helpers.call_action(action, context=as_user(None), mine=True)["count"] == 0
    assert helpers.call_action("nakano_request_list", context=as_user(None), followed=True)["count"] == 0


def test_the_dashboard_tab_shows_where_each_stands(ward, app):
    _sent_by_resident_and_others(ward)
    token = helpers.call_action("api_token_create", user=ward.resident["name"], name="mine")["token"]
    page = app.get("/dashboard/submissions", headers={"Authorization": token}, extra_environ={"HTTP_ACCEPT_LANGUAGE": "ja"})
    assert page.status_code == 200
    text = page.body
    for shown in ("却下される地図", "リンク先が開けません", "審査待ちの分析", "公園のベンチの位置", "2099年4月",
                  "ごみ集積所の位置", "掲載見送り", "確認待ち"):
        assert shown in text, shown
    for hidden in ("他社の審査待ちアプリ", "見ていない要望"):
        assert hidden not in text, hidden
    dashboard = app.get("/dashboard/datasets", headers={"Authorization": token})
    assert "/dashboard/submissions" in dashboard.body   # the tab beside the dashboard's others


def test_a_visitor_is_asked_to_sign_in(ward, app):
    answer = app.get("/dashboard/submissions", follow_redirects=False)
    assert answer.status_code == 302 and "/user/login" in answer.headers["Location"]


def test_residents_make_an_account_on_the_form_not_through_the_api(ward, app):
    form = app.get("/user/register")
    assert form.status_code == 200 and 'name="password1"' in form.body
    refused = app.post("/api/3/action/user_create", json={"name": "bot", "email": "bot@example.org",
                                                          "password": "LongEnoughPassword42"})
    assert refused.status_code == 403


def test_a_departments_staff_find_its_waiting_requests_and_reuses_from_their_dashboard(ward, app):
    def dashboard(user) -> str:
        token = helpers.call_action("api_token_create", user=user["name"], name="dash")["token"]
        return app.get("/dashboard/", headers={"Authorization": token}).body   # its 「担当の部署」 block

    admin, editor = dashboard(ward.health_admin), dashboard(ward.health_editor)
    for body in (admin, editor):
        links = re.findall(r'href="(/request\?[^"]*)"', body)
        assert any("department=kenko-fukushi" in link and "status=received" in link for link in links), links
    assert "/showcase/moderate" in admin and "/showcase/moderate" not in editor
    assert "kenko-fukushi" not in dashboard(ward.resident)
