import pytest

from ckanext.nakano.frequency import frequency_uri

EU = "http://publications.europa.eu/resource/authority/frequency/"


@pytest.mark.parametrize("text,code", [
    ("1年に1回", "ANNUAL"),
    ("１年に１回", "ANNUAL"),          # full-width digits, as in the real catalog
    ("1年に2回程度", "ANNUAL_2"),
    ("1ヶ月に1回", "MONTHLY"),
    ("5年に1回", "QUINQUENNIAL"),
    ("変更時", "IRREG"),
    ("変更時（調査を1年に1回実施）", "IRREG"),
    ("必要に応じて", "IRREG"),
    ("随時", "IRREG"),
    ("アクセスポイントの追加時", "IRREG"),
    ("", "UNKNOWN"),
    (None, "UNKNOWN"),
    ("隔年の秋", "OTHER"),
])
def test_free_text_maps_to_eu_vocabulary(text, code):
    assert frequency_uri(text) == EU + code


def test_every_frequency_text_of_the_real_catalog_is_mapped():
    import json
    from pathlib import Path

    catalog = Path(__file__).resolve().parents[1] / "demo" / "catalog"
    texts = {
        e["value"]
        for p in catalog.glob("*.json")
        for e in json.loads(p.read_text(encoding="utf-8"))["result"]["extras"]
        if e["key"] == "更新頻度"
    }
    assert len(texts) > 5
    assert all(not frequency_uri(t).endswith("/OTHER") for t in texts)
