"""データ要望 (data requests) through the Action API: routing, every role on every action, the
department's answers (kept and mailed), support, following, merging, moderation of the
first request of an account, the register following the answer."""
from __future__ import annotations

from email.utils import parseaddr

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.nakano.tests.local_mail import open_inbox, run_worker
from ckanext.nakano.tests.submissions.conftest import as_user

ASK = {"title": "公園のベンチの位置", "description": "ベンチの場所を地図にしたい", "purpose": "community",
       "format_wanted": "CSV"}


def _ask(user, **extra):
    return helpers.call_action("nakano_request_create", context=as_user(user), **{**ASK, **extra})


def _listed(user, **extra):
    """A request of an account that already has one listed (the first is held for review)."""
    request = _ask(user, **extra)
    if request["state"] == "pending":
        helpers.call_action("nakano_request_update", context=as_user(None) | {"ignore_auth": True},
                            id=request["id"], state="active")
    return helpers.call_action("nakano_request_show", context=as_user(user), id=request["id"])


def _refused(action: str, user, **params) -> None:
    with pytest.raises((tk.NotAuthorized, tk.ObjectNotFound)):
        helpers.call_action(action, context=as_user(user), **params)


def test_the_first_request_of_an_account_waits_for_review_the_next_is_listed(ward):
    first = _ask(ward.resident, department="kenko-fukushi")
    assert first["state"] == "pending" and first["held_reason"] == "first-of-account"
    _refused("nakano_request_show", None, id=first["id"])
    _refused("nakano_request_show", ward.stranger, id=first["id"])
    # The department's admin lists it; its editor may not, nor the other department.
    _refused("nakano_request_update", ward.health_editor, id=first["id"], state="active")
    _refused("nakano_request_update", ward.kids_admin, id=first["id"], state="active")
    helpers.call_action("nakano_request_update", context=as_user(ward.health_admin), id=first["id"], state="active")
    assert helpers.call_action("nakano_request_show", context=as_user(None), id=first["id"])["state"] == "active"
    second = _ask(ward.resident, title="公衆トイレの開いている時間")
    assert second["state"] == "active"


def test_a_listed_word_holds_a_request_for_review(ward):
    _listed(ward.resident)
    held = _ask(ward.resident, title="カジノの広告はこちら")
    assert held["state"] == "pending" and held["held_reason"] == "flagged-words"


def test_the_department_answers_and_the_requester_and_followers_are_mailed(ward):
    inbox = open_inbox()
    request = _listed(ward.resident, department="kenko-fukushi")
    assert request["department"]["title"] == "健康福祉部" and request["status"] == "received"
    helpers.call_action("nakano_request_follow", context=as_user(ward.company), id=request["id"])
    for outsider in (ward.kids_editor, ward.kids_admin, ward.stranger, ward.resident):
        _refused("nakano_request_respond", outsider, id=request["id"], status="considering")
    _refused("nakano_request_respond", None, id=request["id"], status="considering")
    answered = helpers.call_action("nakano_request_respond", context=as_user(ward.health_editor), id=request["id"],
                                   status="planned", planned_month="令和9年4月", answer="来年度に公開します。")
    assert answered["status"] == "planned" and answered["planned_month"] == "2027-04"
    assert answered["first_answer"] and answered["answer"] == "来年度に公開します。"
    assert [h["kind"] for h in answered["history"]] == ["created", "edited", "answered"]
    assert answered["history"][-1]["changes"]["status"] == ["received", "planned"]
    run_worker()
    to = {parseaddr(m["To"])[1] for m in inbox()}
    assert {"resident@example.org", "company@example.org"} <= to
    assert "kids_admin@example.org" not in to
    # Each is told what the answer says (the month), the requester of their own request.
    mails = {parseaddr(m["To"])[1]: m for m in inbox() if "公開予定" in m.get_content()}
    assert "2027年4月" in mails["resident@example.org"].get_content()
    subjects = {to: str(m["Subject"]) for to, m in mails.items()}
    assert "フォロー" not in subjects["resident@example.org"] and "follow" not in subjects["resident@example.org"]
    assert "フォロー" in subjects["company@example.org"] or "you follow" in subjects["company@example.org"]


INCOMPLETE_ANSWERS = [({"status": "planned"}, "planned_month"), ({"status": "published"}, "dataset"),
                      ({"status": "published", "dataset": "secret"}, "dataset"), ({"status": "declined"}, "decline_reason"),
                      ({"status": "declined", "decline_reason": "whim"}, "decline_reason"),
                      ({"status": "planned", "planned_month": "来年"}, "planned_month"), ({"status": "unknown"}, "status")]


def test_an_answer_needs_what_its_status_says(ward):
    request = _listed(ward.resident, department="kenko-fukushi")
    for answer, field in INCOMPLETE_ANSWERS:
        with pytest.raises(tk.ValidationError) as refused:
            helpers.call_action("nakano_request_respond", context=as_user(ward.health_admin), id=request["id"],
                                **answer)
        assert field in refused.value.error_dict, (answer, refused.value.error_dict)
    unchanged = helpers.call_action("nakano_request_show", context=as_user(None), id=request["id"])
    assert unchanged["status"] == "received" and unchanged["first_answer"] is None


def test_published_links_the_dataset_and_declined_gives_the_registers_reason(ward):
    request = _listed(ward.resident, department="kenko-fukushi")
    done = helpers.call_action("nakano_request_respond", context=as_user(ward.health_admin), id=request["id"],
                               status="published", dataset="aed")
    assert done["dataset"]["name"] == "aed"
    other = _listed(ward.resident, department="kenko-fukushi", title="個人別の検診結果")
    declined = helpers.call_action("nakano_request_respond", context=as_user(ward.health_admin), id=other["id"],
                                   status="declined", decline_reason="personal", answer="個人情報を含むため。")
    assert declined["labels"]["decline_reason"] == "個人情報"


def test_an_answer_registers_the_request_in_the_departments_register_and_the_item_follows(ward):
    request = _listed(ward.resident, department="kenko-fukushi")
    answered = helpers.call_action("nakano_request_respond", context=as_user(ward.health_editor), id=request["id"],
                                   status="planned", planned_month="2027-06", create_inventory_item=True)
    item = helpers.call_action("nakano_inventory_item_show", context=as_user(ward.health_editor),
                               id=answered["inventory_item_id"])
    assert item["title"] == "公園のベンチの位置" and item["status"] == "planned" and item["planned_month"] == "2027-06"
    helpers.call_action("nakano_request_respond", context=as_user(ward.health_editor), id=request["id"],
                        status="declined", decline_reason="personal")
    item = helpers.call_action("nakano_inventory_item_show", context=as_user(ward.health_editor),
                               id=answered["inventory_item_id"])
    assert item["status"] == "closed" and item["closed_reason"] == "personal"


def test_a_requester_names_a_register_item_and_the_request_goes_to_its_department(ward):
    item = helpers.call_action("nakano_inventory_item_create", context=as_user(ward.kids_editor),
                               department="kodomo-kyoiku", local_id="KK-001", title="保育園の空き状況",
                               status="planned", planned_month="2027-04", listed="yes")
    request = _listed(ward.resident, inventory_item=item["id"])
    assert request["department"]["name"] == "kodomo-kyoiku" and request["inventory_item_id"] == item["id"]
    unlisted = helpers.call_action("nakano_inventory_item_create", context=as_user(ward.kids_editor),
                                   department="kodomo-kyoiku", local_id="KK-002", title="内部の名簿",
                                   status="closed", closed_reason="personal", listed="no", listed_reason="個人情報")
    with pytest.raises(tk.ValidationError):
        _ask(ward.resident, inventory_item=unlisted["id"])


def test_support_is_one_per_account_and_merging_carries_supporters_over(ward):
    target = _listed(ward.resident, department="kenko-fukushi")
    duplicate = _listed(ward.company, department="kenko-fukushi", title="公園ベンチ")
    _refused("nakano_request_support", None, id=target["id"])
    for _ in range(2):
        helpers.call_action("nakano_request_support", context=as_user(ward.stranger), id=target["id"])
    assert helpers.call_action("nakano_request_show", context=as_user(None), id=target["id"])["supporters"] == 1
    helpers.call_action("nakano_request_support", context=as_user(ward.kids_editor), id=duplicate["id"])
    _refused("nakano_request_merge", ward.health_editor, id=duplicate["id"], into=target["id"])
    _refused("nakano_request_merge", ward.kids_admin, id=duplicate["id"], into=target["id"])
    with pytest.raises(tk.ValidationError):
        helpers.call_action("nakano_request_merge", context=as_user(ward.health_admin), id=target["id"],
                            into=target["id"])
    merged = helpers.call_action("nakano_request_merge", context=as_user(ward.health_admin), id=duplicate["id"],
                                 into=target["id"])
    # stranger, kids_editor (supported the duplicate), company (its requester)
    assert merged["supporters"] == 3
    gone = helpers.call_action("nakano_request_show", context=as_user(None), id=duplicate["id"])
    assert gone["state"] == "merged" and gone["merged_into"] == target["id"]
    with pytest.raises(tk.ValidationError):
        helpers.call_action("nakano_request_respond", context=as_user(ward.health_admin), id=duplicate["id"],
                            status="considering")


def test_the_office_reassigns_a_department_others_may_not(ward):
    request = _listed(ward.resident)
    assert request["department"] is None
    for someone in (ward.resident, ward.health_admin, ward.kids_admin):
        _refused("nakano_request_update", someone, id=request["id"], department="kodomo-kyoiku")
    moved = helpers.call_action("nakano_request_update", context=as_user(ward.office), id=request["id"],
                                department="kodomo-kyoiku")
    assert moved["department"]["name"] == "kodomo-kyoiku"
    assert moved["history"][-1]["changes"]["organization_id"][1] == ward.kids["id"]


def test_names_and_addresses_are_shown_only_as_chosen(ward):
    hidden = _listed(ward.resident)
    shown = _listed(ward.company, show_name=True)
    assert helpers.call_action("nakano_request_show", context=as_user(None), id=hidden["id"])["requester"] is None
    assert helpers.call_action("nakano_request_show", context=as_user(None), id=shown["id"])["requester"]
    visitor = _ask(None, email="visitor@example.org")
    assert visitor["state"] == "unconfirmed"
    for reader in (ward.office, None):
        try:
            seen = helpers.call_action("nakano_request_show", context=as_user(reader), id=visitor["id"])
        except tk.ObjectNotFound:
            continue
        assert "visitor@example.org" not in str(seen)


def test_list_filters_sorts_and_facets(ward):
    a = _listed(ward.resident, department="kenko-fukushi", title="AEDの点検日")
    b = _listed(ward.resident, department="kodomo-kyoiku", title="保育園の定員", purpose="business")
    helpers.call_action("nakano_request_support", context=as_user(ward.stranger), id=b["id"])
    everyone = as_user(None)
    assert [r["id"] for r in helpers.call_action("nakano_request_list", context=everyone, sort="supported")["results"]][0] \
        == b["id"]
    found = helpers.call_action("nakano_request_list", context=everyone, q="ほいくえん")
    assert [r["id"] for r in found["results"]] == [b["id"]]   # the reading of the kanji (folded_text.searchable)
    found = helpers.call_action("nakano_request_list", context=everyone, department="kenko-fukushi")
    assert [r["id"] for r in found["results"]] == [a["id"]]
    facets = helpers.call_action("nakano_request_list", context=everyone)["facets"]
    assert {f["label"] for f in facets["department"]} == {"健康福祉部", "子ども教育部"}
    assert {f["value"]: f["count"] for f in facets["status"]} == {"received": 2}


def test_the_api_takes_back_the_number_it_gives(ward, app):
    """A request's id is a number in JSON (as the API gives it), or its text."""
    token = helpers.call_action("api_token_create", user=ward.resident["name"], name="t")["token"]
    request = _listed(ward.resident, department="kenko-fukushi")
    for given in (request["id"], str(request["id"])):
        answer = app.post("/api/3/action/nakano_request_follow", headers={"Authorization": token},
                          json={"id": given, "follow": False})
        assert answer.status_code == 200, answer.json
    refused = app.post("/api/3/action/nakano_request_follow", headers={"Authorization": token},
                       json={"id": ["1"]}, status=409).json
    assert "id" in refused["error"]
