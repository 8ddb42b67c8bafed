"""What keeps reuses (活用事例) and data requests (データ要望) from being abused,
without a third-party CAPTCHA: hourly limits per account and per visitor, a
honeypot field, a word list the office edits, and moderation of an account's
first submission.

Counters live in Redis under HMAC keys (the site's secret), as the login
throttle's do: neither account ids nor client addresses are stored as such,
as the usage statistics keep no address (docs/privacy.md). The client is the
address behind a trusted proxy (nginx), as for the statistics.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ..folded_text import fold
from ..clients import client_address

log = logging.getLogger(__name__)

__all__ = ["TooMany", "check_rate", "KINDS", "HONEYPOT_FIELD", "is_bot", "flagged_words", "needs_moderation",
           "FIRST_OF_ACCOUNT", "FLAGGED_WORDS"]

PREFIX = "nakano:submissions:"
WINDOW_SECONDS = 3600
KINDS = ("reuse", "request", "confirmation-mail")

PER_ACCOUNT = "ckanext.nakano.submissions.per_account_per_hour"
PER_VISITOR = "ckanext.nakano.submissions.per_visitor_per_hour"
BLOCKED_WORDS = "ckanext.nakano.submissions.blocked_words"
WORDS_FILE = Path(__file__).with_name("blocked_words.txt")

# A form field people never see (hidden with CSS, aria-hidden, tabindex=-1,
# autocomplete=off); form-filling bots fill every field they find.
HONEYPOT_FIELD = "homepage"

# Reasons a submission is held for moderation (needs_moderation).
FIRST_OF_ACCOUNT = "first-of-account"
FLAGGED_WORDS = "flagged-words"
WITHOUT_ACCOUNT = "without-account"

# Latin letters and digits: such a word is matched as a whole word only.
_LATIN_WORD = re.compile(r"[0-9a-z ]+")


class TooMany(Exception):
    """Over an hourly limit; ``retry_after``: seconds until the window allows another submission."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many submissions; retry after {retry_after} s")
        self.retry_after = retry_after


def _key(kind: str, who: str, identity: str) -> str:
    secret = str(tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret") or "nakano").encode()
    digest = hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{PREFIX}{kind}:{who}:{digest}"


def _counters(kind: str, user_id: str | None, environ: dict[str, Any] | None) -> list[tuple[str, int]]:
    """(Redis key, limit) of the counters a submission of ``kind`` adds to."""
    counters = []
    if user_id:
        counters.append((_key(kind, "account", user_id), int(tk.config.get(PER_ACCOUNT, 10))))
    # The address alone, not with the user agent as the statistics' visitor key:
    # a bot changes its user agent at will.
    client = client_address(environ) if environ else ""
    if client:   # no address (not a web request): the account's counter is the only one
        counters.append((_key(kind, "visitor", client), int(tk.config.get(PER_VISITOR, 20))))
    return counters


def check_rate(kind: str, user_id: str | None, environ: dict[str, Any] | None) -> None:
    """Count one submission of ``kind`` for the account and for the visitor
    (the client of ``environ``); raise ``TooMany`` when either is over its
    hourly limit. A refused attempt counts too, but the window runs from the
    first submission, so retrying does not push it back. Redis away: allowed."""
    if kind not in KINDS:
        raise ValueError(f"unknown submission kind: {kind!r}")
    counters = _counters(kind, user_id, environ)
    if not counters:
        return
    try:
        pipe = connect_to_redis().pipeline()
        for key, _limit in counters:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS, nx=True)
            pipe.ttl(key)
        results = pipe.execute()
    except Exception:  # Redis away: better a spam than a citizen turned away; moderation still holds firsts
        log.warning("submission limits unavailable (Redis): %s allowed uncounted", kind, exc_info=True)
        return
    waits = []
    for index, (_key_name, limit) in enumerate(counters):
        count, _expiry_set, ttl = results[3 * index:3 * index + 3]
        if int(count) > limit:
            waits.append(max(int(ttl), 1))
    if waits:
        raise TooMany(max(waits))


def is_bot(form: Mapping[str, Any]) -> bool:
    """True when the honeypot field was filled (a person never sees it)."""
    return bool(str(form.get(HONEYPOT_FIELD) or "").strip())


def _fold(text: str) -> str:
    """The search's folding (width, case, katakana as hiragana), casefolded
    (ß → ss) and with single spaces, so a phrase matches across line breaks."""
    return " ".join(fold(text).casefold().split())


@cache
def _file_words() -> tuple[str, ...]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _config_words() -> str:
    """The office's words as configured; a list if the option is declared as one."""
    value = tk.config.get(BLOCKED_WORDS, "") or ""
    return " ".join(value) if isinstance(value, (list, tuple)) else str(value)


@lru_cache(maxsize=8)
def _patterns(configured: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(word as listed, pattern on folded text) of the file's and the office's
    words; cached per value of the option, which sysadmins change at runtime."""
    patterns: dict[str, tuple[str, re.Pattern[str]]] = {}
    for word in (*_file_words(), *configured.split()):
        folded = _fold(word)
        if not folded or folded in patterns:
            continue
        body = re.escape(folded)
        if _LATIN_WORD.fullmatch(folded):   # "sex" is not a word of "Essex"
            body = rf"(?<![0-9a-z]){body}(?![0-9a-z])"
        patterns[folded] = (word, re.compile(body))
    return tuple(patterns.values())


def flagged_words(*texts: str) -> list[str]:
    """Words of the office's list (the option and the shipped file) found in
    the texts, as listed, each once; width, case and katakana/hiragana do not matter."""
    folded = "\n".join(_fold(text or "") for text in texts)
    return [word for word, pattern in _patterns(_config_words()) if pattern.search(folded)]


def needs_moderation(earlier_accepted: int, texts: list[str], account: bool = True) -> str | None:
    """Why a submission is held before it is public, or None: ``flagged-words``
    when it has words of the list (checked first, as the moderator needs to
    know), ``without-account`` when a visitor without an account sent it,
    ``first-of-account`` when the account has no earlier accepted submission of
    the kind (``earlier_accepted``, counted by the caller)."""
    if flagged_words(*texts):
        return FLAGGED_WORDS
    if not account:
        return WITHOUT_ACCOUNT
    if earlier_accepted <= 0:
        return FIRST_OF_ACCOUNT
    return None
