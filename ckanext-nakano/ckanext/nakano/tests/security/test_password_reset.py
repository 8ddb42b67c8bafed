"""Password reset: the same answer whether the account exists or not, mail
really sent (the local SMTP server of scripts/services.sh, messages read
back from its Maildir), at most a few mails per account and hour."""
from __future__ import annotations

import os
import re

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.nakano.tests.local_mail import open_inbox, run_worker

@pytest.fixture()
def inbox():
    """The local SMTP server's Maildir; fails (never skips) when the server is not running."""
    return open_inbox()


@pytest.fixture()
def account(clean_db, clean_queues):
    return factories.User(name="reset-me", email=f"reset-{os.getpid()}@example.org")


def _ask(app, identifier: str, prefix: str = "") -> tuple[int, str, str]:
    answer = app.post(f"{prefix}/user/reset", data={"user": identifier}, follow_redirects=False)
    page = app.get(answer.headers.get("Location", "/"))
    flashed = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.body, re.S)
    return answer.status_code, answer.headers.get("Location", ""), " ".join(" ".join(flashed).split())


def test_the_answer_does_not_tell_which_accounts_exist_and_the_mail_arrives(app, account, inbox):
    known_name = _ask(app, account["name"])
    known_mail = _ask(app, account["email"])
    unknown_name = _ask(app, "nobody-here")
    unknown_mail = _ask(app, "nobody@example.org")
    assert known_name == known_mail == unknown_name == unknown_mail
    assert known_name[0] == 302 and "パスワード再設定用のリンク" in known_name[2]
    result = run_worker()
    assert result.returncode == 0, result.stderr[-2000:]
    messages = inbox()
    assert len(messages) == 2 and {m["To"].addresses[0].addr_spec for m in messages} == {account["email"]}
    assert "パスワードの再設定" in messages[0]["Subject"] and "様" in messages[0].get_content()
    # The second request made a new key: the mail with it opens the reset form.
    from ckan import model

    key = model.User.get(account["id"]).reset_key
    links = [re.search(r"https?://\S+/user/reset/\S+", m.get_content()).group(0) for m in messages]
    current = [link for link in links if link.endswith(f"key={key}")]
    assert len(current) == 1
    assert app.get(current[0].split("test.ckan.net", 1)[-1]).status_code == 200


def test_a_broken_mail_server_changes_nothing_for_the_person_asking(app, account, inbox):
    assert _ask(app, account["name"]) == _ask(app, "nobody-here")
    result = run_worker(CKAN_SMTP_SERVER="127.0.0.1:9")   # nothing listens on the discard port
    assert "SMTP server could not be connected" in result.stderr
    assert inbox() == []


def test_mail_to_one_account_is_limited(app, account, inbox):
    answers = {_ask(app, account["name"]) for _ in range(6)}
    assert len(answers) == 1
    assert run_worker().returncode == 0
    assert len(inbox()) == tk.config["ckanext.nakano.reset.max_per_hour"]


def test_the_answer_is_in_the_language_of_the_page(app, clean_db):
    japanese, english = _ask(app, "nobody-here")[2], _ask(app, "nobody-here", prefix="/en")[2]
    assert "パスワード" in japanese and "reset" in english


def test_a_reset_link_says_nothing_about_which_accounts_exist(app, account):
    known = app.get(f"/user/reset/{account['id']}", query_string={"key": "wrong"})
    unknown = app.get("/user/reset/no-such-account", query_string={"key": "wrong"})
    assert known.status_code == unknown.status_code == 403
    assert "このリンクは使えません" in known.body and "このリンクは使えません" in unknown.body
