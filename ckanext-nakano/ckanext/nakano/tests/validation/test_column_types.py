"""Columns of plain numbers, proposed by the validator for typing in the DataStore."""
from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.nakano.validation.column_types import NumberColumns, loader_name
from ckanext.nakano.validation.runner import validate_file

SHARED = Path(__file__).resolve().parents[6] / "shared" / "data" / "municipal-csv"


def found(header: list[str], rows: list[list[str]], excluded: set[int] = frozenset()) -> list[str]:
    columns = NumberColumns(header, excluded)
    for row in rows:
        columns.see(row)
    return columns.found()


@pytest.mark.parametrize("values,number", [
    (["35.6938", "-12", "0", "0.5", ""], True),
    (["1200", "450"], True),
    (["0123", "45"], False),          # a code: the zero would be lost
    (["１２０", "45"], False),         # full-width digits: the report names them; kept as text
    (["1,200", "45"], False),         # thousands separator
    (["+5"], False), (["1e3"], False), (["1."], False), ([".5"], False), (["-"], False),
    (["", " "], False),               # nothing to type
])
def test_only_values_numeric_writes_back_unchanged(values, number):
    assert found(["人数"], [[v] for v in values]) == (["人数"] if number else [])


def test_codes_readings_duplicates_and_strings_of_the_standard_stay_text():
    header = ["都道府県コード", "NO", "地区番号", "電話番号", "名称_カナ", "人数", "人数", "緯度", " 経度 "]
    row = ["131148", "1", "3", "5", "1", "10", "10", "35.7", "139.6"]
    assert found(header, [row]) == ["緯度", "経度"]
    assert found(["緯度", "経度"], [["35.7", "139.6"]], excluded={1}) == ["緯度"]
    assert loader_name("\ufeff" + "x" * 70) == "x" * 63      # as xloader names the column


def test_short_rows_and_late_text_end_a_column():
    assert found(["a", "b"], [["1"], ["2", "3"], ["x", "4"]]) == ["b"]


def test_real_file_proposes_its_coordinates(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    report = validate_file(SHARED / "yaizu-222127" / "222127_kyuugosho-64302.csv",
                           filename="救護所一覧.csv", out_dir=out)
    assert report.number_columns == ["緯度", "経度"]        # NO and the codes stay text
    assert report.as_dict()["number_columns"] == ["緯度", "経度"]


def test_standard_file_keeps_its_string_columns_as_text(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    report = validate_file(SHARED / "yaizu-222127" / "222127_fire_hydrant.csv", filename="fire_hydrant.csv",
                           out_dir=out, standard="fire_hydrant")
    assert {"緯度", "経度"} <= set(report.number_columns)
    assert not {"全国地方公共団体コード", "ID", "町字ID", "所在地_全国地方公共団体コード"} & set(report.number_columns)
