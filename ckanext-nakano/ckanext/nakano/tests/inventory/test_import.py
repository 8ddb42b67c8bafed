"""Import and export of register files: CP932 CSV and XLSX as clerks keep them, every bad
input reported by row and column with nothing written, export → import unchanged, the
multipart API and the CLI."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories, helpers

from ckanext.nakano.inventory import export, files as register_files, from_dataset, store

from . import files

JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]")


def run_import(user, content, **data):
    return helpers.call_action("nakano_inventory_import", context={"user": user["name"], "ignore_auth": False},
                               upload=content, **data)


def items(user=None):
    return helpers.call_action("nakano_inventory_item_list", context={"user": user["name"] if user else ""},
                               limit=1000)["results"]


@pytest.mark.parametrize("make", [files.cp932_csv, files.xlsx])
def test_a_clerks_file_is_read_and_import_is_idempotent(ward, make):
    dry = run_import(ward.kikaku_editor, make(), department="kikaku", dry_run=True)
    assert dry["errors"] == [] and len(dry["created"]) == 6 and not dry["written"]
    assert items(ward.kikaku_editor) == []
    done = run_import(ward.kikaku_editor, make(), department="kikaku")
    assert done["written"] and sorted(done["created"]) == ["KK-001", "KK-002", "KK-003", "KK-004", "KK-005", "KK-006"]
    got = {i["local_id"]: i for i in items(ward.kikaku_editor)}
    assert got["KK-001"]["planned_month"] == "2038-04" and got["KK-001"]["standard_dataset"] == "public_facility"
    assert got["KK-001"]["frequency"].endswith("/ANNUAL") and got["KK-001"]["frequency_note"] == "年1回"
    assert got["KK-002"]["withheld_columns"] == ["氏名", "住所"] and got["KK-002"]["personal_info"] == "contains"
    assert got["KK-003"]["status"] == "published_other" and got["KK-003"]["holding_form"] == "paper"
    assert got["KK-004"]["closed_reason"] == "other" and got["KK-005"]["listed"] == "no"
    assert got["KK-006"]["planned_month"] == "2038-04" and got["KK-006"]["personal_info"] == "none"
    assert got["KK-005"]["internal_memo"] == "係内のみ"
    again = run_import(ward.kikaku_editor, make(), department="kikaku")
    assert again["created"] == [] and again["updated"] == [] and again["unchanged"] == 6
    changed = [row[:] for row in files.ROWS]
    changed[1][3] = "住民の記録（改訂）"
    third = run_import(ward.kikaku_editor, make(changed), department="kikaku")
    assert third["updated"] == [{"local_id": "KK-002", "row": 4, "fields": ["description"]}]
    assert third["unchanged"] == 5


def bad_rows():
    rows = [row[:] for row in files.ROWS[:2]]
    rows.append(["KK-010", "不明な状況", "", "", "", "", "", "", "", "", "公開するかも", "", "", "", "", "", "", ""])
    rows.append(["KK-011", "理由なし", "", "", "", "", "", "", "", "", "非公開", "", "", "", "", "", "", ""])
    rows.append(["KK-012", "過去の予定", "", "", "", "", "", "", "", "", "公開予定", "", "", "2020年4月", "", "", "", ""])
    rows.append(["KK-001", "重複", "", "", "", "", "", "", "", "", "検討中", "審議・検討等", "", "", "", "", "", ""])
    rows.append(["KK-013", "日付でない", "", "", "", "", "", "", "", "", "公開予定", "", "", "来年度", "", "", "", ""])
    return rows


@pytest.mark.parametrize("make", [files.cp932_csv, files.xlsx])
def test_a_file_with_bad_rows_writes_nothing_and_names_each_problem(ward, make):
    run_import(ward.kikaku_editor, make(files.ROWS[1:2]), department="kikaku")
    before = items(ward.kikaku_editor)
    result = run_import(ward.kikaku_editor, make(bad_rows()), department="kikaku")
    assert not result["written"] and items(ward.kikaku_editor) == before
    found = {(e["row"], e["column"]) for e in result["errors"]}
    # the explanation is row 1 and the header row 2: data starts on row 3
    assert found == {(5, "公開状況"), (6, "非公開理由"), (7, "公開予定時期"), (8, "管理番号"), (9, "公開予定時期")}
    for error in result["errors"]:
        assert JAPANESE.search(error["message_ja"]) and not JAPANESE.search(error["message_en"].split("“")[0])
        assert "{" not in error["message_ja"] + error["message_en"]
    duplicate = next(e for e in result["errors"] if e["row"] == 8)
    assert "3" in duplicate["message_en"]   # names the row it repeats


def test_unknown_or_other_department_and_missing_column(ward):
    header = files.HEADER + ["所管部"]
    rows = [files.ROWS[0] + ["企画部"], files.ROWS[1] + ["土木部"], files.ROWS[2] + ["健康福祉部"]]
    result = run_import(ward.kikaku_editor, files.cp932_csv(rows, header), department="kikaku")
    assert {(e["row"], e["column"]) for e in result["errors"]} == {(4, "所管部"), (5, "所管部")}
    # without --department, a department the editor does not edit is refused by row
    result = run_import(ward.kikaku_editor, files.cp932_csv(rows, header))
    assert {e["row"] for e in result["errors"]} == {4, 5}
    no_status = [h if h != "公開状況" else "備考欄" for h in files.HEADER]
    result = run_import(ward.kikaku_editor, files.cp932_csv(None, no_status), department="kikaku")
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "公開状況")]
    assert items(ward.kikaku_editor) == []


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02PK", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
                                     b"PK\x03\x04not really a zip", "名前,値\nあ,1\n".encode("utf-8"),
                                     "\ufeff管理番号,データ名,公開状況\n".encode("utf-8")])
def test_files_that_are_not_registers_get_a_reason(ward, content):
    result = run_import(ward.kikaku_editor, content, department="kikaku")
    assert result["errors"] and not result["written"] and result["errors"][0]["message_ja"]


def test_export_then_import_changes_nothing(ward):
    run_import(ward.kikaku_editor, files.xlsx(), department="kikaku")
    shown = {i["local_id"]: i for i in items(ward.kikaku_editor)}
    reader = store.Reader(helpers.model.User.get(ward.kikaku_editor["name"]))
    for kind in ("csv", "xlsx"):
        content = export.register_file(kind, reader, [ward.kikaku["id"]])
        table = register_files.read(content)
        assert table.header_row == 1 and "internal_memo" in table.columns
        result = run_import(ward.kikaku_editor, content, department="kikaku")
        assert result["errors"] == [] and result["created"] == [] and result["updated"] == []
        assert result["unchanged"] == 6
    after = {i["local_id"]: i for i in items(ward.kikaku_editor)}
    assert {k: {f: v for f, v in i.items() if f != "modified"} for k, i in after.items()} == \
        {k: {f: v for f, v in i.items() if f != "modified"} for k, i in shown.items()}


def test_formula_like_cells_round_trip_as_text(ward):
    rows = [files.ROWS[0][:]]
    rows[0][3] = "=HYPERLINK(\"http://evil.example\")"
    run_import(ward.kikaku_editor, files.cp932_csv(rows), department="kikaku")
    content = export.register_file("csv", store.Reader(None, ignore_auth=True), [ward.kikaku["id"]])
    assert "'=HYPERLINK" in content.decode("utf-8-sig")
    assert run_import(ward.kikaku_editor, content, department="kikaku")["unchanged"] == 1


def test_multipart_upload_through_the_api(app, ward):
    token = factories.APIToken(user=ward.kikaku_editor["name"])["token"]
    response = app.post("/api/3/action/nakano_inventory_import", headers={"Authorization": token},
                        data={"department": "kikaku", "dry_run": "false",
                              "upload": (io.BytesIO(files.cp932_csv()), "台帳.csv")})
    assert response.status_code == 200, response.body
    assert len(response.json["result"]["created"]) == 6
    other = factories.APIToken(user=ward.kenko_editor["name"])["token"]
    refused = app.post("/api/3/action/nakano_inventory_import", headers={"Authorization": other},
                       data={"department": "kikaku", "upload": (io.BytesIO(files.cp932_csv()), "台帳.csv")})
    assert refused.status_code == 403


def test_cli_import_and_export(cli, ward, tmp_path):
    path = tmp_path / "台帳.csv"
    path.write_bytes(files.cp932_csv())
    dry = cli.invoke(ckan_command, ["nakano", "inventory", "import", str(path), "--department", "kikaku",
                                    "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "6 new" in dry.output and items(ward.sysadmin) == []
    done = cli.invoke(ckan_command, ["nakano", "inventory", "import", str(path), "--department", "kikaku"])
    assert done.exit_code == 0 and len(items(ward.sysadmin)) == 6
    out = tmp_path / "out.xlsx"
    exported = cli.invoke(ckan_command, ["nakano", "inventory", "export", str(out), "--department", "kikaku"])
    assert exported.exit_code == 0 and register_files.read(out.read_bytes()).rows[0][1]["local_id"] == "KK-001"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(files.cp932_csv(bad_rows()))
    failed = cli.invoke(ckan_command, ["nakano", "inventory", "import", str(bad), "--department", "kikaku"])
    assert failed.exit_code != 0 and "row 5, 公開状況" in failed.output


def test_a_file_over_the_row_limit_is_refused_not_cut(ward, monkeypatch):
    monkeypatch.setattr(register_files, "MAX_ROWS", 5)
    result = run_import(ward.kikaku_editor, files.xlsx(), department="kikaku")
    assert not result["written"] and "5" in result["errors"][0]["message_en"]
    assert items(ward.kikaku_editor) == []
    # blank rows do not count: five rows of data with blank ones between them are read
    rows = [r for row in files.ROWS[:5] for r in (row, [""] * len(row))]
    assert run_import(ward.kikaku_editor, files.cp932_csv(rows), department="kikaku")["created"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(ward):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (50 * 1024 * 1024) + b"</a>")
    result = run_import(ward.kikaku_editor, out.getvalue(), department="kikaku")
    assert result["errors"] and result["errors"][0]["message_en"].startswith("The file cannot be read")


def test_every_problem_of_a_row_is_reported_at_once(ward):
    """A wrong 所管部 and an empty データ名 on one row: both reported (the clerk's walk of issue 19)."""
    header = files.HEADER + ["所管部"]
    row = files.ROWS[0][:]
    row[1] = ""
    result = run_import(ward.kikaku_editor, files.cp932_csv([row + ["土木部"]], header))
    assert {(e["row"], e["column"]) for e in result["errors"]} == {(3, "所管部"), (3, "データ名称")}
    bad_month = files.ROWS[0][:]
    bad_month[13] = "R9.13"
    said = run_import(ward.kikaku_editor, files.cp932_csv([bad_month]), department="kikaku")["errors"][0]
    assert "R9.13" in said["message_ja"]   # as the clerk wrote it


def test_the_next_management_number_follows_the_departments_own():
    assert from_dataset.next_local_id(["KF-009", "KF-010", "メモ"]) == "KF-011"
    assert from_dataset.next_local_id(["A7", "B12"]) == "B13"
    assert from_dataset.next_local_id([]) == ""
