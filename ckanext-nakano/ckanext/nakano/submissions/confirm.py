"""E-mail confirmation of a visitor without an account: what they sent (a reuse, a data
request) waits, unseen, until they open the link mailed to them; then it enters
moderation. Only the link's hash is stored; a link works once, for two days."""
from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Callable

import ckan.plugins.toolkit as tk
from ckan import model

from ..model import EmailConfirmation
from . import abuse, mail

__all__ = ["start", "confirm", "apply", "on_confirmed", "LIFETIME"]

LIFETIME = datetime.timedelta(days=2)
# What a confirmed link does, per kind of submission, and the page it then shows (registered
# by tasks.py: this package knows no feature).
_CONFIRMED: dict[str, Callable[[str], str | None]] = {}

SUBJECT = mail.N_("Confirm your e-mail address")
# What the sender wrote is not quoted: anyone may type any address, and the portal's mail must
# not carry their text to it.
BODY = mail.N_("Thank you for writing to the portal. Open this link to confirm your e-mail address; what you "
               "sent is then reviewed before it is shown:\n\n%(link)s\n\nThe link works once, for two "
               "days. If you did not send anything, ignore this message.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(object_type: str, object_id: str, email: str) -> None:
    """Record a confirmation and mail its link (in the background). Mail to one address is
    limited like submissions (abuse.check_rate, kind ``confirmation-mail``; raises TooMany)."""
    abuse.check_rate("confirmation-mail", "mail:" + email.strip().lower(), None)
    token = secrets.token_urlsafe(32)
    model.Session.add(EmailConfirmation(token_hash=_hash(token), object_type=object_type, object_id=object_id))
    link = tk.url_for("nakano_submissions.confirm", token=token, _external=True)
    mail.send([(email, email)], mail.subject(SUBJECT),
              mail.both_languages(BODY, link=link))


def confirm(token: str) -> tuple[str, str] | None:
    """(object type, object id) of a link that is valid now; the link is then used up."""
    if not token or len(token) > 100:
        return None
    row = model.Session.get(EmailConfirmation, _hash(token))
    now = datetime.datetime.utcnow()
    if row is None or row.confirmed is not None or now - row.created > LIFETIME:
        return None
    row.confirmed = now
    return row.object_type, row.object_id


def on_confirmed(kind: str, then: Callable[[str], str | None]) -> None:
    """Register what a confirmed link of ``kind`` does with its object's id; ``then`` returns
    the page of what was confirmed, for its sender (or None)."""
    _CONFIRMED[kind] = then


def apply(token: str) -> str | None:
    """Use up a link and move what it confirms on. Returns the page of what was confirmed for
    its sender ("" when there is none), None for a link that is not valid now."""
    found = confirm(token)
    if found is None:
        model.Session.rollback()
        return None
    kind, object_id = found
    model.Session.commit()
    return _CONFIRMED[kind](object_id) or ""
