"""Items through the Action API: fields from schemas/inventory.yaml, who may do what, what
outsiders see, and the status following the linked datasets."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckan import model

from ckanext.nakano import search as nakano_search
from ckanext.nakano.inventory import export, store

from .conftest import item_fields


def call(action, user=None, **data):
    return helpers.call_action(action, context={"user": user["name"] if user else "", "ignore_auth": False},
                               **data)


def test_editor_creates_and_outsiders_see_public_fields_only(ward):
    item = call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields())
    assert item["status"] == "considering" and item["internal_memo"] == "係長確認待ち"
    assert item["labels"]["status"] == "検討中"
    for reader in (None, ward.kenko_editor, ward.outsider):
        shown = call("nakano_inventory_item_show", reader, id=item["id"])
        assert shown["title"] == "区有施設台帳" and shown["closed_reason"] == "deliberation"
        assert "internal_memo" not in shown and "listed_reason" not in shown and "history" not in shown
    inside = call("nakano_inventory_item_show", ward.kikaku_member, id=item["id"], include_history=True)
    assert inside["internal_memo"] == "係長確認待ち" and inside["history"][0]["kind"] == "created"
    by_key = call("nakano_inventory_item_show", None, id="KK-001", department="kikaku")
    assert by_key["id"] == item["id"]


@pytest.mark.parametrize("who", ["kenko_editor", "kikaku_member", "outsider", None])
def test_only_the_departments_editors_change_its_register(ward, who):
    item = call("nakano_inventory_item_create", ward.kikaku_admin, department="kikaku", **item_fields())
    user = getattr(ward, who) if who else None
    with pytest.raises(tk.NotAuthorized):
        call("nakano_inventory_item_create", user, department="kikaku", **item_fields(local_id="KK-002"))
    with pytest.raises(tk.NotAuthorized):
        call("nakano_inventory_item_patch", user, id=item["id"], title="改ざん")
    with pytest.raises(tk.NotAuthorized):
        call("nakano_inventory_item_delete", user, id=item["id"])
    assert call("nakano_inventory_item_show", ward.sysadmin, id=item["id"])["title"] == "区有施設台帳"


def test_items_not_listed_are_hidden_from_outsiders(ward):
    item = call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku",
                **item_fields(listed="しない", listed_reason="所在地が特定されるため"))
    assert item["listed"] == "no"
    with pytest.raises(tk.ObjectNotFound):
        call("nakano_inventory_item_show", ward.kenko_editor, id=item["id"])
    assert call("nakano_inventory_item_list", None)["count"] == 0
    assert call("nakano_inventory_item_list", ward.kikaku_member)["count"] == 1
    assert call("nakano_inventory_summary", None)["ward"]["total"] == 0


@pytest.mark.parametrize("fields,field", [
    ({"status": "closed", "closed_reason": ""}, "closed_reason"),
    ({"status": "closed", "closed_reason": "other"}, "closed_reason_note"),
    ({"status": "planned", "planned_month": ""}, "planned_month"),
    ({"status": "planned", "planned_month": "2020-04"}, "planned_month"),
    ({"status": "published_other", "published_url": ""}, "published_url"),
    ({"status": "公開するかも"}, "status"),
    ({"listed": "no", "listed_reason": ""}, "listed_reason"),
    ({"published_url": "file:///etc/passwd", "status": "published_other"}, "published_url"),
    ({"title": ""}, "title"),
])
def test_bad_fields_are_refused_with_the_field_named(ward, fields, field):
    with pytest.raises(tk.ValidationError) as refused:
        call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields(**fields))
    assert field in refused.value.error_dict
    assert all("{" not in m for m in refused.value.error_dict[field])


def test_readable_values_are_read(ward):
    item = call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields(
        local_id="ＫＫ－００９", status="公開予定", planned_month="令和20年4月", frequency="年1回",
        withheld_columns="氏名、電話番号", listed="○"))
    assert item["local_id"] == "KK-009" and item["planned_month"] == "2038-04"
    assert item["frequency"].endswith("/ANNUAL") and item["frequency_note"] == "年1回"
    assert item["withheld_columns"] == ["氏名", "電話番号"] and item["listed"] == "yes"
    assert item["closed_reason"] == ""   # only for 非公開 and 検討中


def test_a_public_dataset_makes_its_item_open_data_and_back(ward):
    item = call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields())
    dataset = call("package_create", ward.kikaku_editor, owner_org=ward.kikaku["id"], title="区有施設一覧",
                   notes="区の施設", category="行財政", license_id="cc-by", inventory_item="KK-001")
    assert dataset["inventory_item"] == item["id"]
    shown = call("nakano_inventory_item_show", None, id=item["id"])
    assert shown["status"] == "open_data" and shown["datasets"][0]["name"] == dataset["name"]
    call("package_patch", ward.kikaku_editor, id=dataset["id"], private=True)
    assert call("nakano_inventory_item_show", None, id=item["id"])["status"] == "considering"
    call("package_patch", ward.kikaku_editor, id=dataset["id"], private=False)
    assert call("nakano_inventory_item_show", None, id=item["id"])["status"] == "open_data"
    call("package_delete", ward.kikaku_editor, id=dataset["id"])
    back = call("nakano_inventory_item_show", ward.kikaku_editor, id=item["id"], include_history=True)
    assert back["status"] == "considering"
    kinds = [(h["kind"], h["user"]) for h in back["history"]]
    assert kinds[:4] == [("status", None)] * 4
    assert "区有施設一覧" in back["history"][0]["note"]


def test_purge_and_owner_change_give_the_status_back(ward):
    call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields())
    dataset = call("package_create", ward.sysadmin, owner_org=ward.kikaku["id"], title="区有施設一覧",
                   notes="区の施設", category="行財政", license_id="cc-by", inventory_item="KK-001")
    assert call("nakano_inventory_item_show", None, id="KK-001", department="kikaku")["status"] == "open_data"
    call("dataset_purge", ward.sysadmin, id=dataset["id"])
    assert call("nakano_inventory_item_show", None, id="KK-001", department="kikaku")["status"] == "considering"


def test_a_dataset_links_only_to_items_of_its_department(ward):
    call("nakano_inventory_item_create", ward.kenko_editor, department="kenko", **item_fields(local_id="KN-1"))
    with pytest.raises(tk.ValidationError) as refused:
        call("package_create", ward.kikaku_editor, owner_org=ward.kikaku["id"], title="区有施設一覧",
             notes="区の施設", category="行財政", license_id="cc-by", inventory_item="KN-1")
    assert "inventory_item" in refused.value.error_dict


def test_duplicate_local_id_is_refused(ward):
    call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields())
    with pytest.raises(tk.ValidationError) as refused:
        call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields())
    assert "local_id" in refused.value.error_dict
    # another department may use the same number
    call("nakano_inventory_item_create", ward.kenko_editor, department="kenko", **item_fields())


def test_list_searches_folds_kana_and_filters(ward):
    call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku",
         **item_fields(local_id="A", title="コウエン一覧", status="planned", planned_month="2099-01"))
    call("nakano_inventory_item_create", ward.kenko_editor, department="kenko",
         **item_fields(local_id="B", title="保育園一覧", closed_reason="personal"))
    assert [r["local_id"] for r in call("nakano_inventory_item_list", None, q="こうえん")["results"]] == ["A"]
    assert [r["local_id"] for r in call("nakano_inventory_item_list", None, q="ｺｳｴﾝ")["results"]] == ["A"]
    found = call("nakano_inventory_item_list", None, status="considering,closed")
    assert [r["local_id"] for r in found["results"]] == ["B"]
    facets = {f["value"]: f["count"] for f in found["facets"]["status"]}
    assert facets == {"planned": 1, "considering": 1}
    assert call("nakano_inventory_item_list", None, department="kenko")["count"] == 1
    unfiltered = call("nakano_inventory_item_list", None)["facets"]   # one GROUPING SETS pass
    assert {f["value"]: f["count"] for f in unfiltered["status"]} == {"planned": 1, "considering": 1}
    assert sorted(f["count"] for f in unfiltered["department"]) == [1, 1]
    assert {f["value"] for f in unfiltered["closed_reason"]} == {"personal"}
    summary = call("nakano_inventory_summary", None)
    assert summary["ward"]["total"] == 2 and summary["ward"]["planned"] == 1
    assert summary["ward"]["open_rate"] == 0


def test_the_link_field_is_kept_with_the_dataset_but_not_indexed(ward):
    """Looked up in PostgreSQL, never searched: package_show has it, Solr's index does not."""
    call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku", **item_fields())
    dataset = call("package_create", ward.kikaku_editor, owner_org=ward.kikaku["id"], title="区有施設一覧",
                   notes="区の施設", category="行財政", license_id="cc-by", inventory_item="KK-001")
    found = helpers.call_action("package_search", fq=f"id:{dataset['id']}")["results"][0]
    assert found["inventory_item"] == dataset["inventory_item"]           # the stored dict
    item = dataset["inventory_item"]
    indexed = nakano_search.index_fields({"id": dataset["id"], "inventory_item": item,
                                          "extras_inventory_item": item, "validated_data_dict": "{}"})
    assert "inventory_item" not in indexed and "extras_inventory_item" not in indexed


def test_an_item_open_by_its_dataset_keeps_its_declared_fields(ward):
    """Exported as 公開済 (its dataset is public) and read back, or patched: the planned month
    the department declared stays (found by the attack walk of issue 19)."""
    call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku",
         **item_fields(status="planned", planned_month="2099-04", closed_reason=""))
    call("package_create", ward.kikaku_editor, owner_org=ward.kikaku["id"], title="区有施設一覧", notes="区の施設",
         category="行財政", license_id="cc-by", inventory_item="KK-001")
    shown = call("nakano_inventory_item_show", ward.kikaku_editor, id="KK-001", department="kikaku")
    assert shown["status"] == "open_data" and shown["planned_month"] == "2099-04"
    patched = call("nakano_inventory_item_patch", ward.kikaku_editor, id=shown["id"], section="施設課")
    assert patched["planned_month"] == "2099-04" and patched["declared_status"] == "planned"
    reader = store.Reader(model.User.get(ward.kikaku_editor["name"]))
    content = export.register_file("csv", reader, [ward.kikaku["id"]])
    again = helpers.call_action("nakano_inventory_import", context={"user": ward.kikaku_editor["name"]},
                                upload=content, department="kikaku", dry_run=True)
    assert again["errors"] == [] and again["updated"] == [] and again["unchanged"] == 1


def test_a_public_dataset_does_not_reveal_an_item_not_listed(app, ward):
    item = call("nakano_inventory_item_create", ward.kikaku_editor, department="kikaku",
                **item_fields(listed="no", listed_reason="所在の公表が支障となるため"))
    dataset = call("package_create", ward.kikaku_editor, owner_org=ward.kikaku["id"], title="区有施設一覧",
                   notes="区の施設", category="行財政", license_id="cc-by", inventory_item=item["id"])
    for reader in (None, ward.kenko_editor):
        shown = call("package_show", reader, id=dataset["id"])
        assert "inventory_item" not in shown and item["id"] not in str(shown)
    for path in (f"/api/3/action/package_show?id={dataset['id']}", f'/api/3/action/package_search?fq=id:"{dataset["id"]}"',
                 f"/dataset/{dataset['name']}"):
        assert item["id"] not in app.get(path).body, path
    assert call("package_show", ward.kikaku_member, id=dataset["id"])["inventory_item"] == item["id"]
