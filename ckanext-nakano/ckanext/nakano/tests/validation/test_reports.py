"""Validation reports for people: grouped, named mistakes, honest truncation, one language per page.

The files are real municipal files (data/, see data/SOURCE.txt); the variants of them
(header removed, title rows added) are made here from those bytes.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ckan.tests import factories, helpers

from ckanext.nakano.model import Validation
from ckanext.nakano.validation import runner
from ckanext.nakano.validation.report import MAX_ISSUES, Report
from ckanext.nakano.validation.runner import validate_file
from ckanext.nakano.validation.summary import upgraded, view

DATA = Path(__file__).resolve().parent / "data"
PARK = DATA / "oyama-092088_park.csv"                 # 緯度 and 経度 swapped in every row
PRESCHOOL = DATA / "222127_preschool.csv"             # U+2015 in a header; (054)624-3668 phones
EVACUATION = DATA / "222127_evacuation_space.csv"     # 2016 order: NO first, 市区町村コード 11th
HOSPITAL = DATA / "takamatsu-372013_hospital_data.csv"  # English keys, "#property" first
PREAMBLE = DATA / "takamatsu-372013_0002.csv"         # 9 "#" rows, keys in "#property", no header
PHONE = re.compile(r"^[0-9]+(-[0-9]+)*$")             # the Table Schemas' telephone pattern


def run(path: Path, tmp_path: Path, **kw) -> Report:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return validate_file(path, filename=kw.pop("filename", path.name), out_dir=out, **kw)


def groups(report: Report) -> dict[str, list]:
    found: dict[str, list] = {}
    for group in report.groups:
        found.setdefault(group.code, []).append(group)
    return found


def lines(report: Report, lang: str = "ja") -> list[str]:
    return [g["text"] for g in view({"status": report.status, "report": report.as_dict()}, lang)["groups"]]


def test_swapped_coordinates_are_one_problem_not_hundreds_of_range_errors(tmp_path):
    report = run(PARK, tmp_path, standard="public_facility")
    swapped = groups(report)["lat-lon-swapped"]
    assert len(swapped) == 1 and swapped[0].count == 345    # every row with both values
    assert not {"cell-coordinate", "cell-range", "schema-error"} & set(groups(report))
    text = lines(report)[0]
    assert text.startswith("緯度と経度が入れ替わっています：345 行（例: 2 行目 \"139.78604, 36.28414\"）")
    shown = view({"status": report.status, "report": report.as_dict()}, "ja")
    assert shown["headline"].startswith("1件の問題") and "20〜46" in shown["groups"][0]["fix"]
    english = view({"status": report.status, "report": report.as_dict()}, "en")
    assert english["groups"][0]["text"].startswith("Latitude and longitude are swapped in 345 rows")


def test_coordinates_in_range_are_not_taken_for_swapped(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("名称,所在地_連結表記,緯度,経度\n中野区役所,東京都中野区中野四丁目11番19号,35.7075,139.6638\n"
                    "北海道のどこか,北海道,45.5,141.9\n", encoding="utf-8")
    assert "lat-lon-swapped" not in groups(run(path, tmp_path, standard="public_facility"))


def test_repeats_are_grouped_per_column_with_an_example_and_a_fix(tmp_path):
    report = run(PRESCHOOL, tmp_path, standard="preschool")
    phone = next(g for g in report.groups if g.code == "cell-pattern-phone" and g.column_name == "電話番号")
    with PRESCHOOL.open(encoding="utf-8", newline="") as stream:
        wrong = [r["電話番号"] for r in csv.DictReader(stream) if r["電話番号"] and not PHONE.match(r["電話番号"])]
    assert phone.count == len(wrong) > 50 and len(phone.examples) == 3
    text = next(t for t in lines(report) if t.startswith("電話番号:"))
    assert text == f'電話番号: {len(wrong)} 行が形式に合いません（例: 2 行目 "(054)624-3668"）。'
    assert "03-3389-1111" in view({"status": report.status, "report": report.as_dict()}, "ja")["groups"][0]["fix"]
    # No frictionless wording left for a clerk, in either language.
    for lang in ("ja", "en"):
        page = " ".join(lines(report, lang))
        assert "constraint" not in page and "[" not in page and "pattern" not in page


def test_lookalike_header_character_is_named(tmp_path):
    report = run(PRESCHOOL, tmp_path, standard="preschool")
    lookalike = groups(report)["header-lookalike"]
    assert len(lookalike) == 1 and lookalike[0].column == 1
    said = next(i for i in report.issues if i.code == "header-lookalike").message_ja   # the values, said in Japanese
    assert "U+2015" in said and "「ー」とは別の文字" in said
    unknown = [i.params["name"] for i in report.issues if i.code == "unknown-column"]
    assert "都道府県コ―ド又は市区町村コ―ド" not in unknown     # no longer "not in the standard"


def test_full_width_letters_in_a_header_are_named(tmp_path):
    header = PARK.read_text(encoding="utf-8").splitlines()
    header[0] = header[0].replace(",ID,", ",ＩＤ,")
    path = tmp_path / "park-fullwidth-id.csv"
    path.write_text("\r\n".join(header) + "\r\n", encoding="utf-8")
    report = run(path, tmp_path, standard="public_facility")
    lookalike = groups(report)["header-lookalike"][0]
    said = next(i for i in report.issues if i.code == "header-lookalike").message_ja
    assert lookalike.params["canonical"] == "ID" and "U+FF29" in said


def test_columns_in_another_order_than_the_standards(tmp_path):
    # Takamatsu's hospital file, its English keys read as the standard's names: 所在地_連結表記 before 名称.
    report = run(HOSPITAL, tmp_path, standard="hospital")
    order = groups(report)["column-order"]
    assert len(order) == 1 and order[0].params["name"] == "所在地_連結表記" and order[0].params["position"] == 4
    assert order[0].params["order"].startswith("名称、所在地_連結表記、緯度、経度")
    # Yaizu's 2016 evacuation file puts NO first and 市区町村コード 11th, which is the order of the
    # published header our evacuation_space schema follows: no false alarm.
    assert "column-order" not in groups(run(EVACUATION, tmp_path, standard="evacuation_space"))


def test_english_key_header_is_named_not_taken_for_a_title(tmp_path):
    report = run(HOSPITAL, tmp_path, standard="hospital")
    assert "no-header" not in groups(report)
    english = groups(report)["english-header"][0]
    said = next(i for i in report.issues if i.code == "english-header").message_ja
    assert english.count == 1 and "latitude → 緯度" in said
    assert "telephone\u3000number → 電話番号" in said   # U+3000 inside the key
    assert report.rows == 628    # the rest of the file is still checked against the standard
    assert groups(report)["unit-in-number"][0].examples[0] == {"row": 38, "value": "19（休床中）"}


def test_description_rows_before_the_keys_row(tmp_path):
    report = run(PREAMBLE, tmp_path)
    found = groups(report)
    assert found["metadata-rows"][0].params["first"] == 1 and found["metadata-rows"][0].params["last"] == 9
    assert found["english-header"][0].params["row"] == 7
    with PREAMBLE.open(encoding="utf-8-sig", newline="") as stream:
        records = sum(1 for _ in csv.reader(stream))
    assert "no-header" not in found and report.rows == records - 9
    assert report.recognised == [{"suffix": "aed", "layout": "current"}]


def test_header_less_file(tmp_path):
    rows = PARK.read_bytes().split(b"\r\n", 1)[1]
    path = tmp_path / "park-no-header.csv"
    path.write_bytes(rows)
    report = run(path, tmp_path, standard="public_facility")
    missing = groups(report)["header-missing"]
    assert missing and missing[0].params["row"] == 1 and "092088" in missing[0].params["sample"]
    assert "no-header" not in groups(report)


def test_title_rows_above_the_header_and_note_rows_below(tmp_path):
    body = PARK.read_bytes()
    columns = body.split(b"\r\n", 1)[0].count(b",")
    path = tmp_path / "park-with-title.csv"
    path.write_bytes("小山市 公園一覧".encode() + b"," * columns + b"\r\n"
                     + "令和6年4月1日現在".encode() + b"," * columns + b"\r\n"
                     + body + "※ 座標は世界測地系".encode() + b"," * columns + b"\r\n")
    report = run(path, tmp_path, standard="public_facility")
    found = groups(report)
    title = found["title-rows"][0]
    assert (title.params["first"], title.params["last"], title.params["header_row"]) == (1, 2, 3)
    assert title.params["sample"] == "小山市 公園一覧"
    assert found["lat-lon-swapped"][0].examples[0]["row"] == 4   # rows keep their number in the file
    note = found["note-row"][0]
    assert note.examples == [{"row": 2 + 350 + 1, "value": "※ 座標は世界測地系"}]   # 2 title rows, 350 lines


def test_truncation_is_stated(tmp_path, monkeypatch):
    # The limit is lowered so that a small real file reaches it; the count of the rest is kept.
    monkeypatch.setattr(runner, "FRICTIONLESS_LIMIT", 50)
    report = run(PRESCHOOL, tmp_path, standard="preschool")
    stopped = groups(report)["checks-stopped"][0]
    assert stopped.params["limit"] == 50 and 2 < stopped.params["row"] < 60
    assert report.issues_truncated
    text = next(t for t in lines(report) if "打ち切りました" in t)
    assert f"{stopped.params['row']} 行目までのもの" in text


def test_listed_issues_are_bounded_but_every_issue_is_counted(tmp_path):
    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("名称,所在地_連結表記,緯度,経度\n")
        for i in range(MAX_ISSUES + 200):
            out.write(f"施設{i},中野区,35.7度,139.66\n")
    report = run(path, tmp_path, standard="public_facility")
    unit = groups(report)["unit-in-number"][0]
    assert unit.count == MAX_ISSUES + 200 and report.issues_total >= unit.count
    assert report.issues_truncated and len([i for i in report.issues if i.code == "unit-in-number"]) == 20
    shown = view({"status": report.status, "report": report.as_dict()}, "ja")
    assert shown["truncated"] == f"一覧は全 {report.issues_total} 件のうち {len(report.issues)} 件です（上のまとめは全件を数えています）。"


OLD_REPORT = {   # as version 1 stored it: frictionless's English notes, cut at 300, "not truncated"
    "status": "invalid", "encoding": "utf-8", "declared_encoding": None, "file_format": "csv",
    "standard": "public_facility", "recognised": [], "rows": 349, "issues_truncated": False, "copies": {},
    "issues": [{"code": "schema-error", "severity": "error", "row": 2 + n // 2, "column": 9 + n % 2,
                "column_name": "緯度" if n % 2 == 0 else "経度",
                "message_ja": '[constraint-error] 緯度: constraint "maximum" is "46"',
                "message_en": '[constraint-error] 緯度: constraint "maximum" is "46"'} for n in range(300)],
}


def test_old_stored_reports_still_render_in_the_readers_words():
    shown = view({"status": "invalid", "report": OLD_REPORT}, "ja")
    assert shown["headline"] == "2件の問題（注意 1 件）"
    assert shown["groups"][0]["text"] == "緯度: 150 行の値が標準に合いません（2 行目、3 行目、4 行目）。"
    assert "constraint" not in " ".join(g["text"] + g["fix"] for g in shown["groups"])
    assert any("打ち切りました" in g["text"] for g in shown["groups"])   # the silent cut is now said
    assert upgraded(OLD_REPORT)["issues_total"] == 300
    ragged = {"code": "ragged-row", "severity": "error", "row": 4, "column": None, "column_name": None,
              "message_ja": "列の数が見出しと異なります（3 列、見出しは 5 列）。",
              "message_en": "The row has 3 cells; the header has 5."}
    old = view({"status": "invalid", "report": {"issues": [ragged, dict(ragged, row=7)]}}, "ja")["groups"][0]
    assert old["text"] == "列の数が見出しと異なります（3 列、見出しは 5 列）。（2 件。例: 4 行目、7 行目）"
    assert old["fix"].startswith("セルの中のコンマ")
    assert view({"status": "valid", "report": {"issues": [], "rows": 3}}, "ja")["headline"] == "機械判読に問題なし"
    assert view({"status": "pending", "report": None}, "en")["headline"] == "Validation pending"


@pytest.fixture()
def validated(clean_db, clean_queues, tmp_path):
    """A dataset whose CSV resource carries the real report of the Oyama park file."""
    org = factories.Organization()
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    pkg = helpers.call_action("package_create", context={"user": editor["name"]}, owner_org=org["id"],
                              title="公園一覧", notes="公園", category="国土・気象", license_id="cc-by",
                              standard_dataset="public_facility")
    resource = helpers.call_action("resource_create", context={"user": editor["name"]}, package_id=pkg["id"],
                                   url="https://example.jp/park.csv", format="CSV", name="公園一覧")
    report = run(PARK, tmp_path, standard="public_facility")
    Validation.set(resource["id"], report.status, report.as_dict())
    return pkg, resource, editor


def test_resource_page_summary_for_visitors_full_report_for_editors(validated, app):
    pkg, resource, editor = validated
    url = f"/dataset/{pkg['name']}/resource/{resource['id']}"
    visitor = app.get(url).body
    assert '<details class="nakano-validation-details">' in visitor          # closed: one line
    assert "1件の問題（注意 1 件）" in visitor and "緯度と経度が入れ替わっています：345 行" in visitor
    assert "直し方" not in visitor and "行ごとの一覧" not in visitor
    own = app.get(url, headers={"Authorization": editor["token"]}).body
    assert '<details class="nakano-validation-details" open>' in own
    assert "直し方" in own and "行ごとの一覧" in own and "139.78604" in own
    english = app.get(f"/en{url}").body
    assert "1 problem (1 note)" in english and "緯度と経度が入れ替わっています" not in english


def test_api_gives_groups_also_for_reports_stored_before_them(validated):
    _, resource, _ = validated
    Validation.set(resource["id"], "invalid", OLD_REPORT)
    report = helpers.call_action("nakano_validation_show", id=resource["id"])["report"]
    assert report["groups"][0]["count"] == 150 and report["issues_truncated"] is True
