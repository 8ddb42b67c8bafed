"""CSV injection: formula-like cells are escaped in the 「Excel用CSV」, the
original file stays byte for byte, and the validation report warns."""
from __future__ import annotations

import csv
import io

import pytest

from ckan.tests import factories, helpers

from ckanext.nakano.spreadsheet_safety import excel_safe, is_formula_like
from ckanext.nakano.validation.runner import validate_file

CELLS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
         "\t=1+1", "\r=1+1", "-5", "+3.5", "1,234", "公園", "", "=", "-"]


def test_what_is_escaped():
    assert [excel_safe(c) for c in CELLS] == [
        "'=HYPERLINK(\"http://evil.example\",\"click\")", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(1+1)",
        "'\t=1+1", "'\r=1+1", "-5", "+3.5", "1,234", "公園", "", "'=", "'-"]
    assert excel_safe(12) == 12 and excel_safe(None) is None


def test_the_validation_report_warns_and_the_file_stays_valid(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("名称,備考\n公園,=HYPERLINK(\"http://evil.example\")\n広場,-5\n", encoding="utf-8")
    report = validate_file(source, filename="data.csv", out_dir=tmp_path)
    found = [i for i in report.issues if i.code == "formula-like"]
    assert len(found) == 1 and found[0].row == 2 and found[0].column == 2 and found[0].severity == "warning"
    assert "CSVインジェクション" in found[0].message_ja and "formula" in found[0].message_en
    assert report.status == "valid"


@pytest.fixture()
def table(clean_db, create_with_upload):
    user = factories.Sysadmin()
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    original = ("名称,備考\r\n" + "".join(f"行{n},\"{c}\"\r\n" for n, c in enumerate(CELLS))).encode("utf-8")
    resource = create_with_upload(original, "cells.csv", context={"user": user["name"]}, package_id=pkg["id"],
                                  format="CSV")
    # The DataStore table as xloader makes it (its loader strips the leading tab: "\t=1+1" → "=1+1").
    helpers.call_action("datastore_create", context={"user": user["name"]}, resource_id=resource["id"], force=True,
                        fields=[{"id": "名称", "type": "text"}, {"id": "備考", "type": "text"}],
                        records=[{"名称": f"行{n}", "備考": c.strip()} for n, c in enumerate(CELLS)])
    return pkg, resource, original


def test_the_excel_csv_escapes_formulas_and_the_original_is_untouched(app, table):
    pkg, resource, original = table
    answer = app.get(f"/dataset/{pkg['name']}/resource/{resource['id']}/excel.csv")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"].startswith("attachment")
    body = answer.data
    assert body.startswith("\ufeff".encode("utf-8")) and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "備考"]
    shown = {r[0]: r[1] for r in rows[1:]}
    assert shown["行0"].startswith("'=HYPERLINK") and shown["行1"].startswith("'+cmd")
    assert shown["行4"] == "'=1+1"          # the tab xloader stripped: escaped all the same
    assert shown["行6"] == "-5" and shown["行7"] == "+3.5" and shown["行9"] == "公園"
    assert not [v for v in shown.values() if is_formula_like(v)]
    # The original: as uploaded.
    assert app.get(f"/dataset/{pkg['name']}/resource/{resource['id']}/download/cells.csv").data == original
    # The resource page offers this download as the Excel CSV.
    page = app.get(f"/dataset/{pkg['name']}/resource/{resource['id']}").body
    assert f"/dataset/{pkg['name']}/resource/{resource['id']}/excel.csv" in page
