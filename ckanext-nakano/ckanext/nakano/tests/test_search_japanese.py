"""Japanese full-text search through CKAN's package_search on the real Solr."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

def titles(q: str) -> list[str]:
    return [d["title"] for d in helpers.call_action("package_search", q=q, rows=50)["results"]]


@pytest.fixture()
def catalog(clean_db, clean_index, with_plugins):
    """A small catalog; the fixtures it names run first (a mark order would not)."""
    org = factories.Organization()
    for title, notes in [
        ("中野区指定緊急避難場所一覧", "災害時に区民が避難する場所の一覧です。"),
        ("公衆トイレ一覧", "区内の公衆トイレの所在地と設備"),
        ("ＡＥＤ設置箇所一覧", "自動体外式除細動器を設置している施設"),
        ("区立図書館のコンピューター利用案内", "利用できる端末の台数"),
        ("Nakano ward parks", "Opening hours of the parks in the ward"),
        ("自転車駐車場一覧", "自転車を止められる場所と台数"),
        ("東京都中野区の人口", "住民基本台帳による人口"),
        ("京都市との交流事業", "姉妹都市交流の記録"),
    ]:
        factories.Dataset(title=title, notes=notes, owner_org=org["id"],
                          category="その他", license_id="CC-BY-4.0")


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query", ["避難場所", "指定緊急避難場所", "中野区", "緊急"])
def test_compound_title_found_by_its_parts(query):
    assert "中野区指定緊急避難場所一覧" in titles(query)


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query", ["トイレ", "公衆トイレ", "所在地"])
def test_notes_found_by_words(query):
    assert titles(query) == ["公衆トイレ一覧"]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query", ["AED", "ａｅｄ", "aed", "ＡＥＤ設置"])
def test_full_and_half_width_latin_are_the_same(query):
    assert titles(query) == ["ＡＥＤ設置箇所一覧"]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query", ["コンピュータ", "コンピューター", "ｺﾝﾋﾟｭｰﾀ"])
def test_katakana_long_vowel_and_width_are_folded(query):
    assert titles(query) == ["区立図書館のコンピューター利用案内"]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query", ["parks", "park", "Nakano parks", "opening hours"])
def test_english_keeps_working(query):
    assert titles(query) == ["Nakano ward parks"]


@pytest.mark.usefixtures("catalog")
def test_substring_found_by_bigrams_ranked_below_word_match():
    # 「京都」 is a word of 京都市… but only a substring of 東京都 (東京 / 都).
    assert titles("京都") == ["京都市との交流事業", "東京都中野区の人口"]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query,unwanted", [
    ("避難場所", "自転車駐車場一覧"),      # shares 場所 only
    ("トイレ", "ＡＥＤ設置箇所一覧"),
    ("中野区 トイレ", "中野区指定緊急避難場所一覧"),  # both words are required
])
def test_partial_matches_are_not_results(query, unwanted):
    assert unwanted not in titles(query)


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("query", ["図書室", "ごみ収集", "hospital"])
def test_unrelated_queries_find_nothing(query):
    assert titles(query) == []


@pytest.mark.usefixtures("catalog")
def test_explicit_query_fields_are_respected():
    # A caller's own qf wins over the portal's default.
    result = helpers.call_action("package_search", q="京都", qf="title", rows=50)
    assert [d["title"] for d in result["results"]] == ["京都市との交流事業"]
