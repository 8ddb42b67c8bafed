"""The register's pages as residents, clerks and outsiders use them: what each sees, the
dashboard's figures and actions, import through the form, the item form, and the open data
file — no 内部メモ and no item marked not 公表 outside the department."""
from __future__ import annotations

import io
import json
import re

import pytest

from ckan import model
from ckan.tests import helpers

from ckanext.nakano.inventory import opendata
from ckanext.nakano.model import InventoryItem

from . import files
from .conftest import PASSWORD, item_fields

SECRET_MEMO = "係長確認待ち"
HIDDEN_TITLE = "庁舎の警備計画"


def sign_in(app, user):
    form = app.get("/user/login").body
    token = re.search(r'name="_csrf_token" content="([^"]+)"', form).group(1)
    answer = app.post("/user/login", data={"login": user["name"], "password": PASSWORD, "_csrf_token": token},
                      follow_redirects=False)
    assert answer.status_code == 302


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" content="([^"]+)"', page).group(1)


@pytest.fixture()
def register(ward):
    """KK-001 … KK-006 of the clerk's file (KK-005 not listed), one item with a memo."""
    helpers.call_action("nakano_inventory_import", context={"user": ward.kikaku_editor["name"]},
                        upload=files.cp932_csv(), department="kikaku")
    helpers.call_action("nakano_inventory_item_create", context={"user": ward.kikaku_editor["name"]},
                        department="kikaku", **item_fields(local_id="KK-100"))
    return ward


def test_residents_see_the_register_without_internal_fields(app, register):
    page = app.get("/inventory").body
    assert "区有施設一覧" in page and "公開予定" in page and "2038-04" in page
    assert "審議・検討等" in page   # the reason, in plain Japanese
    assert SECRET_MEMO not in page and HIDDEN_TITLE not in page and "係内のみ" not in page
    english = app.get("/en/inventory").body
    assert "Planned" in english and "Data inventory" in english and SECRET_MEMO not in english
    found = app.get("/inventory", query_string={"q": "しせつ"}).body
    assert "施設予約の利用実績" not in found or "区有施設一覧" in found
    filtered = app.get("/inventory", query_string={"status": "closed"}).body
    assert "住民基本台帳" in filtered and "区有施設一覧" not in filtered
    item = helpers.call_action("nakano_inventory_item_show", id="KK-100", department="kikaku")
    item_page = app.get(f"/inventory/item/{item['id']}").body
    assert "区有施設台帳" in item_page and SECRET_MEMO not in item_page
    hidden = helpers.call_action("nakano_inventory_item_list", context={"user": register.kikaku_editor["name"]},
                                 q="警備")["results"][0]
    assert app.get(f"/inventory/item/{hidden['id']}", status=404)
    assert app.get("/inventory/department/kikaku", status=403)


def test_department_members_see_memos_and_history(app, register):
    sign_in(app, register.kikaku_member)
    item = helpers.call_action("nakano_inventory_item_show", id="KK-100", department="kikaku")
    page = app.get(f"/inventory/item/{item['id']}").body
    assert SECRET_MEMO in page and "kikaku_editor" in page
    dashboard = app.get("/inventory/department/kikaku").body
    assert HIDDEN_TITLE in dashboard and 'name="upload"' not in dashboard   # members do not import
    assert app.get("/inventory/department/kikaku/export.csv").status_code == 200


def test_members_find_their_register_from_the_department_page(app, register):
    assert "/inventory/department/kikaku" not in app.get("/organization/kikaku").body
    sign_in(app, register.kikaku_member)
    assert "/inventory/department/kikaku" in app.get("/organization/kikaku").body


def test_outsiders_get_no_dashboard_and_no_export(app, register):
    sign_in(app, register.kenko_editor)
    assert app.get("/inventory/department/kikaku", status=403)
    assert app.get("/inventory/department/kikaku/export.xlsx", status=403)
    item = helpers.call_action("nakano_inventory_item_show", id="KK-100", department="kikaku")
    assert app.get(f"/inventory/item/{item['id']}/edit", status=403)


def test_clerk_imports_through_the_form_and_fixes_an_overdue_item(app, ward):
    sign_in(app, ward.kikaku_editor)
    page = app.get("/inventory/department/kikaku").body
    dry = app.post("/inventory/department/kikaku", data={
        "_csrf_token": csrf(page), "dry_run": "1", "upload": (io.BytesIO(files.xlsx()), "台帳.xlsx")}).body
    assert "6 new" in dry or "新規 6" in dry or "6件" in dry
    done = app.post("/inventory/department/kikaku", data={
        "_csrf_token": csrf(page), "upload": (io.BytesIO(files.xlsx()), "台帳.xlsx")}).body
    assert "区有施設一覧" in done
    # An item planned for a month that has passed is overdue on the dashboard.
    item = helpers.call_action("nakano_inventory_item_show", id="KK-001", department="kikaku")
    row = model.Session.get(InventoryItem, item["id"])
    row.data = {**row.data, "planned_month": "2024-04"}
    model.Session.commit()
    dashboard = app.get("/inventory/department/kikaku").body
    assert re.search(r'data-figure="overdue">\s*1<', dashboard)
    form = app.get(f"/inventory/item/{item['id']}/edit").body
    values = {"_csrf_token": csrf(form), "local_id": "KK-001", "title": "区有施設一覧", "status": "planned",
              "planned_month": "2024-04", "listed": "yes"}
    # Saving it as it is works (the month is not new); another month that has passed does not.
    assert "区有施設一覧" in app.post(f"/inventory/item/{item['id']}/edit", data=values).body
    values["planned_month"] = "2025-01"
    again = app.post(f"/inventory/item/{item['id']}/edit", data=values).body
    assert "has already passed" in again or "過ぎて" in again   # the form comes back with the reason
    values["planned_month"] = "2039-01"
    app.post(f"/inventory/item/{item['id']}/edit", data=values)
    dashboard = app.get("/inventory/department/kikaku").body
    assert re.search(r'data-figure="overdue">\s*0<', dashboard)


def test_an_unregistered_dataset_gets_its_item_in_one_step(app, ward):
    dataset = helpers.call_action("package_create", context={"user": ward.kikaku_editor["name"]},
                                  owner_org=ward.kikaku["id"], name="aed-list", title="AED設置箇所一覧",
                                  notes="AED", category="社会保障・衛生", license_id="cc-by")
    sign_in(app, ward.kikaku_editor)
    dashboard = app.get("/inventory/department/kikaku").body
    assert "AED設置箇所一覧" in dashboard and "dataset=aed-list" in dashboard
    form = app.get("/inventory/department/kikaku/new", query_string={"dataset": "aed-list"}).body
    assert 'value="AED設置箇所一覧"' in form
    app.post("/inventory/department/kikaku/new", data={
        "_csrf_token": csrf(form), "dataset": "aed-list", "local_id": "KK-200", "title": "AED設置箇所一覧",
        "status": "open_data", "listed": "yes"})
    linked = helpers.call_action("package_show", id=dataset["id"])
    item = helpers.call_action("nakano_inventory_item_show", id="KK-200", department="kikaku")
    assert linked["inventory_item"] == item["id"] and item["status"] == "open_data"
    # The dataset page names its item, linked to the item's page.
    assert f'href="/inventory/item/{item["id"]}"' in app.get("/dataset/aed-list").body
    assert "aed-list" not in app.get("/inventory/department/kikaku").body.split("unregistered-heading")[-1][:50]


def test_open_data_file_has_public_fields_of_listed_items_only(app, register):
    published = opendata.publish()
    assert published["name"] == "data-inventory"
    content = opendata.files()
    text = content["inventory.csv"].decode("utf-8-sig")
    records = json.loads(content["inventory.json"])["items"]
    for body in (text, json.dumps(records, ensure_ascii=False)):
        assert "区有施設一覧" in body and SECRET_MEMO not in body and HIDDEN_TITLE not in body
        assert "係内のみ" not in body and "システム更新後に出力" not in body
    assert text.splitlines()[0].startswith("管理番号,データ名")
    assert len(records) == 6 and all("internal_memo" not in r for r in records)
    # Published again without change: no new upload.
    again = opendata.publish()
    assert [r["last_modified"] for r in again["resources"]] == [r["last_modified"] for r in published["resources"]]


def test_metrics_leaderboard_shows_the_register(app, register):
    page = app.get("/metrics").body
    assert "nakano-table-departments" in page
    site = helpers.call_action("nakano_metrics_site")
    kikaku = next(d for d in site["departments"] if d["name"] == "kikaku")
    # listed: 6 (KK-005 is not listed): open data 0, closed 1 (KK-002) → 0 of 5
    assert kikaku["inventory_open_rate"] == 0 and kikaku["inventory_items"] == 6
