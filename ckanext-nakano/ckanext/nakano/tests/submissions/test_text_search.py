"""Words in the portal's own tables (register, reuses, requests): found inside a Japanese text
through the two-character index (folded_text.py), one-character words and LIKE's own
characters taken literally, and the index actually used by PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers

from ckanext.nakano.folded_text import GRAMS_FUNCTION, contains_words, grams
from ckanext.nakano.model import DataRequest, InventoryItem, Reuse
from ckanext.nakano.tests import migrations
from ckanext.nakano.tests.submissions.conftest import as_user


@pytest.mark.parametrize("word", ["公園", "こうえん", "aed", "100%", "中野五丁目", "a", "🗾の地図"])
def test_the_index_cuts_a_text_as_a_query_word_is_cut(clean_db, word):
    cut = model.Session.execute(sa.text(f"select {GRAMS_FUNCTION}(:t)"), {"t": word}).scalar()
    assert sorted(cut) == grams(word)
    # Pieces across a space are left out of the index: no searched word has a space.
    assert " " not in "".join(model.Session.execute(sa.text(f"select {GRAMS_FUNCTION}('公園 一覧')")).scalar())


@pytest.mark.parametrize("table", [InventoryItem, Reuse, DataRequest])
def test_postgresql_finds_the_words_through_the_index(clean_db, table):
    query = sa.select(table.id).where(*contains_words(table.search_text, "公園 ベンチ"))
    compiled = query.compile(dialect=model.Session.bind.dialect)
    connection = model.Session.connection()
    connection.exec_driver_sql("set local enable_seqscan = off")
    plan = "\n".join(r[0] for r in connection.exec_driver_sql("explain " + str(compiled), compiled.params))
    assert f"{table.__tablename__}_grams" in plan, plan


def _listed(user, title: str) -> dict:
    made = helpers.call_action("nakano_request_create", context=as_user(user), title=title,
                               description="説明", purpose="community", format_wanted="CSV")
    if made["state"] == "pending":
        helpers.call_action("nakano_request_update", context=as_user(None) | {"ignore_auth": True},
                            id=made["id"], state="active")
    return made


def test_words_inside_a_text_one_character_words_and_like_characters(ward):
    for title in ("区内の公園のベンチ", "公 園の話", "進捗100%の一覧", "進捗100の一覧", "ｺｳｴﾝの遊具"):
        _listed(ward.resident, title)

    def found(q: str) -> set[str]:
        return {r["title"] for r in helpers.call_action("nakano_request_list", context=as_user(None), q=q,
                                                        rows=50)["results"]}

    assert found("公園") == {"区内の公園のベンチ"}            # the two characters next to each other only
    assert found("園") == {"区内の公園のベンチ", "公 園の話"}   # one character: no piece, LIKE alone
    assert found("100%") == {"進捗100%の一覧"}                # % is a character, not a wildcard
    # Half-width katakana folded as typed kana, and the kanji's reading (公園 → こうえん).
    assert found("こうえん") == {"ｺｳｴﾝの遊具", "区内の公園のベンチ"}
    assert found("ベンチ 区内") == {"区内の公園のベンチ"}
    assert found("ベンチ 公話") == set()


def test_kanji_are_found_by_their_reading_in_the_register_reuses_and_requests(ward):
    """As in the dataset search, a word typed in hiragana finds its kanji (こうえん → 公園) on
    /inventory, /showcase and /request: their texts keep the reading (folded_text.searchable)."""
    _listed(ward.resident, "区立保育園の待機児童数")
    found = helpers.call_action("nakano_request_list", context=as_user(None), q="ほいくえん", rows=50)["results"]
    assert [r["title"] for r in found] == ["区立保育園の待機児童数"]
    assert helpers.call_action("nakano_request_list", context=as_user(None), q="ほいくしょ", rows=50)["count"] == 0


def test_rows_written_before_the_readings_gain_them_by_the_migration(ward):
    """Migration e1a6c3f8b257: a row whose search_text was folded without readings gains them."""
    made = _listed(ward.resident, "公園のベンチ")
    model.Session.query(DataRequest).filter(DataRequest.id == made["id"]).update({"search_text": "公園のべんち"})
    model.Session.commit()
    assert helpers.call_action("nakano_request_list", context=as_user(None), q="こうえん", rows=50)["count"] == 0
    migrations.upgrade("e1a6c3f8b257_search_readings.py")
    assert model.Session.query(DataRequest.search_text).filter(DataRequest.id == made["id"]).scalar() \
        == "公園のべんち こうえんのべんち"
    assert helpers.call_action("nakano_request_list", context=as_user(None), q="こうえん", rows=50)["count"] == 1
