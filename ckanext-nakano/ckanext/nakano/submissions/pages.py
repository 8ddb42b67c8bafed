"""Pages shared by reuses and data requests: the confirmation link of a visitor without an
account (submissions/confirm.py), a member's choice of the departments' mail, and the
dashboard tab of a person's own reuses and requests.

Opening the confirmation link shows a page with a button; only the button's POST confirms.
Mail scanners and link previews open (GET) every link of a message, and a GET that confirmed
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
    page = confirmations.apply(token)
    if page is None:
        tk.h.flash_error(messages.say("confirm-link-used"))
        return tk.redirect_to("home.index")
    tk.h.flash_success(messages.say("confirm-done"))
    # What was sent, where it stands (the link of the mails, with the sender's key).
    return tk.redirect_to(page or tk.url_for("home.index"))


# The dashboard tab shows the latest of each list; older ones are on /showcase and /request.
MINE_LIMIT = 100


@submissions.route("/dashboard/submissions")
def mine() -> flask.Response | str:
    """The signed-in person's reuses (every state, a rejection's reason with it), their data
    requests (every state, with the department's answer) and the requests of others they
    follow: what they sent and where it stands, in one place."""
    if not tk.current_user.is_authenticated:
        tk.h.flash_error(tk._("Sign in to see what you sent"))
        return tk.redirect_to("user.login", came_from=flask.request.path)
    context = {"user": tk.current_user.name}
    latest = {"limit": MINE_LIMIT, "facets": False, "sort": "changed"}
    # What CKAN's dashboard tabs give their template (its user header reads them).
    user_dict = tk.get_action("user_show")(dict(context), {"id": tk.current_user.id})
    return tk.render("nakano/my_submissions.html", {
        "user_dict": user_dict, "is_myself": True, "is_sysadmin": bool(tk.current_user.sysadmin),
        "about_formatted": tk.h.render_markdown(user_dict.get("about") or ""),
        "reuses": tk.get_action("nakano_showcase_list")(context, {**latest, "mine": True}),
        "requests": tk.get_action("nakano_request_list")(context, {**latest, "mine": True}),
        "followed": tk.get_action("nakano_request_list")(context, {**latest, "followed": True}),
        "limit": MINE_LIMIT})


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
