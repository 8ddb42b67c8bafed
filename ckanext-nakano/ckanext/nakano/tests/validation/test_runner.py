"""validate_file on real municipal files and on the bad inputs people upload."""
from __future__ import annotations

import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from ckanext.nakano.validation.checkdigit import check_digit, is_valid
from ckanext.nakano.validation.runner import Limits, validate_file

SHARED = Path(__file__).resolve().parents[6] / "shared" / "data" / "municipal-csv"
TOILET_HEADER = "全国地方公共団体コード,ID,地方公共団体名,名称,所在地_連結表記,設置位置,緯度,経度,利用開始時間\r\n"


def run(path: Path, tmp_path: Path, **kw):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return validate_file(path, filename=kw.pop("filename", path.name), out_dir=out, **kw)


def codes(report) -> Counter:
    return Counter(i.code for i in report.issues)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("code,ok", [("131148", True), ("092088", True), ("222127", True),
                                     ("372013", True), ("131147", False), ("92088", False)])
def test_check_digit(code, ok):
    assert is_valid(code) is ok
    assert check_digit("13114") == 8


def test_real_standard_file_is_valid(tmp_path):
    report = run(SHARED / "yaizu-222127" / "222127_fire_hydrant.csv", tmp_path, standard="fire_hydrant")
    assert (report.status, report.encoding, report.rows) == ("valid", "utf-8", 193)


def test_cp932_file_claiming_utf8(tmp_path):
    report = run(SHARED / "yaizu-222127" / "222127_tourism.csv", tmp_path, standard="tourism",
                 declared_encoding="UTF-8")
    assert report.encoding == "cp932"
    assert codes(report)["encoding-mismatch"] == 1
    copy = tmp_path / "out" / report.copies["utf8"]
    text = copy.read_text(encoding="utf-8")  # the normalised copy is real UTF-8
    assert text.startswith("都道府県コード又は市区町村コード,NO,") and "焼津" in text


def test_swapped_coordinates_are_reported_with_row_and_column(tmp_path):
    report = run(SHARED / "oyama-092088" / "park.csv", tmp_path, standard="public_facility")
    assert report.status == "invalid"
    swapped = [i for i in report.issues if i.code == "lat-lon-swapped"]
    assert swapped and swapped[0].row == 2 and "139.78604" in swapped[0].params["value"]


def test_standard_recognised_from_2016_header(tmp_path):
    report = run(SHARED / "yaizu-222127" / "222127_aed.csv", tmp_path)
    assert report.recognised == [{"suffix": "aed", "layout": "2016"}]
    proposal = next(i for i in report.issues if i.code == "standard-proposed")
    assert "AED設置箇所一覧" in proposal.message_ja and "2016" in proposal.message_en


def test_preamble_instead_of_header(tmp_path):
    report = run(SHARED / "takamatsu-372013" / "0002.csv", tmp_path)
    assert report.status == "invalid" and codes(report)["metadata-rows"] == 1
    assert codes(report)["no-header"] == 0


def test_truncated_multibyte(tmp_path):
    data = (TOILET_HEADER + "131148,1,中野区,中野駅北口トイレ,中野区中野四丁目,駅前,35.7,139.66,06:00\r\n").encode()
    report = run(write(tmp_path, "t.csv", data[:-4] + "中".encode()[:2]), tmp_path)
    assert report.status == "error" and codes(report)["truncated"] == 1
    assert "切れています" in report.issues[0].message_ja


def test_ragged_rows_duplicate_headers_totals_units(tmp_path):
    data = (
        "全国地方公共団体コード,名称,名称,緯度,経度\n"
        "131148,中野区役所,a,35.7,139.66\n"
        "131148,中野区役所,b,35.7\n"
        "131147,区民活動センター,c,35.7度,139.66\n"
        "合計,,,,\n"
        "※ 令和6年4月1日現在\n"
    ).encode("utf-8")
    report = run(write(tmp_path, "x.csv", data), tmp_path, standard="public_facility")
    found = codes(report)
    assert found["duplicate-header"] == 1 and found["ragged-row"] >= 1
    assert found["total-row"] == 1 and found["note-row"] == 1
    assert found["unit-in-number"] == 1 and found["check-digit"] == 1
    ragged = next(i for i in report.issues if i.code == "ragged-row")
    assert ragged.row == 3


@pytest.mark.parametrize("name,data,code", [
    ("empty.csv", b"", "empty-file"),
    ("garbage.csv", bytes(range(256)) * 64, "binary-file"),
    ("fake.xlsx", b"this is not a workbook", "not-a-spreadsheet"),
])
def test_bad_files_get_a_clear_report(tmp_path, name, data, code):
    report = run(write(tmp_path, name, data), tmp_path)
    assert report.status == "error"
    assert report.issues[0].code == code
    assert report.issues[0].message_ja and report.issues[0].message_en


def test_zip_bomb_disguised_as_xlsx_is_refused_unopened(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    report = run(write(tmp_path, "bomb.xlsx", buffer.getvalue()), tmp_path,
                 limits=Limits(max_xlsx_uncompressed=50 * 1024 * 1024))
    assert report.status == "error" and report.issues[0].code == "zip-bomb"


def test_xlsx_with_merged_cells_and_several_sheets(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "所在地_連結表記", "緯度", "経度"])
    sheet.append(["中野区役所", "中野区中野四丁目", 35.707, 139.663])
    sheet.merge_cells("A3:B3")
    book.create_sheet("説明")
    path = tmp_path / "stored-upload"  # CKAN keeps uploads without their extension
    book.save(path)
    report = run(path, tmp_path, standard="public_facility", filename="facilities.xlsx")
    found = codes(report)
    assert found["merged-cells"] == 1 and found["several-sheets"] == 1
    assert report.rows == 2


def test_file_too_large_is_refused(tmp_path):
    report = run(write(tmp_path, "big.csv", b"a,b\n" * 1000), tmp_path, limits=Limits(max_bytes=100))
    assert report.status == "error" and report.issues[0].code == "too-large"


def test_utf16_is_read(tmp_path):
    data = ("名称,緯度,経度\r\n中野区役所,35.707,139.663\r\n").encode("utf-16")
    report = run(write(tmp_path, "u16.csv", data), tmp_path, standard="public_facility")
    assert report.encoding == "utf-16" and report.rows == 1
    assert "utf8" in report.copies


def test_2016_layout_gets_a_converted_copy_that_fits_the_current_schema(tmp_path):
    report = run(SHARED / "yaizu-222127" / "222127_aed.csv", tmp_path)
    assert "old-layout" in codes(report)
    converted = tmp_path / "out" / report.copies["current_layout"]
    again = run(converted, tmp_path, standard="aed", filename="131148_aed.csv")
    assert again.status == "valid", [(i.code, i.message_en) for i in again.issues][:5]
    assert again.rows == 82


def test_2016_codes_that_lost_digits_are_converted():
    from ckanext.nakano.validation.legacy import convert_code

    assert convert_code("13114") == "131148"   # 5-digit 標準地域コード without check digit
    assert convert_code("92011") == "092011"   # leading zero lost
    assert convert_code("１３") == "130001"     # prefecture code, full width
    assert convert_code("abc") is None


def test_50_mb_file_is_validated_in_one_streaming_pass(tmp_path):
    header = "全国地方公共団体コード,ID,地方公共団体名,種別,所在地_連結表記,緯度,経度,口径\r\n"
    row = "131148,{i},東京都中野区,消火栓,東京都中野区中野四丁目{n}番,35.707{n:03d},139.663{n:03d},100\r\n"
    path = tmp_path / "131148_fire_hydrant.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        i = 0
        while out.tell() < 50 * 1024 * 1024:
            i += 1
            out.write(row.format(i=i, n=i % 1000))
    report = run(path, tmp_path, standard="fire_hydrant")
    assert report.status == "valid", [(x.code, x.message_en) for x in report.issues][:5]
    assert report.rows == i
