"""The link by which a visitor without an account reaches what they sent.

A visitor's reuse or data request waits for review, unseen by others; without an account
there is nobody to sign in as. Their mails (the confirmation's follow-up, the department's
answers, the moderation's decision) and the page after confirming carry a key: an HMAC of
the kind, the id and the sender's address under the site's secret. Whoever holds the link
sees that one submission as its sender does (read only); no key is stored, and another
submission or another address makes another key."""
from __future__ import annotations

import hashlib
import hmac

import flask

import ckan.plugins.toolkit as tk

__all__ = ["key", "holds", "link", "keyed_page"]


def key(kind: str, object_id: str, email: str) -> str:
    secret = str(tk.config.get("SECRET_KEY") or "nakano").encode()
    signed = f"nakano-sender:{kind}:{object_id}:{email.strip().lower()}".encode()
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()[:32]


def holds(kind: str, object_id: str, email: str | None, given: str | None) -> bool:
    """Whether ``given`` is the key of this submission of this sender."""
    return bool(email and given) and hmac.compare_digest(key(kind, object_id, email), str(given)[:64])


def link(endpoint: str, kind: str, object_id: str, email: str | None, **url_args: str) -> str:
    """The submission's page; with the key when it was sent by a visitor (``email``)."""
    if email:
        url_args["key"] = key(kind, object_id, email)
    return tk.url_for(endpoint, _external=True, **url_args)


def keyed_page(html: str, given: str | None) -> flask.Response | str:
    """A page opened by a sender's link: neither kept by caches nor its address sent on."""
    if not given:
        return html
    response = flask.make_response(html)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
