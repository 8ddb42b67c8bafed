"""The confirmation link of a visitor without an account (submissions/confirm.py).

Opening the link shows a page with a button; only the button's POST confirms. Mail
scanners and link previews open (GET) every link of a message, and a GET that confirmed
would let them confirm an address nobody read."""
from __future__ import annotations

import flask

import ckan.plugins.toolkit as tk
from ckan import model

from .. import messages
from . import confirm as confirmations
from . import mail

__all__ = ["submissions"]

submissions = flask.Blueprint("nakano_submissions", __name__)


@submissions.route("/confirm/<token>")
def confirm_page(token: str) -> flask.Response:
    """The page of the link: a 「確認する」 button (the token is used up only by the POST)."""
    response = flask.make_response(tk.render("nakano/confirm.html", {"token": token[:100]}))
    # The address holds the token: neither cached nor sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@submissions.route("/confirm/<token>", methods=["POST"])
def confirm(token: str) -> flask.Response:
    """The button moves what was sent into moderation (a link works once)."""
    if confirmations.apply(token):
        tk.h.flash_success(messages.say("confirm-done"))
    else:
        tk.h.flash_error(messages.say("confirm-link-used"))
    return tk.redirect_to("home.index")


@submissions.route("/user/department-mail", methods=["POST"])
def department_mail() -> flask.Response:
    """A department member's choice to be mailed of reuses and data requests of their
    departments (shown on the department's page and the dashboard)."""
    if not tk.current_user.is_authenticated:
        return tk.abort(403, tk._("Sign in to do this"))
    on = flask.request.form.get("on") == "1"
    mail.set_department_mail(tk.current_user.id, on)
    model.Session.commit()
    tk.h.flash_success(tk._("You will be mailed of reuses and data requests of your departments.") if on
                       else tk._("You will no longer be mailed of reuses and data requests of your departments."))
    target = flask.request.form.get("came_from") or ""
    # Only a path of this site: never an open redirect.
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 or ord(c) == 127 for c in target)):   # a header holds no line break
        target = tk.url_for("dashboard.index")
    return tk.redirect_to(target)
