"""A visitor without an account reaches what they sent: the confirmation takes them to it, and
the department's answers and the moderation's decision are mailed with a link that shows it
to them (their key) — while the submission is not listed, and to nobody else."""
from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import urlsplit

from ckan.tests import helpers

from ckanext.nakano.tests.local_mail import open_inbox, run_worker
from ckanext.nakano.tests.submissions.conftest import as_user

VISITOR = "visitor@example.org"


def _mails_to(inbox, address: str) -> list[str]:
    return [m.get_content() for m in inbox() if parseaddr(m["To"])[1] == address]


def _confirm(app, inbox) -> str:
    """Opens the confirmation link's button; returns where it leads (path and query)."""
    run_worker()
    (body,) = _mails_to(inbox, VISITOR)
    token = re.search(r"/confirm/(\S+)", body).group(1)
    app.get(f"/confirm/{token}")
    done = app.post(f"/confirm/{token}", follow_redirects=False)
    assert done.status_code == 302
    parts = urlsplit(done.headers["Location"])
    return f"{parts.path}?{parts.query}"


def test_a_visitors_request_is_theirs_to_see_by_the_key_of_their_mails(ward, app):
    inbox = open_inbox()
    request = helpers.call_action("nakano_request_create", context=as_user(None), title="公園のベンチの位置",
                                  description="地図にしたい", purpose="community", department="kenko-fukushi",
                                  email=VISITOR)
    page = _confirm(app, inbox)
    assert page.startswith(f"/request/{request['id']}?key=")
    shown = app.get(page)
    assert shown.status_code == 200 and "公園のベンチの位置" in shown.body
    assert shown.headers["Referrer-Policy"] == "no-referrer" and "no-store" in shown.headers["Cache-Control"]
    # Held for review (a visitor's request is never listed unseen): nobody else sees it.
    key = page.split("key=")[1]
    assert app.get(f"/request/{request['id']}").status_code == 404
    assert app.get(f"/request/{request['id']}?key={key[:-1]}x").status_code == 404
    other = helpers.call_action("nakano_request_create", context=as_user(None), title="別の要望",
                                description="x", purpose="community", email="other@example.org")
    assert app.get(f"/request/{other['id']}?key={key}").status_code == 404
    # The department answers: the visitor's mail carries their link, the page shows the answer.
    helpers.call_action("nakano_request_respond", context=as_user(ward.health_admin), id=request["id"],
                        status="planned", planned_month="2099-04", answer="来年度に公開します")
    run_worker()
    answered = "\n".join(_mails_to(inbox, VISITOR))
    link = re.search(r"https?://\S+/request/\d+\?key=\w+", answered)
    assert link, answered
    parts = urlsplit(link.group(0))
    assert "来年度に公開します" in app.get(f"{parts.path}?{parts.query}").body
    # The key shows; it does not let anyone change anything.
    answer = app.post(f"/request/{request['id']}/answer?key={key}", data={"status": "declined"})
    assert answer.status_code in (400, 403, 404)
    assert helpers.call_action("nakano_request_show", context=as_user(ward.health_admin),
                               id=request["id"])["status"] == "planned"


def test_a_visitors_reuse_and_its_rejection_are_theirs_to_see_by_their_link(ward, app):
    inbox = open_inbox()
    reuse = helpers.call_action("nakano_showcase_create", context=as_user(None), title="ベンチマップ", kind="app",
                                url="https://example.jp/bench", provider="中野の市民", provider_kind="citizen",
                                datasets=["aed"], email=VISITOR)
    page = _confirm(app, inbox)
    assert page.startswith(f"/showcase/{reuse['name']}?key=")
    assert "確認待ち" in app.get(page).body or "Waiting for review" in app.get(page).body
    assert app.get(f"/showcase/{reuse['name']}").status_code == 404
    helpers.call_action("nakano_showcase_moderate", context=as_user(ward.office), id=reuse["id"],
                        decision="reject", reason="URLが開けません")
    run_worker()
    decided = "\n".join(_mails_to(inbox, VISITOR))
    link = urlsplit(re.search(r"https?://\S+/showcase/\S+\?key=\w+", decided).group(0))
    assert "URLが開けません" in app.get(f"{link.path}?{link.query}").body
