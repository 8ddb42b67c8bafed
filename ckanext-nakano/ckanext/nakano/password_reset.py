"""Password reset requests that say nothing about which accounts exist.

CKAN 2.12 sends the reset mail inside the request: when mail fails, an
existing account gets 「メール送信でエラー」 and an unknown one the success
message, and the mail's time shows too. Here the request only prepares the
message (reset key, text) and queues its delivery as a background job; every
request gets the same answer at once. Delivery errors stay in the job's log
and the failed-job registry, for operators (``ckan jobs list``).

Mail to one account is limited (``ckanext.nakano.reset.max_per_hour``), so
the form cannot be used to flood an inbox; the answer stays the same.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import Response, request

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import captcha, mailer
from ckan.lib.redis import connect_to_redis

log = logging.getLogger(__name__)

__all__ = ["request_reset", "deliver", "ANSWER", "check_link", "LINK_REFUSED"]

# Every answer to the form takes at least this long: preparing a mail takes
# a few milliseconds that an unknown account does not, and that time told
# which accounts exist.
ANSWER_SECONDS = 0.25


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used (tk._)."""
    return message


# English msgids; tk._() gives the text in the request's language.
LINK_REFUSED = N_("This link cannot be used (expired, used, or mistyped). Ask for a password reset again.")

ANSWER = N_("If the account exists, a link to reset its password has been sent to its e-mail address. If nothing "
            "arrives within 10 minutes, check your spam folder or contact the portal's administrators.")


def _accounts(identifier: str) -> list[model.User]:
    """As CKAN: every active account of an e-mail address, or the account of a name."""
    if "@" in identifier:
        return model.Session.query(model.User).filter(
            model.User.email.ilike(identifier), model.User.state == "active").all()
    user = model.User.get(identifier)
    return [user] if user is not None and user.state == "active" and user.email else []


def _may_mail(user: model.User) -> bool:
    secret = str(tk.config.get("SECRET_KEY") or "nakano").encode()
    key = "nakano:reset-mails:" + hmac.new(secret, user.id.encode(), hashlib.sha256).hexdigest()[:32]
    try:
        redis = connect_to_redis()
        count = redis.incr(key)
        redis.expire(key, 3600, nx=True)
    except Exception:  # Redis away: the job queue is away too; enqueue reports it
        return True
    return count <= tk.config["ckanext.nakano.reset.max_per_hour"]


def request_reset() -> Response:
    """POST /user/reset (CKAN's form): the same answer for every input, in the same time."""
    started = time.monotonic()
    try:
        return _request_reset()
    finally:
        time.sleep(max(0.0, ANSWER_SECONDS - (time.monotonic() - started)))


def _request_reset() -> Response:
    try:
        captcha.check_recaptcha(request)
    except captcha.CaptchaError:
        tk.h.flash_error(tk._("Bad CAPTCHA: please try again."))
        return tk.redirect_to("user.request_reset")
    identifier = (request.form.get("user") or "").strip()
    if not identifier:
        tk.h.flash_error(tk._("Enter your e-mail address or user name."))
        return tk.redirect_to("user.request_reset")
    for user in _accounts(identifier[:200]):
        if not _may_mail(user):
            log.info("password reset: hourly limit reached for %s", user.name)
            continue
        mailer.create_reset_key(user)
        user = model.User.get(user.id)   # create_reset_key removed the session
        subject = tk.render("emails/reset_password_subject.txt",
                            {"site_title": tk.config.get("ckan.site_title")}).split("\n")[0]
        tk.enqueue_job(deliver, [user.display_name, user.email, subject, mailer.get_reset_link_body(user)],
                       title="nakano password reset mail", rq_kwargs={"timeout": 120})
    tk.h.flash_success(tk._(ANSWER))
    return tk.redirect_to(tk.config.get("ckan.user_reset_landing_page"))


def deliver(name: str, email: str, subject: str, body: str) -> None:
    """Background job: send one prepared message (a failure fails the job, kept
    in RQ's failed registry and the worker log)."""
    mailer.mail_recipient(name, email, subject, body)


def check_link() -> tuple[str, int] | None:
    """Flask ``before_request`` for CKAN's reset link (/user/reset/<id>?key=…):
    CKAN answered 404 for an unknown account and 403 for a wrong key, which
    told which accounts exist. Both are now the same 403."""
    if request.endpoint != "user.perform_reset":
        return None
    user = model.User.get((request.view_args or {}).get("id") or "")
    if user is not None and user.state in ("active", "pending") and \
            mailer.verify_reset_link(user, request.args.get("key")):
        return None
    return tk.render("error_document_template.html", {"code": 403, "content": tk._(LINK_REFUSED)}), 403

