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
                          category="その他", license_id="cc-by")


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


@pytest.fixture()
def everyday_catalog(clean_db, clean_index, with_plugins):
    """Datasets named as the ward names them, to be found with the words people type."""
    org = factories.Organization()
    for title, notes, extra in [
        ("公共施設一覧（公園等）", "区立公園の所在地", {}),
        ("区民講座の講演記録", "講演の日程", {}),
        ("震災時の避難所一覧", "区立小中学校など", {}),
        ("救護所一覧", "災害時に医療を受けられる場所", {}),
        ("町丁別世帯数及び人口", "住民基本台帳による", {}),
        ("AED設置箇所一覧", "区の施設に置いた機器", {}),
        ("一時保育実施保育園一覧", "一時保育を行う保育園",
         # Another catalog's id, as harvested datasets carry it: Kuromoji used
         # to split "aed9" into "aed" / "9", and 「AED」 found this list.
         {"source_system": "東京都オープンデータカタログ 2aa7cdda-b7d7-4fa8-aed9-666b6339d8af"}),
        ("江古田の森公園の樹木", "江古田三丁目", {}),
        ("公衆トイレ一覧", "区内の公衆トイレ", {}),
        ("公衆無線LANアクセスポイント一覧", "Nakano Free Wi-Fi", {}),
        ("オープンデータ一覧", "区が公開しているデータの一覧", {}),
    ]:
        factories.Dataset(title=title, notes=notes, owner_org=org["id"],
                          category="その他", license_id="cc-by", **extra)


@pytest.mark.usefixtures("everyday_catalog")
@pytest.mark.parametrize("query,expected", [
    ("こうえん", "公共施設一覧（公園等）"),
    ("コウエン", "公共施設一覧（公園等）"),
    ("ｺｳｴﾝ", "公共施設一覧（公園等）"),
    ("ひなんじょ", "震災時の避難所一覧"),
    ("きゅうごじょ", "救護所一覧"),
    ("ちょうちょうべつ", "町丁別世帯数及び人口"),
    ("えごた", "江古田の森公園の樹木"),
])
def test_words_typed_in_kana_find_the_kanji_word(query, expected):
    assert expected in titles(query)


@pytest.mark.usefixtures("everyday_catalog")
def test_readings_widen_kana_queries_only():
    # こうえん is also 講演: the reading finds both, but 公園 typed in kanji
    # finds no homophone.
    assert "区民講座の講演記録" not in titles("公園")
    assert set(titles("こうえん")) >= {"公共施設一覧（公園等）", "区民講座の講演記録"}


@pytest.mark.usefixtures("everyday_catalog")
def test_reading_matches_rank_below_the_word_itself():
    org = helpers.call_action("organization_list")[0]
    factories.Dataset(title="コウエン通信", notes="区の広報", owner_org=org,
                      category="その他", license_id="cc-by")
    found = titles("コウエン")
    assert found[0] == "コウエン通信"
    assert "公共施設一覧（公園等）" in found[1:]


@pytest.mark.usefixtures("everyday_catalog")
@pytest.mark.parametrize("query,expected", [
    ("避難場所", "震災時の避難所一覧"),       # the search box's own example
    ("避難施設", "震災時の避難所一覧"),
    ("町丁目", "町丁別世帯数及び人口"),
    ("自動体外式除細動器", "AED設置箇所一覧"),
    ("えーいーでぃー", "AED設置箇所一覧"),      # letters typed as they sound
    ("エーイーディー", "AED設置箇所一覧"),
    ("お手洗い", "公衆トイレ一覧"),
    ("WiFi", "公衆無線LANアクセスポイント一覧"),
    ("無線LAN", "公衆無線LANアクセスポイント一覧"),
    ("データカタログ", "オープンデータ一覧"),
])
def test_synonyms_find_what_people_mean(query, expected):
    assert expected in titles(query)


@pytest.mark.usefixtures("everyday_catalog")
def test_identifiers_inside_fields_are_not_words():
    assert titles("AED") == ["AED設置箇所一覧"]


@pytest.mark.usefixtures("everyday_catalog")
@pytest.mark.parametrize("query,unwanted", [
    ("病院", "救護所一覧"),            # 医療 in its notes is not 病院
    ("保育", "AED設置箇所一覧"),
    ("ひなんじょ", "救護所一覧"),
])
def test_forgiving_search_adds_no_false_matches(query, unwanted):
    assert unwanted not in titles(query)


def test_every_synonym_rule_parses_as_equivalents_or_one_way():
    """synonyms.txt is data a person reviews: each rule is well-formed and no word
    appears in two equivalence lines (which would silently chain them)."""
    from pathlib import Path

    conf = Path(__file__).resolve().parents[4] / "solr" / "conf" / "synonyms.txt"
    seen: dict[str, int] = {}
    for number, line in enumerate(conf.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        left = line.split("=>")[0] if "=>" in line else line
        words = [w.strip() for w in left.split(",")]
        assert all(words), f"synonyms.txt:{number}: empty word"
        if "=>" in line:
            continue
        for word in words:
            assert word not in seen, f"synonyms.txt:{number}: {word} also in line {seen[word]}"
            seen[word] = number


@pytest.mark.usefixtures("catalog")
def test_an_identifier_holding_the_letters_of_a_word_is_not_found_by_it():
    """The demo's 保育園 dataset came with its Tokyo id 2aa7cdda-…-aed9-… as source_identifier and
    inside source_system (extras, searched text): 「AED」 found it. Identifiers are not searched text;
    the database still finds a dataset by its former id."""
    org = factories.Organization()
    former = "2aa7cdda-b7d7-4fa8-aed9-666b6339d8af"
    factories.Dataset(title="一時保育実施保育園一覧", notes="保育園", owner_org=org["id"], category="その他",
                      license_id="cc-by", source_identifier=former, source_system=f"東京都オープンデータカタログ {former}")
    assert titles("AED") == ["ＡＥＤ設置箇所一覧"]
    assert titles("保育園") == ["一時保育実施保育園一覧"]
    assert titles("東京都オープンデータカタログ") == ["一時保育実施保育園一覧"]   # the rest of the extra stays searched
