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
    assert found("こうえん") == {"ｺｳｴﾝの遊具"}               # half-width katakana folded as typed kana
    assert found("ベンチ 区内") == {"区内の公園のベンチ"}
    assert found("ベンチ 公話") == set()
