"""Failed logins counted per account, per client and per both, in Redis; a
counter at its limit refuses the login form (429, in the request's language,
with ``Retry-After``) until its window ends. CKAN 2.12 answers every attempt.

Counters live under HMAC keys (the site's secret): neither account names nor
client addresses are stored as such, as the usage statistics keep no address
(docs/privacy.md). The client is the address behind a trusted proxy (nginx),
as for the statistics. nginx limits login posts per client too (docker/nginx).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
from typing import Any

from functools import cache

import sqlalchemy as sa
from flask import Response, make_response, request
from passlib.hash import pbkdf2_sha512

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.redis import connect_to_redis

from .clients import client_address

log = logging.getLogger(__name__)

__all__ = ["refused", "failed", "succeeded", "message", "equal_time"]

PREFIX = "nakano:login-failures:"


def _key(kind: str, *parts: str) -> str:
    secret = str(tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret") or "nakano").encode()
    digest = hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]
    return f"{PREFIX}{kind}:{digest}"


def _account(login: str) -> str:
    """The account a login names, whether typed as its name or its e-mail address
    in any case (they were counted apart: twice the tries); the text itself when
    it names no account."""
    text = (login or "").strip()
    user = model.User.by_name(text) or model.User.by_name(text.lower()) or (
        model.Session.query(model.User).filter(sa.func.lower(model.User.email) == text.lower()).first()
        if "@" in text else None)
    return f"user:{user.id}" if user is not None else text.casefold()


def _keys(login: str) -> list[tuple[str, int]]:
    """(Redis key, limit) of the three counters of this attempt."""
    account = _account(login)
    client = client_address(request.environ)
    return [
        (_key("pair", account, client), tk.config["ckanext.nakano.login.max_failures_per_account_and_client"]),
        (_key("account", account), tk.config["ckanext.nakano.login.max_failures_per_account"]),
        (_key("client", client), tk.config["ckanext.nakano.login.max_failures_per_client"]),
    ]


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return tk.ungettext("Too many failed logins: try again in about %(num)d minute. If you forgot your password, "
                        "reset it from \"Forgot your password?\".",
                        "Too many failed logins: try again in about %(num)d minutes. If you forgot your password, "
                        "reset it from \"Forgot your password?\".", minutes)


def refused() -> Response | None:
    """``IAuthenticator.login``: the answer to a login post while a counter is
    at its limit (the password is not even checked), else None."""
    if request.method != "POST":
        return None
    try:
        redis = connect_to_redis()
        waits = [redis.ttl(key) for key, limit in _keys(request.form.get("login", ""))
                 if int(redis.get(key) or 0) >= limit]
    except Exception:  # Redis away: the form works as CKAN's (nginx still limits per client)
        log.warning("login throttle unavailable (Redis)", exc_info=True)
        return None
    if not waits:
        return None
    seconds = max(max(waits), 1)
    tk.h.flash_error(message(seconds))
    response = make_response(tk.render("user/login.html", {}), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def failed(sender: Any, **kwargs: Any) -> None:
    """``failed_login`` signal (sender: the login typed)."""
    if not tk.request:
        return
    window = tk.config["ckanext.nakano.login.window_minutes"] * 60
    try:
        pipe = connect_to_redis().pipeline()
        for key, _limit in _keys(str(sender or "")):
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
        pipe.execute()
    except Exception:  # Redis away: the attempt is answered, just not counted
        log.warning("login throttle: failure not counted (Redis)", exc_info=True)


def succeeded(sender: Any, **kwargs: Any) -> None:
    """``user_logged_in`` signal: the account's own count from this client starts again."""
    user = kwargs.get("user")
    if not tk.request or user is None:
        return
    try:
        connect_to_redis().delete(_keys(getattr(user, "name", ""))[0][0])
    except Exception:  # Redis away: nothing to reset
        log.warning("login throttle: reset failed (Redis)", exc_info=True)


@cache
def _stand_in_hash() -> str:
    return pbkdf2_sha512.hash("not a password of anyone")


def equal_time(identity: dict[str, Any]) -> None:
    """``IAuthenticator.authenticate``, before CKAN's own: a login naming no
    account costs the same password hash as one naming an account, so the
    answer's time does not tell which accounts exist. Always lets CKAN decide."""
    login = str(identity.get("login") or "")
    if login and model.User.by_name(login) is None and model.User.by_email(login) is None:
        pbkdf2_sha512.verify(str(identity.get("password") or ""), _stand_in_hash())

