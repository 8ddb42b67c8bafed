"""Folder sources: real municipal files from a share become datasets stored in CKAN;
unchanged files do nothing, changed ones update, removed ones are flagged, bad ones
leave the last good version."""
from __future__ import annotations

import os
import shutil

import pytest

from ckan.tests import helpers

from ckanext.nakano.messages import readable   # errors are stored coded; said in the site's language
from ckanext.nakano.harvest.sources import SourceError
from ckanext.nakano.model import HarvestFile, Validation

from .conftest import activity_count, harvested, run, stored_bytes

pytestmark = pytest.mark.usefixtures("with_plugins")

AED_META = """\
title: AED設置箇所一覧
title_en: AED locations
notes: 区内のAED設置箇所（焼津市の実データを試験に使用）
category: 社会保障・衛生
frequency: 毎月
contact: 健康福祉部保健企画課
tags: [AED, 救命]
"""


@pytest.fixture()
def real_files(share, shared_dir):
    csv_dir = shared_dir / "data" / "municipal-csv"
    shutil.copy(csv_dir / "yaizu-222127" / "222127_aed.csv", share / "aed.csv")
    shutil.copy(csv_dir / "yaizu-222127" / "222127_kyuugosho-64302.csv", share / "kyuugosho.csv")  # CP932
    (share / "sub").mkdir()
    shutil.copy(csv_dir / "takamatsu-372013" / "0099.xlsx", share / "sub" / "takamatsu.xlsx")
    (share / "aed.yaml").write_text(AED_META, encoding="utf-8")
    return share


def by_title(datasets):
    return {d["title"]: d for d in datasets}


def test_first_run_publishes_every_file_with_stored_data(declare, real_files):
    source = declare(type="folder", url=real_files.as_uri(), defaults={"license_id": "cc-by"})
    result = run(source)
    assert result.counts == {"added": 3}, result.errors
    datasets = by_title(harvested(source))
    assert set(datasets) == {"AED設置箇所一覧", "kyuugosho", "takamatsu"}

    aed = datasets["AED設置箇所一覧"]
    assert aed["organization"]["name"] == "kikaku"
    assert aed["title_en"] == "AED locations"
    assert aed["frequency"].endswith("/MONTHLY") and aed["frequency_note"] == "毎月"
    assert aed["standard_dataset"] == "aed"                      # recognised from the title
    assert {"AED", "救命"} <= {t["name"] for t in aed["tags"]}
    assert aed["contact"][0]["name"] == "健康福祉部保健企画課"
    resource = aed["resources"][0]
    assert resource["url_type"] == "upload"                      # stored, not linked
    assert stored_bytes(resource) == (real_files / "aed.csv").read_bytes()
    assert Validation.get(resource["id"]).status in ("valid", "invalid")

    # CP932 in, UTF-8 CSV published; the report says what it was.
    kyu = datasets["kyuugosho"]["resources"][0]
    text = stored_bytes(kyu).decode("utf-8")
    assert text.splitlines()[0] == (real_files / "kyuugosho.csv").read_bytes().decode("cp932").splitlines()[0]
    assert kyu["encoding"] == "utf-8"
    assert Validation.get(kyu["id"]).report["encoding"] == "cp932"

    # XLSX: the first sheet as CSV plus the workbook itself.
    xlsx = datasets["takamatsu"]
    assert sorted(r["format"] for r in xlsx["resources"]) == ["CSV", "XLSX"]
    csv_resource = next(r for r in xlsx["resources"] if r["format"] == "CSV")
    assert stored_bytes(csv_resource).decode("utf-8").count("\n") > 10


def test_a_sidecar_names_the_register_item_the_file_publishes(declare, real_files):
    """A harvested dataset linked to its item makes the item 公開済 (docs/inventory.md)."""
    source = declare(type="folder", url=real_files.as_uri())
    item = helpers.call_action("nakano_inventory_item_create", department="kikaku", local_id="KK-AED",
                               title="AED設置箇所", status="planned", planned_month="2099-01")
    (real_files / "aed.yaml").write_text(AED_META + "inventory_item: KK-AED\n", encoding="utf-8")
    assert run(source).counts == {"added": 3}
    aed = by_title(harvested(source))["AED設置箇所一覧"]
    assert aed["inventory_item"] == item["id"]
    shown = helpers.call_action("nakano_inventory_item_show", id=item["id"])
    assert shown["status"] == "open_data" and shown["datasets"][0]["id"] == aed["id"]


def test_unchanged_rerun_touches_nothing_and_a_changed_file_updates(declare, real_files):
    source = declare(type="folder", url=real_files.as_uri())
    run(source)
    before = {d["id"]: (d["metadata_modified"], activity_count(d["id"])) for d in harvested(source)}

    again = run(source)
    assert again.counts == {"not modified": 3}
    assert {d["id"]: (d["metadata_modified"], activity_count(d["id"])) for d in harvested(source)} == before

    with (real_files / "aed.csv").open("a", encoding="utf-8") as out:
        out.write("2221270000,999,焼津市,試験用AED,,,,,,,,,,,,,\n")
    changed = run(source)
    assert changed.counts == {"updated": 1, "not modified": 2}, changed.errors
    aed = by_title(harvested(source))["AED設置箇所一覧"]
    assert stored_bytes(aed["resources"][0]).endswith("試験用AED,,,,,,,,,,,,,\n".encode())
    assert activity_count(aed["id"]) > before[aed["id"]][1]


def test_sidecar_change_alone_is_a_change(declare, real_files):
    source = declare(type="folder", url=real_files.as_uri())
    run(source)
    (real_files / "aed.yaml").write_text(AED_META.replace("title: AED設置箇所一覧", "title: AED設置場所"),
                                         encoding="utf-8")
    assert run(source).counts == {"updated": 1, "not modified": 2}
    assert "AED設置場所" in by_title(harvested(source))


def test_removed_file_is_flagged_and_its_dataset_kept(declare, real_files, app):
    source = declare(type="folder", url=real_files.as_uri())
    run(source)
    (real_files / "kyuugosho.csv").unlink()
    result = run(source)
    assert result.counts == {"not modified": 2}
    kept = by_title(harvested(source))["kyuugosho"]
    assert kept["state"] == "active"
    item = HarvestFile.get(helpers.call_action("harvest_source_show", id=source)["id"], "kyuugosho.csv")
    assert item.state == "missing" and item.missing_since is not None
    report = helpers.call_action("nakano_harvest_report", department="kikaku")
    entry = next(s for s in report[0]["sources"] if s["name"] == source)
    assert [m["guid"] for m in entry["missing"]] == ["kyuugosho.csv"]
    from ckan.tests import factories

    sysadmin = factories.SysadminWithToken()
    page = app.get(f"/dataset/{kept['name']}", headers={"Authorization": sysadmin["token"]})
    assert "収集元にありません" in page.body and "kyuugosho.csv" in page.body
    assert "収集元にありません" not in app.get(f"/dataset/{kept['name']}").body   # residents are not bothered

    shutil.copy(real_files / "aed.csv", real_files / "kyuugosho.csv")   # back (other content)
    run(source)
    assert HarvestFile.get(item.source_id, "kyuugosho.csv").state == "present"


def test_broken_file_is_an_error_and_the_last_good_version_stays(declare, real_files):
    source = declare(type="folder", url=real_files.as_uri())
    run(source)
    good = by_title(harvested(source))["kyuugosho"]["resources"][0]
    good_bytes = stored_bytes(good)

    (real_files / "kyuugosho.csv").write_bytes(b"\x00\x01\x02 not a table \x00" * 50)
    (real_files / "sub" / "takamatsu.xlsx").write_bytes(b"PK\x03\x04 broken zip")
    result = run(source)
    assert result.status == "Finished"
    assert result.counts == {"errored": 2, "not modified": 1}
    assert any("kyuugosho.csv" in e and "前回公開した版" in readable(e) and "last good version" in readable(e, "en")
               for e in result.errors)
    assert stored_bytes(helpers.call_action("resource_show", id=good["id"])) == good_bytes


def test_symlink_out_of_the_share_is_refused(declare, real_files, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n", encoding="utf-8")
    os.symlink(secret, real_files / "escape.csv")
    source = declare(type="folder", url=real_files.as_uri())
    result = run(source)
    assert result.counts == {}
    assert any("収集元の外" in e for e in map(readable, result.errors))
    assert harvested(source) == []


def test_a_folder_outside_the_allowed_roots_is_refused_at_sync(declare, tmp_path):
    with pytest.raises(SourceError, match="folder_roots"):
        declare(type="folder", url=tmp_path.as_uri())


def test_sync_after_a_run_changes_nothing(declare, real_files, tmp_path):
    from ckanext.nakano.harvest.sources import sync

    from .conftest import admin_context

    source = declare(type="folder", url=real_files.as_uri())
    run(source)
    report = sync(tmp_path / "declared", admin_context())
    assert report.unchanged == [source] and not report.updated


def test_zip_bomb_and_undecodable_files_are_refused(declare, share):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    (share / "bomb.xlsx").write_bytes(buffer.getvalue())
    (share / "latin.csv").write_bytes("名称,住所\n".encode("euc_jp") + bytes(range(0x80, 0x100)) * 4)
    source = declare(type="folder", url=share.as_uri())
    result = run(source)
    assert result.counts == {"errored": 2}
    assert any("bomb.xlsx" in e and "展開後のサイズ" in e for e in map(readable, result.errors))
    assert any("latin.csv" in e and "文字コードを判定できません" in e for e in map(readable, result.errors))
    assert harvested(source) == []


def test_a_lost_record_does_not_make_a_second_dataset(declare, real_files):
    """The database went away after a dataset was created and before its harvest
    record was written (seen in the fault suite): the next run finds the dataset by
    its source and file, and updates it instead of publishing the file twice."""
    from ckan import model

    source = declare(type="folder", url=real_files.as_uri(), defaults={"license_id": "cc-by"})
    assert run(source).counts == {"added": 3}
    first = {d["title"]: d["id"] for d in harvested(source)}
    source_id = helpers.call_action("harvest_source_show", id=source)["id"]
    model.Session.query(HarvestFile).filter_by(source_id=source_id).delete()
    model.Session.commit()

    again = run(source)
    assert again.counts.get("added", 0) == 0 and again.counts.get("updated") == 3, again.counts
    assert {d["title"]: d["id"] for d in harvested(source)} == first
    titles = [p.title for p in model.Session.query(model.Package).filter_by(type="dataset", state="active")]
    assert sorted(titles) == sorted(first)
