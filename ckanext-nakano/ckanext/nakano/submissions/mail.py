"""Mail about reuses and data requests: to the departments' staff who chose to get it
(MailPreference), to submitters and requesters, and to followers.

Each message is written in Japanese with English below (staff and residents read
Japanese first; foreign residents get the English), prepared in the request and
delivered by a background job through CKAN's mailer (``smtp.*``), as password resets are
(password_reset.deliver): a slow or broken relay never slows or fails the page.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable

import ckan.plugins.toolkit as tk
from ckan import model

from .. import messages
from ..model import MailPreference
from ..password_reset import deliver

log = logging.getLogger(__name__)

__all__ = ["staff_of", "send", "both_languages", "subject", "wants_department_mail", "set_department_mail"]


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is used."""
    return message


def wants_department_mail(user_id: str) -> bool:
    row = model.Session.get(MailPreference, user_id)
    return bool(row and row.department_mail)


def set_department_mail(user_id: str, on: bool) -> None:
    row = model.Session.get(MailPreference, user_id) or MailPreference(user_id=user_id)
    row.department_mail = on
    model.Session.add(row)


def staff_of(org_ids: Iterable[str], admins_only: bool = False) -> list[tuple[str, str]]:
    """(name, address) of the departments' members who chose to get the department's mail."""
    ids = list(org_ids)
    if not ids:
        return []
    capacities = ("admin",) if admins_only else ("admin", "editor", "member")
    rows = (model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .join(MailPreference, MailPreference.user_id == model.User.id)
            .filter(model.Member.group_id.in_(ids), model.Member.table_name == "user",
                    model.Member.state == "active", model.Member.capacity.in_(capacities),
                    model.User.state == "active", MailPreference.department_mail.is_(True),
                    model.User.email.isnot(None), model.User.email != "")
            .distinct().all())
    return [(u.display_name, u.email) for u in rows]


def both_languages(message: str, separator: str = "\n\n", **values: Any) -> str:
    """A message in Japanese, then in English (values filled in each)."""
    japanese = messages.gettext(message, "ja", **values)
    english = messages.gettext(message, "en", **values)
    return japanese if japanese == english else f"{japanese}{separator}{english}"


def subject(message: str) -> str:
    """A subject line in both languages (one line: a header holds no line break)."""
    return both_languages(message, " / ")


def send(recipients: Iterable[tuple[str, str]], subject: str, body: str) -> int:
    """Queue one message per distinct address; returns how many were queued."""
    site = tk.config.get("ckan.site_title") or "中野区オープンデータポータル"
    subject = " ".join(subject.split())   # a mail header holds no line break
    sent: set[str] = set()
    for name, email in recipients:
        if not email or email.lower() in sent:
            continue
        sent.add(email.lower())
        try:
            tk.enqueue_job(deliver, [name or email, email, f"[{site}] {subject}", body],
                           title="nakano submission mail", rq_kwargs={"timeout": 120})
        except Exception:  # Redis away: the submission is saved; the mail is lost and logged, never a 500
            log.exception("could not queue a mail to a recipient of %s", subject)
    return len(sent)
