"""Departmental-system exports (JSON, CP932 CSV) mapped onto a standard Table Schema."""
from __future__ import annotations

import csv
import io
import json

import pytest

from ckanext.nakano.messages import readable   # errors are stored coded; said in the site's language
from ckanext.nakano.model import Validation

from .conftest import harvested, run, stored_bytes

pytestmark = pytest.mark.usefixtures("with_plugins")

# How a facility system might name things, mapped to the standard columns.
FIELDS = {"名称": "facility_name", "名称_カナ": "kana", "所在地_連結表記": "address", "設置位置": "place",
          "緯度": "lat", "経度": "lon", "車椅子使用者用トイレ有無": "wheelchair"}
SOURCE_OF = {v: k for k, v in FIELDS.items()}


@pytest.fixture()
def export_rows(shared_dir):
    """The real public toilet list of 焼津市, re-keyed as a system export."""
    path = shared_dir / "data" / "municipal-csv" / "yaizu-222127" / "222127_public_toilet.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    return [{system: row[standard] for system, standard in SOURCE_OF.items()} | {"internal_id": i}
            for i, row in enumerate(rows)]


def system_config(**extra):
    return {"standard": "public_toilet", "fields": FIELDS, "constants": {"地方公共団体名": "中野区"},
            "dataset": {"title": "公衆トイレ一覧", "notes": "施設管理システムから毎日出力"}} | extra


def test_json_export_becomes_the_standard_csv(declare, share, http_share, export_rows):
    base, _ = http_share
    (share / "toilets.json").write_text(json.dumps({"data": {"items": export_rows}}, ensure_ascii=False),
                                        encoding="utf-8")
    source = declare(type="system", url=base + "toilets.json", allow_private=True,
                     system=system_config(records="data.items"))
    result = run(source)
    assert result.counts == {"added": 1}, result.errors
    [dataset] = harvested(source)
    assert dataset["title"] == "公衆トイレ一覧" and dataset["standard_dataset"] == "public_toilet"
    resource = dataset["resources"][0]
    table = list(csv.reader(io.StringIO(stored_bytes(resource).decode("utf-8"))))
    assert table[0][:4] == ["全国地方公共団体コード", "ID", "地方公共団体名", "名称"]
    assert len(table) == len(export_rows) + 1
    first = dict(zip(table[0], table[1]))
    assert first["名称"] == export_rows[0]["facility_name"] and first["地方公共団体名"] == "中野区"
    assert first["緯度"] == export_rows[0]["lat"]
    assert Validation.get(resource["id"]).report["standard"] == "public_toilet"
    assert run(source).counts == {"not modified": 1}


def test_cp932_csv_export_and_a_missing_field(declare, share, http_share, export_rows):
    base, _ = http_share
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(export_rows[0]))
    writer.writeheader()
    writer.writerows(export_rows)
    (share / "toilets.csv").write_bytes(out.getvalue().encode("cp932"))
    source = declare(type="system", url=base + "toilets.csv", allow_private=True, system=system_config())
    assert run(source).counts == {"added": 1}
    [dataset] = harvested(source)
    assert "ふるさとの川瀬戸川便益施設" in stored_bytes(dataset["resources"][0]).decode("utf-8")

    broken = system_config()
    broken["fields"] = FIELDS | {"電話番号": "phone"}
    other = declare(type="system", url=base + "toilets.csv", allow_private=True, system=broken)
    result = run(other)
    assert result.counts == {"errored": 1}
    assert any("phone" in e and "ありません" in e for e in map(readable, result.errors))
