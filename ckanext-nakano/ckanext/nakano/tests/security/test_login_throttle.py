"""Login brute force: failed attempts are counted per account and client, per
account and per client; at a limit even the right password waits, the page
says in Japanese for how long, and no address is stored."""
from __future__ import annotations

import re

import pytest

from ckan.lib.redis import connect_to_redis
from ckan.tests import factories

from ckanext.nakano import login_throttle

PASSWORD = "Nakano-Test-2026!"


@pytest.fixture()
def account(clean_db):
    redis = connect_to_redis()
    for key in redis.scan_iter(login_throttle.PREFIX + "*"):
        redis.delete(key)
    return factories.User(password=PASSWORD)


def _post(app, login: str, password: str, client: str, prefix: str = ""):
    page = app.get(f"{prefix}/user/login", environ_overrides={"REMOTE_ADDR": client})
    token = re.search(r'<meta name="_csrf_token" content="([^"]+)"', page.body)
    data = {"login": login, "password": password}
    if token:
        data["_csrf_token"] = token.group(1)
    return app.post(f"{prefix}/user/login", data=data, environ_overrides={"REMOTE_ADDR": client},
                    follow_redirects=False)


def _logged_in(answer) -> bool:
    return answer.status_code == 302


def test_wrong_passwords_then_the_right_one_waits(app, account):
    for _ in range(5):
        assert _post(app, account["name"], "wrong", "198.51.100.7").status_code == 200
    refused = _post(app, account["name"], PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    assert "分後にもう一度お試しください" in refused.body
    english = _post(app, account["name"], PASSWORD, "198.51.100.7", prefix="/en")   # the English page
    assert english.status_code == 429 and "try again in about" in english.body
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Another client is not locked out by this one.
    assert _logged_in(_post(app, account["name"], PASSWORD, "198.51.100.8"))


def test_a_spread_out_guess_is_limited_per_account(app, account):
    for n in range(20):
        _post(app, account["name"], "wrong", f"203.0.113.{n + 1}")
    assert _post(app, account["name"], PASSWORD, "203.0.113.200").status_code == 429


def test_one_client_guessing_many_accounts_is_limited(app, account):
    for n in range(30):
        _post(app, f"someone-{n}", "wrong", "192.0.2.50")
    assert _post(app, account["name"], PASSWORD, "192.0.2.50").status_code == 429
    assert _logged_in(_post(app, account["name"], PASSWORD, "192.0.2.51"))


def test_success_resets_the_count_and_nothing_names_the_client(app, account):
    for _ in range(4):
        _post(app, account["name"], "wrong", "198.51.100.9")
    assert _logged_in(_post(app, account["name"], PASSWORD, "198.51.100.9"))
    app.get("/user/_logout")
    for _ in range(4):   # four more: the earlier four no longer count
        _post(app, account["name"], "wrong", "198.51.100.9")
    assert _logged_in(_post(app, account["name"], PASSWORD, "198.51.100.9"))
    keys = [k.decode() for k in connect_to_redis().scan_iter(login_throttle.PREFIX + "*")]
    assert keys and not [k for k in keys if "198.51.100" in k or account["name"] in k]


def test_the_name_and_the_email_address_are_one_account(app, account):
    for login in (account["name"], account["email"].upper(), account["name"], account["email"], account["name"]):
        assert _post(app, login, "wrong", "198.51.100.20").status_code == 200
    assert _post(app, account["email"], PASSWORD, "198.51.100.20").status_code == 429
