"""Abuse guards of reuses and data requests: hourly limits per account and per
visitor kept in Redis without addresses or account ids, the honeypot, the
office's word list (folded as search folds), and the moderation reasons."""
from __future__ import annotations

import logging

import pytest
from werkzeug.datastructures import MultiDict

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.nakano.submissions import abuse

CLIENT = "203.0.113.7"
OTHER_CLIENT = "198.51.100.23"
USER = "3f2a9c1e-5b7d-4e0f-9a1b-c2d3e4f5a6b7"


def _clear() -> None:
    redis = connect_to_redis()
    for key in redis.scan_iter(abuse.PREFIX + "*"):
        redis.delete(key)


@pytest.fixture()
def counters():
    _clear()
    yield
    _clear()


@pytest.fixture()
def limits(monkeypatch, counters):
    """Sets the hourly limits: limits(account=…, visitor=…)."""
    def set_limits(account: int = 100, visitor: int = 100) -> None:
        monkeypatch.setitem(tk.config, abuse.PER_ACCOUNT, str(account))
        monkeypatch.setitem(tk.config, abuse.PER_VISITOR, str(visitor))
    return set_limits


@pytest.fixture()
def words(monkeypatch):
    """Sets the office's word list (the runtime-editable option)."""
    def set_words(value: str) -> None:
        monkeypatch.setitem(tk.config, abuse.BLOCKED_WORDS, value)
    set_words("")
    return set_words


def _environ(client: str, **headers: str) -> dict[str, str]:
    return {"REMOTE_ADDR": client, "HTTP_USER_AGENT": "Mozilla/5.0", **headers}


# Rate limits

def test_account_limit(limits):
    limits(account=3)
    for _ in range(3):
        abuse.check_rate("reuse", USER, None)
    with pytest.raises(abuse.TooMany) as refused:
        abuse.check_rate("reuse", USER, None)
    assert 0 < refused.value.retry_after <= abuse.WINDOW_SECONDS
    # Another account, and another kind of the same account, have their own counts.
    abuse.check_rate("reuse", "another-user", None)
    abuse.check_rate("request", USER, None)


def test_refused_attempts_do_not_push_the_window_back(limits):
    limits(account=1)
    abuse.check_rate("request", USER, None)
    for _ in range(3):
        with pytest.raises(abuse.TooMany) as refused:
            abuse.check_rate("request", USER, None)
    assert refused.value.retry_after <= abuse.WINDOW_SECONDS


def test_visitor_limit_across_accounts_of_one_client(limits):
    limits(account=100, visitor=3)
    abuse.check_rate("request", "user-a", _environ(CLIENT))
    abuse.check_rate("request", "user-a", _environ(CLIENT))
    abuse.check_rate("request", "user-b", _environ(CLIENT))
    with pytest.raises(abuse.TooMany) as refused:
        abuse.check_rate("request", "user-b", _environ(CLIENT))
    assert refused.value.retry_after > 0
    # user-b from elsewhere is not that visitor.
    abuse.check_rate("request", "user-b", _environ(OTHER_CLIENT))


def test_clients_are_counted_apart(limits):
    limits(visitor=2)
    for client in (CLIENT, OTHER_CLIENT):
        abuse.check_rate("confirmation-mail", None, _environ(client))
        abuse.check_rate("confirmation-mail", None, _environ(client))
    with pytest.raises(abuse.TooMany):
        abuse.check_rate("confirmation-mail", None, _environ(CLIENT))


def test_client_behind_the_proxy_is_the_forwarded_address(limits):
    limits(visitor=1)
    proxied = {"REMOTE_ADDR": "127.0.0.1"}   # nginx, a trusted proxy by default
    abuse.check_rate("reuse", None, {**proxied, "HTTP_X_FORWARDED_FOR": CLIENT})
    abuse.check_rate("reuse", None, {**proxied, "HTTP_X_FORWARDED_FOR": OTHER_CLIENT})
    with pytest.raises(abuse.TooMany):
        abuse.check_rate("reuse", None, {**proxied, "HTTP_X_FORWARDED_FOR": CLIENT})


def test_redis_keeps_no_address_and_no_account_id(limits):
    limits()
    abuse.check_rate("reuse", USER, _environ(CLIENT))
    abuse.check_rate("request", USER, _environ(OTHER_CLIENT))
    redis = connect_to_redis()
    keys = list(redis.scan_iter(abuse.PREFIX + "*"))
    assert len(keys) == 4   # account and visitor, per kind
    stored = [key.decode() for key in keys] + [redis.get(key).decode() for key in keys]
    for secret in (CLIENT, OTHER_CLIENT, USER):
        assert not [text for text in stored if secret in text]
    assert all(0 < redis.ttl(key) <= abuse.WINDOW_SECONDS for key in keys)


def test_nothing_to_count_is_allowed(limits):
    limits(account=0, visitor=0)
    abuse.check_rate("reuse", None, None)
    abuse.check_rate("reuse", None, {})


def test_unknown_kind_is_a_mistake(counters):
    with pytest.raises(ValueError):
        abuse.check_rate("comment", USER, None)


def test_redis_away_allows_and_warns(limits, monkeypatch, caplog):
    limits(account=0, visitor=0)

    def away():
        raise ConnectionError("Redis is away")
    monkeypatch.setattr(abuse, "connect_to_redis", away)
    # The handler on the module's logger itself, and the logger enabled: loading CKAN's logging
    # configuration after the module was imported disables its logger (disable_existing_loggers).
    monkeypatch.setattr(abuse.log, "disabled", False)
    abuse.log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger=abuse.__name__):
            abuse.check_rate("reuse", USER, _environ(CLIENT))
    finally:
        abuse.log.removeHandler(caplog.handler)
    assert "Redis" in caplog.text


# Honeypot

@pytest.mark.parametrize("form, bot", [
    ({}, False),
    ({abuse.HONEYPOT_FIELD: ""}, False),
    ({abuse.HONEYPOT_FIELD: "   "}, False),
    ({"title": "公園の利用者数", abuse.HONEYPOT_FIELD: "http://spam.example"}, True),
    (MultiDict([("title", "x"), (abuse.HONEYPOT_FIELD, "x")]), True),
])
def test_honeypot(form, bot):
    assert abuse.is_bot(form) is bot


# Word list

def test_file_words_folded_width_kana_and_case(words):
    assert abuse.flagged_words("オンラインかじのの案内") == ["カジノ"]          # hiragana for katakana
    assert abuse.flagged_words("ｶｼﾞﾉで遊ぼう") == ["カジノ"]                   # half-width katakana
    assert abuse.flagged_words("Cheap ＶＩＡＧＲＡ here") == ["viagra"]      # full-width, upper case
    assert abuse.flagged_words("best PAYDAY\n  loan") == ["payday loan"]  # a phrase across a line break


def test_config_words_folded_both_ways(words):
    words("ＳＰＡＭ\nかじの  せんでん")
    assert abuse.flagged_words("This is spam") == ["ＳＰＡＭ"]
    assert abuse.flagged_words("広告ｾﾝﾃﾞﾝ") == ["せんでん"]
    # かじの folds as the file's カジノ: listed once, as the file has it.
    assert abuse.flagged_words("カジノ") == ["カジノ"]


def test_config_and_file_words_together_each_once(words):
    words("spam")
    found = abuse.flagged_words("Spam spam", "カジノ and spam", "")
    assert sorted(found) == sorted(["カジノ", "spam"])


def test_config_words_change_at_runtime(words):
    assert abuse.flagged_words("迷惑な宣伝") == []
    words("宣伝")
    assert abuse.flagged_words("迷惑な宣伝") == ["宣伝"]
    words("")
    assert abuse.flagged_words("迷惑な宣伝") == []


def test_latin_words_match_whole_words_only(words):
    words("sex")
    assert abuse.flagged_words("Population of Essex") == []
    assert abuse.flagged_words("sex shop", "x") == ["sex"]
    assert abuse.flagged_words("性別(sex)別の人口") == ["sex"]


def test_clean_text_and_comments_of_the_file(words):
    assert all(not word.startswith("#") for word in abuse._file_words())
    assert abuse.flagged_words("中野区の公園の利用者数を年度別に公開してほしい",
                               "Words that hold a reuse or a data request for moderation") == []


# Moderation

@pytest.mark.parametrize("earlier, texts, account, reason", [
    (0, ["公園の利用者数"], True, abuse.FIRST_OF_ACCOUNT),
    (1, ["公園の利用者数"], True, None),
    (5, ["公園", "カジノの案内"], True, abuse.FLAGGED_WORDS),
    (0, ["ＶＩＡＧＲＡ"], True, abuse.FLAGGED_WORDS),
    (0, ["公園の利用者数"], False, abuse.WITHOUT_ACCOUNT),     # not "the first of its account": it has none
    (0, ["カジノの案内"], False, abuse.FLAGGED_WORDS),
])
def test_needs_moderation(words, earlier, texts, account, reason):
    assert abuse.needs_moderation(earlier, texts, account=account) == reason
